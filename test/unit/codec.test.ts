// Builder and parser, without root: requests encoded in record mode are read
// back through the registered reply parsers; malformed input must raise a
// clear error (never crash, never be half-read); unknown attributes are kept;
// a nest that outgrows its 16-bit length is an error, not a truncation.
import { strict as assert } from 'assert';
import { K, native, type NativeRequest } from '../../bindings';
import { ALIGN, attr, message, NLMSG_HDRLEN, str, u32 } from '../helpers/nlmsg-build';

const IFINFOMSG_LEN = K.sizeof_ifinfomsg;

function linkMessage(...attrs: Buffer[]): Buffer {
  const ifi = Buffer.alloc(IFINFOMSG_LEN);
  ifi.writeInt32LE(7, 4); // ifi_index
  return message(K.RTM_NEWLINK, 0, 1, Buffer.concat([ifi, ...attrs]));
}

function roundTrip(request: NativeRequest): Record<string, unknown> {
  const bytes = native.encode(K.NETLINK_ROUTE, [request], false);
  const [msg] = native.parse(K.NETLINK_ROUTE, bytes);
  assert.ok(msg.object, `a parser for ${msg.type}`);
  return msg.object;
}

describe('codec: builder and parser round trips', () => {
  it('frames a request: length, flags, sequence numbers from 1, acks asked except for dumps', () => {
    const bytes = native.encode(K.NETLINK_ROUTE, [
      { op: 'link.create', args: { name: 'br0', kind: 'bridge' } },
      { op: 'link.dump', args: {} },
      { op: 'link.delete', args: { name: 'br0' } },
    ], false);
    const msgs = native.parse(K.NETLINK_ROUTE, bytes);
    assert.deepEqual(msgs.map((m) => [m.type, m.seq]), [['RTM_NEWLINK', 1], ['RTM_GETLINK', 2], ['RTM_DELLINK', 3]]);
    assert.equal(msgs[0].flags, K.NLM_F_REQUEST | K.NLM_F_ACK | K.NLM_F_CREATE | K.NLM_F_EXCL);
    assert.equal(msgs[1].flags, K.NLM_F_REQUEST | K.NLM_F_DUMP);
    assert.equal(msgs[2].flags, K.NLM_F_REQUEST | K.NLM_F_ACK);
    // lengths chain exactly to the end of the buffer
    let off = 0;
    while (off < bytes.length) off += ALIGN(bytes.readUInt32LE(off));
    assert.equal(off, bytes.length);
  });

  it('a link: generic attributes and a kind\'s nested data', () => {
    const link = roundTrip({ op: 'link.create', args: {
      name: 'br0', kind: 'bridge', mtu: 1400, address: '02:00:00:aa:bb:cc', alias: 'the uplink', txqlen: 77,
      data: { stp: false, ageingTime: 20000, priority: 7 },
    } });
    assert.equal(link.name, 'br0');
    assert.equal(link.mtu, 1400);
    assert.equal(link.address, '02:00:00:aa:bb:cc');
    assert.equal(link.alias, 'the uplink');
    assert.equal(link.txqlen, 77);
    assert.equal(link.kind, 'bridge');
    assert.deepEqual(link.data, { stp: false, ageingTime: 20000, priority: 7 });
  });

  it('an address, a route and a neighbour', () => {
    const a = roundTrip({ op: 'addr.add', args: { index: 3, address: '192.0.2.1', prefixlen: 24, label: 'eth0:x' } });
    assert.deepEqual([a.local, a.prefixlen, a.index, a.label, a.family], ['192.0.2.1', 24, 3, 'eth0:x', K.AF_INET]);
    const a6 = roundTrip({ op: 'addr.add', args: { index: 3, address: '2001:db8::1', prefixlen: 64 } });
    assert.deepEqual([a6.local, a6.prefixlen, a6.family], ['2001:db8::1', 64, K.AF_INET6]);
    const r = roundTrip({ op: 'route.add', args: { family: K.AF_INET, dst: '10.1.0.0', dstLen: 16, gateway: '10.0.0.1', metric: 9, table: 1000, index: 4 } });
    assert.deepEqual([r.dst, r.dstLen, r.gateway, r.metric, r.table, r.index], ['10.1.0.0', 16, '10.0.0.1', 9, 1000, 4]);
    const n = roundTrip({ op: 'neigh.add', args: { index: 2, address: '10.0.0.9', lladdr: '02:00:00:00:00:09', state: K.NUD_PERMANENT } });
    assert.deepEqual([n.address, n.lladdr, n.state, n.index], ['10.0.0.9', '02:00:00:00:00:09', K.NUD_PERMANENT, 2]);
  });

  it('keeps attributes it does not know, by number', () => {
    const unknownType = K.IFLA_MAX + 40;
    const [msg] = native.parse(K.NETLINK_ROUTE, linkMessage(attr(K.IFLA_IFNAME, str('eth0')), attr(unknownType, Buffer.from([1, 2, 3]))));
    const link = msg.object as { name: string; unknown: Record<string, Buffer> };
    assert.equal(link.name, 'eth0');
    assert.deepEqual([...link.unknown[String(unknownType)]], [1, 2, 3]);
  });

  it('reads an error with the kernel\'s extended-ack text', () => {
    const err = Buffer.alloc(4 + NLMSG_HDRLEN);
    err.writeInt32LE(-17, 0); // -EEXIST, then the request's header (NETLINK_CAP_ACK: no payload)
    const bytes = message(K.NLMSG_ERROR, K.NLM_F_ACK_TLVS, 5, Buffer.concat([err, attr(K.NLMSGERR_ATTR_MSG, str('boom: said the kernel'))]));
    const [msg] = native.parse(K.NETLINK_ROUTE, bytes);
    assert.equal(msg.type, 'NLMSG_ERROR');
    assert.equal(msg.error, 17);
    assert.equal(msg.kernelMessage, 'boom: said the kernel');
  });
});

