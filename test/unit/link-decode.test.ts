// The JS-side link decoder (linkList, linkGet) against the native parser
// (events, parse()): the same bytes must give the same Link, and the same
// bytes must be refused. The native parser is itself checked against
// iproute2 in rtnl-parsing.test.ts, so agreeing with it ties the decoder to
// `ip -j` too.
import { strict as assert } from 'assert';
import { K, native } from '../../bindings';
import { buildLinks, decodeLinks, indexLinks, LINK_INDEX } from '../../src/netlink/link-decode';
import { fixtureNames, loadFixture, type ReplyFixture } from '../helpers/nlbytes';
import { attr, message, NLMSG_HDRLEN, s32, str, u32, u8 } from '../helpers/nlmsg-build';

function linkMessage(type: number, index: number, flags: number, ...attrs: Buffer[]): Buffer {
  const ifi = Buffer.alloc(K.sizeof_ifinfomsg);
  ifi.writeUInt8(K.AF_UNSPEC, K.offsetof_ifinfomsg_ifi_family);
  ifi.writeUInt16LE(1, K.offsetof_ifinfomsg_ifi_type); // ARPHRD_ETHER
  ifi.writeInt32LE(index, K.offsetof_ifinfomsg_ifi_index);
  ifi.writeUInt32LE(flags, K.offsetof_ifinfomsg_ifi_flags);
  return message(type, K.NLM_F_MULTI, 0, Buffer.concat([ifi, ...attrs]));
}

/** rtnl_link_stats64 with every counter distinct, some past 2^32 and one past 2^53. */
function stats64(): Buffer {
  const b = Buffer.alloc(K.sizeof_rtnl_link_stats64);
  for (let i = 0; i < b.length / 8; i++) b.writeBigUInt64LE(BigInt(i + 1) * 0x1_0000_0001n + BigInt(i), i * 8);
  b.writeBigUInt64LE(2n ** 60n + 12345n, K.offsetof_rtnl_link_stats64_rx_bytes);
  return b;
}

