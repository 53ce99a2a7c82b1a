// The kernel's own replies (captured by scripts/capture-rtnl-fixtures.js from
// `ip -d link show DEV`) through our parser, checked against what iproute2
// made of the very same device (`ip -j -d link show DEV`, captured with it).
import * as assert from 'assert';
import { K, native } from '../../bindings';
import { loadFixture, fixtureNames, type ReplyFixture } from '../helpers/nlbytes';

interface Parsed {
  name: string;
  index: number;
  mtu: number;
  kind?: string;
  data?: Record<string, unknown>;
  port?: Record<string, unknown>;
}

function parseReply(fixture: ReplyFixture): Parsed {
  const messages = native.parse(K.NETLINK_ROUTE, Buffer.from(fixture.reply, 'hex'));
  assert.strictEqual(messages.length, 1);
  assert.strictEqual(messages[0].type, 'RTM_NEWLINK');
  return messages[0].object as unknown as Parsed;
}

function info(fixture: ReplyFixture): { kind?: string; data: Record<string, unknown>; slaveKind?: string; slave: Record<string, unknown> } {
  const li = (fixture.ipJson.linkinfo ?? {}) as Record<string, unknown>;
  return {
    kind: li.info_kind as string | undefined,
    data: (li.info_data ?? {}) as Record<string, unknown>,
    slaveKind: li.info_slave_kind as string | undefined,
    slave: (li.info_slave_data ?? {}) as Record<string, unknown>,
  };
}

/** Every reply fixture, with the fields each kind's parser must agree with iproute2 on. */
const checks: Record<string, (ours: Parsed, ip: ReturnType<typeof info>) => void> = {
  bridge: (ours, ip) => {
    assert.strictEqual(ours.data?.stp, ip.data.stp_state === 1);
    assert.strictEqual(ours.data?.ageingTime, ip.data.ageing_time);
    assert.strictEqual(ours.data?.forwardDelay, ip.data.forward_delay);
    assert.strictEqual(ours.data?.priority, ip.data.priority);
    assert.strictEqual(ours.data?.vlanFiltering, ip.data.vlan_filtering === 1);
    assert.strictEqual(ours.data?.multicastSnooping, ip.data.mcast_snooping === 1);
  },
  'bridge-port': (ours, ip) => {
    assert.strictEqual(ours.port?.kind, ip.slaveKind);
    const pairs: Array<[string, string]> = [
      ['hairpin', 'hairpin'], ['isolated', 'isolated'], ['learning', 'learning'], ['flood', 'flood'],
      ['mcastFlood', 'mcast_flood'], ['bcastFlood', 'bcast_flood'], ['proxyArp', 'proxy_arp'],
      ['neighSuppress', 'neigh_suppress'], ['guard', 'guard'], ['cost', 'cost'], ['priority', 'priority'],
    ];
    for (const [ourKey, ipKey] of pairs) assert.strictEqual(ours.port?.[ourKey], ip.slave[ipKey], ourKey);
    const states = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];
    assert.strictEqual(states[ours.port?.state as number], ip.slave.state);
  },
  vxlan: (ours, ip) => {
    assert.strictEqual(ours.data?.vni, ip.data.id);
    assert.strictEqual(ours.data?.remote, ip.data.remote);
    assert.strictEqual(ours.data?.group, undefined);
    assert.strictEqual(ours.data?.local, ip.data.local);
    assert.strictEqual(ours.data?.port, ip.data.port);
    assert.strictEqual(ours.data?.ttl, ip.data.ttl);
    assert.strictEqual(ours.data?.learning, ip.data.learning);
    assert.strictEqual(ours.data?.ageing, ip.data.ageing);
    assert.strictEqual(ours.data?.limit, ip.data.limit);
    assert.strictEqual(ours.data?.udpCsum, ip.data.udp_csum);
    const range = ip.data.port_range as { low: number; high: number };
    assert.deepStrictEqual([ours.data?.srcPortMin, ours.data?.srcPortMax], [range.low, range.high]);
    assert.strictEqual(ours.data?.link, 10, 'dev br0, index 10 in the capture');
  },
  'vxlan-group6': (ours, ip) => {
    assert.strictEqual(ours.data?.vni, ip.data.id);
    assert.strictEqual(ours.data?.group, ip.data.group6);
    assert.strictEqual(ours.data?.remote, undefined);
    assert.strictEqual(ours.data?.local, ip.data.local6);
    assert.strictEqual(ours.data?.port, ip.data.port);
    assert.strictEqual(ours.data?.learning, ip.data.learning);
  },
  macvlan: (ours, ip) => {
    assert.strictEqual(ours.data?.mode, ip.data.mode);
    assert.strictEqual(ours.data?.nopromisc ?? false, ip.data.nopromisc ?? false);
  },
  macvtap: (ours, ip) => {
    assert.strictEqual(ours.data?.mode, ip.data.mode);
    assert.strictEqual(ours.data?.nopromisc, ip.data.nopromisc);
  },
  ifb: (ours) => {
    assert.strictEqual(ours.data, undefined, 'ifb has no options');
  },
};

describe('rtnetlink replies: our parser against iproute2 on the same kernel message', () => {
  it('has a check for every captured reply and a reply for every check', () => {
    assert.deepStrictEqual(fixtureNames('replies'), Object.keys(checks).sort());
  });

  for (const [name, check] of Object.entries(checks)) {
    const fixture = loadFixture<ReplyFixture>('replies', name);
    it(`${name}: ${fixture.command}`, () => {
      const ours = parseReply(fixture);
      const ip = info(fixture);
      assert.strictEqual(ours.name, fixture.ipJson.ifname);
      assert.strictEqual(ours.index, fixture.ipJson.ifindex);
      assert.strictEqual(ours.mtu, fixture.ipJson.mtu);
      assert.strictEqual(ours.kind, ip.kind);
      check(ours, ip);
    });
  }

  it('rejects a reply whose attribute runs past its message', () => {
    const reply = Buffer.from(loadFixture<ReplyFixture>('replies', 'vxlan').reply, 'hex');
    // First attribute after nlmsghdr + ifinfomsg: claim more bytes than the message has.
    reply.writeUInt16LE(reply.length, K.sizeof_nlmsghdr + K.sizeof_ifinfomsg);
    assert.throws(() => native.parse(K.NETLINK_ROUTE, reply), /malformed netlink message/);
  });

  it('rejects a buffer cut short in the middle of a message', () => {
    const reply = Buffer.from(loadFixture<ReplyFixture>('replies', 'bridge').reply, 'hex');
    assert.throws(() => native.parse(K.NETLINK_ROUTE, reply.subarray(0, reply.length - 8)), /malformed netlink message/);
  });
});