describe('codec: malformed input is an error, never a crash', () => {
  const parse = (b: Buffer) => () => native.parse(K.NETLINK_ROUTE, b);
  const good = linkMessage(attr(K.IFLA_IFNAME, str('eth0')), attr(K.IFLA_MTU, u32(1500)));

  it('the well-formed message it is cut from parses', () => {
    assert.equal(native.parse(K.NETLINK_ROUTE, good)[0].object!.mtu, 1500);
  });

  it('a truncated header', () => {
    assert.throws(parse(good.subarray(0, 10)), /malformed netlink message: truncated netlink message header/);
    // a second message whose header is cut short
    assert.throws(parse(Buffer.concat([good, good.subarray(0, 8)])), /truncated/);
  });

  it('a message length past the end of the buffer, or shorter than a header', () => {
    const long = Buffer.from(good);
    long.writeUInt32LE(good.length + 8, 0);
    assert.throws(parse(long), /malformed netlink message: .*length/);
    const short = Buffer.from(good);
    short.writeUInt32LE(8, 0);
    assert.throws(parse(short), /malformed/);
  });

  it('a message too short for its family header', () => {
    assert.throws(parse(message(K.RTM_NEWLINK, 0, 1, Buffer.alloc(8))), /too short for its header/);
  });

  it('an attribute length past the end of its message', () => {
    const bad = Buffer.from(good);
    bad.writeUInt16LE(200, NLMSG_HDRLEN + IFINFOMSG_LEN); // IFLA_IFNAME's nla_len
    assert.throws(parse(bad), /malformed netlink message: malformed attribute/);
    const tiny = Buffer.from(good);
    tiny.writeUInt16LE(2, NLMSG_HDRLEN + IFINFOMSG_LEN); // shorter than an attribute header
    assert.throws(parse(tiny), /malformed attribute/);
  });

  it('a nested attribute overrunning its parent', () => {
    const inner = attr(K.IFLA_INFO_KIND, Buffer.from('bridge'));
    const nest = attr(K.IFLA_LINKINFO | K.NLA_F_NESTED, inner);
    const msg = linkMessage(nest, attr(K.IFLA_MTU, u32(1500)));
    assert.equal(native.parse(K.NETLINK_ROUTE, msg)[0].object!.kind, 'bridge');
    // the inner attribute claims more than its nest holds (though the message has room)
    const bad = Buffer.from(msg);
    bad.writeUInt16LE(inner.readUInt16LE(0) + 8, NLMSG_HDRLEN + IFINFOMSG_LEN + 4);
    assert.throws(parse(bad), /malformed netlink message: malformed attribute/);
  });

  it('a fixed-size attribute that is too short', () => {
    assert.throws(parse(linkMessage(attr(K.IFLA_MTU, Buffer.from([1, 2])))), /malformed netlink message: attribute 4: 2 bytes, expected 4/);
  });

  it('random garbage never crashes the process', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      try {
        native.parse(K.NETLINK_ROUTE, b);
      } catch (err) {
        assert.match((err as Error).message, /^malformed netlink message: /);
      }
    }
  });
});

describe('codec: what does not fit is an error, not a truncation', () => {
  const encodeOne = (args: Record<string, unknown>) => () => native.encode(K.NETLINK_ROUTE, [{ op: 'link.create', args }], false);

  it('one attribute over 65535 bytes', () => {
    assert.doesNotThrow(encodeOne({ name: 'v0', kind: 'bridge', alias: 'x'.repeat(60000) }));
    assert.throws(encodeOne({ name: 'v0', kind: 'bridge', alias: 'x'.repeat(70000) }), (e: Error) => e instanceof TypeError && /too large/.test(e.message));
  });

  it('a nest over 65535 bytes', () => {
    // A veth whose peer is itself a veth with a peer: two 40,000-byte aliases
    // in one nest. Each fits alone; the outer nest cannot.
    const alias = 'y'.repeat(40000);
    assert.doesNotThrow(encodeOne({ name: 'v0', kind: 'veth', peer: { name: 'v1', alias } }));
    assert.throws(
      encodeOne({ name: 'v0', kind: 'veth', peer: { name: 'v1', alias, kind: 'veth', peer: { name: 'v2', alias } } }),
      (e: Error) => e instanceof TypeError && /netlink message too large: nested attribute of \d+ bytes/.test(e.message),
    );
  });

  it('says which request of a list could not be encoded', () => {
    assert.throws(() => native.encode(K.NETLINK_ROUTE, [
      { op: 'link.create', args: { name: 'ok', kind: 'bridge' } },
      { op: 'link.create', args: { name: 'bad', kind: 'bridge', mtu: -1 } },
    ], false), /request 1 \(link\.create\): mtu: expected an integer/);
    assert.throws(() => native.encode(K.NETLINK_ROUTE, [{ op: 'no.such.op' }], false), /unknown netlink operation 'no.such.op'/);
  });
});