/** Every field the decoder reads, and a veth's kind, and two attributes past IFLA_MAX. */
function fullLink(): Buffer {
  return linkMessage(K.RTM_NEWLINK, 42, K.IFF_UP | K.IFF_BROADCAST,
    attr(K.IFLA_IFNAME, str('veth-ä1')),
    attr(K.IFLA_TXQLEN, u32(1000)),
    attr(K.IFLA_OPERSTATE, u8(6)),
    attr(K.IFLA_MTU, u32(1500)),
    attr(K.IFLA_MIN_MTU, u32(68)),
    attr(K.IFLA_MAX_MTU, u32(65535)),
    attr(K.IFLA_GROUP, u32(3)),
    attr(K.IFLA_PROMISCUITY, u32(1)),
    attr(K.IFLA_NUM_TX_QUEUES, u32(2)),
    attr(K.IFLA_NUM_RX_QUEUES, u32(4)),
    attr(K.IFLA_CARRIER, u8(1)),
    attr(K.IFLA_MASTER, u32(9)),
    attr(K.IFLA_LINK, u32(17)),
    attr(K.IFLA_LINK_NETNSID, s32(-1)),
    attr(K.IFLA_IFALIAS, str('the uplink')),
    attr(K.IFLA_ADDRESS, Buffer.from([0x02, 0x42, 0xac, 0x11, 0x00, 0x0f])),
    attr(K.IFLA_BROADCAST, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    attr(K.IFLA_PERM_ADDRESS, Buffer.from([0x0a, 0x0b, 0x0c, 0x0d])),
    attr(K.IFLA_STATS64, stats64()),
    attr(K.IFLA_LINKINFO | K.NLA_F_NESTED, attr(K.IFLA_INFO_KIND, Buffer.from('veth'))),
    attr(K.IFLA_MAX + 3, Buffer.from([1, 2, 3])),
    attr(K.IFLA_MAX + 7, u32(7)),
  );
}

function nativeLinks(buf: Buffer): Array<Record<string, unknown>> {
  return native.parse(K.NETLINK_ROUTE, buf).filter((m) => m.type === 'RTM_NEWLINK').map((m) => m.object!);
}

describe('link decoder (JS) agrees with the native parser', () => {
  for (const name of fixtureNames('replies')) {
    it(`on the kernel's reply for ${name} (captured from ip -d link show)`, () => {
      const buf = Buffer.from(loadFixture<ReplyFixture>('replies', name).reply, 'hex');
      assert.deepEqual(decodeLinks(buf, [], true), nativeLinks(buf));
    });
  }

  it('on every field it reads: 64-bit counters, MACs of any length, UTF-8 names, negative netns ids, unknown attributes', () => {
    const buf = fullLink();
    const [ours] = decodeLinks(buf, [], true);
    assert.deepEqual(ours, nativeLinks(buf)[0]);
    assert.equal(ours.name, 'veth-ä1');
    assert.equal(ours.stats!.rxBytes, Number(2n ** 60n + 12345n));
    assert.equal(ours.address, '02:42:ac:11:00:0f');
    assert.equal(ours.permAddress, '0a:0b:0c:0d');
    assert.equal(ours.linkNetnsId, -1);
    assert.equal(ours.operstate, 'UP');
    assert.deepEqual(Object.keys(ours.unknown!).sort(), [String(K.IFLA_MAX + 3), String(K.IFLA_MAX + 7)].sort());
  });

  it('leaves unknown attributes out unless asked', () => {
    const [ours] = decodeLinks(fullLink());
    assert.ok(!('unknown' in ours));
    const { unknown: _, ...rest } = nativeLinks(fullLink())[0];
    assert.deepEqual(ours, rest);
  });

  it('on a listing of several messages with other message types between them, appending to what it is given', () => {
    const done = Buffer.alloc(NLMSG_HDRLEN + 4);
    done.writeUInt32LE(done.length, 0);
    done.writeUInt16LE(K.NLMSG_DONE, 4);
    const buf = Buffer.concat([fullLink(), linkMessage(K.RTM_NEWLINK, 1, 0, attr(K.IFLA_IFNAME, str('lo'))), done, linkMessage(K.RTM_DELLINK, 5, 0)]);
    const out = [{ index: 99 } as never];
    decodeLinks(buf, out, true);
    assert.equal(out.length, 3);
    assert.deepEqual(out.slice(1), nativeLinks(buf).slice(0, 2));
  });

  it('hands the kinds\' own data to the kind codecs (bridge ports, bridges)', () => {
    const withData = fixtureNames('replies').filter((n) => {
      const l = nativeLinks(Buffer.from(loadFixture<ReplyFixture>('replies', n).reply, 'hex'))[0];
      return l.data !== undefined || l.port !== undefined;
    });
    assert.ok(withData.length >= 2, `fixtures with kind data: ${withData.join(', ')}`);
    for (const n of withData) {
      const buf = Buffer.from(loadFixture<ReplyFixture>('replies', n).reply, 'hex');
      const [ours] = decodeLinks(buf);
      const theirs = nativeLinks(buf)[0];
      assert.deepEqual([ours.kind, ours.data, ours.port], [theirs.kind, theirs.data, theirs.port], n);
    }
  });
});

describe('link decoder: malformed input is an error, as for the native parser', () => {
  const good = linkMessage(K.RTM_NEWLINK, 7, 0, attr(K.IFLA_IFNAME, str('eth0')), attr(K.IFLA_MTU, u32(1500)));
  const decode = (b: Buffer) => () => decodeLinks(b);
  const ATTRS = NLMSG_HDRLEN + K.sizeof_ifinfomsg;

  it('a truncated header, a length past the end, a message too short for its family header', () => {
    assert.throws(decode(good.subarray(0, 10)), /malformed netlink message: truncated/);
    const long = Buffer.from(good);
    long.writeUInt32LE(good.length + 8, 0);
    assert.throws(decode(long), /malformed netlink message: length/);
    const short = Buffer.from(good);
    short.writeUInt32LE(NLMSG_HDRLEN + 8, 0);
    assert.throws(decode(short), /too short for its header/);
  });

  it('attribute lengths past the message or the nest, or shorter than a header', () => {
    const bad = Buffer.from(good);
    bad.writeUInt16LE(200, ATTRS);
    assert.throws(decode(bad), /malformed netlink message: malformed attribute/);
    const tiny = Buffer.from(good);
    tiny.writeUInt16LE(2, ATTRS);
    assert.throws(decode(tiny), /malformed attribute/);
    const inner = attr(K.IFLA_INFO_KIND, Buffer.from('bridge'));
    const nested = linkMessage(K.RTM_NEWLINK, 7, 0, attr(K.IFLA_LINKINFO | K.NLA_F_NESTED, inner), attr(K.IFLA_MTU, u32(1500)));
    nested.writeUInt16LE(inner.readUInt16LE(0) + 8, ATTRS + 4);
    assert.throws(decode(nested), /malformed attribute/);
  });

  it('fixed-size attributes that are too short', () => {
    assert.throws(decode(linkMessage(K.RTM_NEWLINK, 7, 0, attr(K.IFLA_MTU, Buffer.from([1, 2])))), /attribute 4: 2 bytes, expected 4/);
    assert.throws(decode(linkMessage(K.RTM_NEWLINK, 7, 0, attr(K.IFLA_STATS64, Buffer.alloc(16)))), /too short/);
    assert.throws(decode(linkMessage(K.RTM_NEWLINK, 7, 0, attr(K.IFLA_OPERSTATE, Buffer.alloc(0)))), /expected 1/);
  });

  it('random damage: the two refuse the same bytes, and read the same from what both accept', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const base = fullLink();
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      let ours: unknown, theirs: unknown;
      try { ours = decodeLinks(b, [], true); } catch (err) { ours = err; }
      try { theirs = nativeLinks(b); } catch (err) { theirs = err; }
      if (ours instanceof Error || theirs instanceof Error) {
        assert.ok(ours instanceof Error && theirs instanceof Error, `case ${i}: one refused, the other did not: ${String(ours instanceof Error ? ours : theirs)}`);
        assert.match(ours.message, /^malformed netlink message: /);
        continue;
      }
      // Invalid UTF-8 in a name is replaced by both, though not always with as many U+FFFD.
      if (JSON.stringify(theirs).includes('\\ufffd') || JSON.stringify(ours).includes('\ufffd')) continue;
      accepted++;
      assert.deepEqual(ours, theirs, `case ${i}`);
    }
    assert.ok(accepted > 500, `only ${accepted} damaged messages were still readable`);
  });
});

describe('link decoder: the worker\'s index of a dump block (native) is the one indexLinks makes', () => {
  const nativeIndex = (b: Buffer) => {
    const raw = native.indexAttributes(b, LINK_INDEX);
    return new Int32Array(raw.buffer, raw.byteOffset, raw.length >> 2);
  };

  it('on the captured replies and on a link with every field, and the builder reads the same Links from it', () => {
    const buffers = [...fixtureNames('replies').map((n) => Buffer.from(loadFixture<ReplyFixture>('replies', n).reply, 'hex')), fullLink()];
    for (const b of buffers) {
      assert.deepEqual([...nativeIndex(b)], [...indexLinks(b)]);
      assert.deepEqual(buildLinks(b, nativeIndex(b), [], true), nativeLinks(b));
    }
  });

  it('random damage: the same refusals and the same index', () => {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    let compared = 0;
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(fullLink());
      for (let k = 0; k < 3; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      if (b.length >= NLMSG_HDRLEN && b.readUInt16LE(4) !== K.RTM_NEWLINK) continue; // the JS indexer skips other types
      let ours: unknown, theirs: unknown;
      try { ours = [...indexLinks(b)]; } catch (err) { ours = err; }
      try { theirs = [...nativeIndex(b)]; } catch (err) { theirs = err; }
      if (ours instanceof Error || theirs instanceof Error) {
        assert.ok(ours instanceof Error && theirs instanceof Error, `case ${i}: one refused, the other did not: ${String(ours instanceof Error ? ours : theirs)}`);
        continue;
      }
      compared++;
      assert.deepEqual(ours, theirs, `case ${i}`);
    }
    assert.ok(compared > 500, `only ${compared} damaged messages were indexed`);
  });
});
