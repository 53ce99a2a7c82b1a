// Argument normalisation, without root: the plan* functions turn what a
// caller wrote into the addon's plain arguments, and throw TypeError or
// RangeError for every mistake before anything reaches the addon.
import { strict as assert } from 'assert';
import { K, native } from '../../bindings';
import { planLinkAdd, planLinkDel, planLinkList, planLinkSet, type LinkSpec } from '../../src/netlink/links';
import { planAddrAdd, planAddrDel } from '../../src/netlink/addresses';
import { planRoute } from '../../src/netlink/routes';
import { planFdb, planNeigh } from '../../src/netlink/neighbours';
import { sysctlPath } from '../../src/netlink/sysctl';
import { parseCidr } from '../../src/netlink/address';
import { checkNetnsName } from '../../src/netns';

describe('planning links', () => {
  it('plans a veth with its peer born in a named namespace, enslaved by name', () => {
    const req = planLinkAdd({ name: 'veth-a', kind: 'veth', peer: { name: 'eth0', netns: 'A' }, master: 'br0', mtu: 1400, up: true });
    assert.deepEqual(req, {
      op: 'link.create',
      args: { name: 'veth-a', kind: 'veth', mtu: 1400, up: true, peer: { name: 'eth0', netns: '/run/netns/A' } },
      linkRefs: { master: 'br0' },
    });
  });

  it('plans bridge options into the kind\'s data, and the addon encodes them', () => {
    const req = planLinkAdd({ name: 'br0', kind: 'bridge', stp: false, ageingTime: 20000 });
    assert.deepEqual(req.args, { name: 'br0', kind: 'bridge', data: { stp: false, ageingTime: 20000 } });
    const [msg] = native.parse(K.NETLINK_ROUTE, native.encode(K.NETLINK_ROUTE, [req], false));
    assert.deepEqual((msg.object as { data: unknown }).data, { stp: false, ageingTime: 20000 });
  });

  it('plans changes: rename by index, nomaster, a move by pid', () => {
    assert.deepEqual(planLinkSet('v0', { name: 'eth1' }), { op: 'link.change', args: { name: 'eth1' }, linkRefs: { index: 'v0' } });
    assert.deepEqual(planLinkSet(5, { master: null, up: false }), { op: 'link.change', args: { index: 5, master: 0, up: false } });
    assert.deepEqual(planLinkSet('v0', { netns: { pid: 42 } }), { op: 'link.change', args: { name: 'v0', netnsPid: 42 } });
    assert.deepEqual(planLinkDel('v0'), { op: 'link.delete', args: { name: 'v0' } });
    assert.deepEqual(planLinkList({ master: 'br0', kind: 'veth' }), { op: 'link.dump', args: { kind: 'veth' }, linkRefs: { master: 'br0' } });
  });

  const bad: Array<[string, () => unknown, ErrorConstructor | RangeErrorConstructor]> = [
    ['a 16-byte name', () => planLinkAdd({ name: 'abcdefghijklmnop', kind: 'bridge' }), RangeError],
    ['a 16-byte name in UTF-8', () => planLinkAdd({ name: 'ééééééééx', kind: 'bridge' }), RangeError],
    ['an empty name', () => planLinkAdd({ name: '', kind: 'bridge' }), RangeError],
    ['a name with a slash', () => planLinkAdd({ name: 'a/b', kind: 'bridge' }), RangeError],
    ['a name with a space', () => planLinkAdd({ name: 'a b', kind: 'bridge' }), RangeError],
    ['a name that is not a string', () => planLinkAdd({ name: 5 as unknown as string, kind: 'bridge' }), TypeError],
    ['no kind', () => planLinkAdd({ name: 'x' } as LinkSpec), TypeError],
    ['a negative mtu', () => planLinkAdd({ name: 'x', kind: 'bridge', mtu: -1 }), RangeError],
    ['a fractional mtu', () => planLinkAdd({ name: 'x', kind: 'bridge', mtu: 1500.5 }), RangeError],
    ['an mtu over 32 bits', () => planLinkAdd({ name: 'x', kind: 'bridge', mtu: 2 ** 32 }), RangeError],
    ['a short MAC', () => planLinkAdd({ name: 'x', kind: 'bridge', address: '02:00:00:00:00' }), TypeError],
    ['a MAC with dashes', () => planLinkSet('x', { address: '02-00-00-00-00-01' }), TypeError],
    ['a 256-byte alias', () => planLinkSet('x', { alias: 'a'.repeat(256) }), RangeError],
    ['up as a string', () => planLinkSet('x', { up: 'yes' as unknown as boolean }), TypeError],
    ['a netns name with a slash', () => planLinkSet('x', { netns: '../etc' }), TypeError],
    ['a netns that is a number', () => planLinkSet('x', { netns: 5 as unknown as string }), TypeError],
    ['a bad pid', () => planLinkSet('x', { netns: { pid: -1 } }), TypeError],
    ['an index of 0', () => planLinkSet(0, { up: true }), RangeError],
    ['a veth peer name too long', () => planLinkAdd({ name: 'x', kind: 'veth', peer: { name: 'p'.repeat(16) } }), RangeError],
    ['a veth peer that is not an object', () => planLinkAdd({ name: 'x', kind: 'veth', peer: 'y' }), TypeError],
    ['a master name too long', () => planLinkSet('x', { master: 'm'.repeat(16) }), RangeError],
  ];
  for (const [what, call, cls] of bad) {
    it(`refuses ${what} with a ${cls.name}`, () => {
      assert.throws(call, (e: Error) => e.constructor === cls && e.message.length > 10);
    });
  }
});

describe('planning addresses, routes, neighbours, sysctls', () => {
  it('parses CIDR text', () => {
    assert.deepEqual(parseCidr('192.0.2.1/24'), { address: '192.0.2.1', prefixlen: 24, family: 4 });
    assert.deepEqual(parseCidr('2001:db8::1'), { address: '2001:db8::1', prefixlen: 128, family: 6 });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { address: '0.0.0.0', prefixlen: 0, family: 4 });
    assert.throws(() => parseCidr('192.0.2.256/24'), TypeError);
    assert.throws(() => parseCidr('192.0.2.1/33'), RangeError);
    assert.throws(() => parseCidr('2001:db8::/129'), RangeError);
    assert.throws(() => parseCidr('192.0.2.1/-1'), RangeError);
    assert.throws(() => parseCidr('192.0.2.1/ 24'), RangeError);
    assert.throws(() => parseCidr(undefined), TypeError);
  });

  it('plans an address', () => {
    assert.deepEqual(planAddrAdd('eth0', '10.0.0.2/24', { label: 'eth0:1', nodad: true }, false), {
      op: 'addr.add', args: { address: '10.0.0.2', prefixlen: 24, label: 'eth0:1', nodad: true }, linkRefs: { index: 'eth0' },
    });
    assert.deepEqual(planAddrDel(3, '2001:db8::2/64'), { op: 'addr.delete', args: { address: '2001:db8::2', prefixlen: 64, index: 3 } });
    assert.throws(() => planAddrAdd('eth0', '10.0.0.2/24', { peer: '2001:db8::1' }, false), TypeError);
    assert.throws(() => planAddrAdd('eth0', '2001:db8::2/64', { broadcast: '10.0.0.255' }, false), TypeError);
    assert.throws(() => planAddrAdd('eth0', '10.0.0.2/24', { scope: 'galaxy' as 'global' }, false), RangeError);
    assert.throws(() => planAddrAdd('eth0', '10.0.0.2/24', { label: 'x'.repeat(16) }, false), RangeError);
    assert.throws(() => planAddrAdd('eth0', '10.0.0.2/24', { validLft: -5 }, false), RangeError);
  });

  it('plans routes: default v4 and v6, tables, types', () => {
    assert.deepEqual(planRoute({ dst: 'default', gateway: '10.0.0.1' }, 'add').args, { dstLen: 0, gateway: '10.0.0.1', family: K.AF_INET });
    assert.deepEqual(planRoute({ dst: 'default', gateway: 'fe80::1', dev: 'eth0' }, 'add'), {
      op: 'route.add', args: { dstLen: 0, gateway: 'fe80::1', family: K.AF_INET6 }, linkRefs: { index: 'eth0' },
    });
    assert.equal(planRoute({ dst: 'default', family: 6, type: 'blackhole' }, 'add').args.family, K.AF_INET6);
    assert.deepEqual(planRoute({ dst: '10.1.0.0/16', type: 'blackhole', table: 100, metric: 5, scope: 'global' }, 'replace').args, {
      dst: '10.1.0.0', dstLen: 16, family: K.AF_INET, type: K.RTN_BLACKHOLE, table: 100, metric: 5, scope: K.RT_SCOPE_UNIVERSE,
    });
    assert.throws(() => planRoute({ dst: '10.0.0.0/8', gateway: '2001:db8::1' }, 'add'), TypeError);
    assert.throws(() => planRoute({ dst: '2001:db8::/32', gateway: '10.0.0.1' }, 'add'), TypeError);
    assert.throws(() => planRoute({ dst: '10.0.0.0/8', table: 'nosuch' as 'main' }, 'add'), RangeError);
    assert.throws(() => planRoute({ dst: '10.0.0.0/8', metric: -1 }, 'add'), RangeError);
    assert.throws(() => planRoute({ dst: '10.0.0.0/8', type: 'teleport' as 'unicast' }, 'add'), RangeError);
    assert.throws(() => planRoute({ dst: 'default', family: 5 as 4 }, 'add'), RangeError);
  });

  it('plans neighbours and fdb entries', () => {
    assert.deepEqual(planNeigh({ dev: 'eth0', address: '10.0.0.9', lladdr: '02:00:00:00:00:09' }, 'add'), {
      op: 'neigh.add', args: { address: '10.0.0.9', lladdr: '02:00:00:00:00:09' }, linkRefs: { index: 'eth0' },
    });
    assert.throws(() => planNeigh({ dev: 'eth0', address: '10.0.0.9' }, 'add'), TypeError);
    assert.throws(() => planNeigh({ dev: 'eth0', address: '10.0.0.999', lladdr: '02:00:00:00:00:09' }, 'add'), TypeError);
    assert.throws(() => planNeigh({ dev: 'eth0', address: '10.0.0.9', lladdr: '02:00:00:00:00:09', state: 'sleepy' as 'stale' }, 'add'), RangeError);
    const fdb = planFdb({ dev: 'vx0', lladdr: '00:00:00:00:00:00', target: 'self', dst: '192.0.2.7', vni: 42, port: 4789 }, 'add');
    assert.deepEqual(fdb.args, { lladdr: '00:00:00:00:00:00', flags: K.NTF_SELF, state: K.NUD_NOARP | K.NUD_REACHABLE, dst: '192.0.2.7', vni: 42, port: 4789 });
    assert.throws(() => planFdb({ dev: 'v0', lladdr: '02:00:00:00:00:01', vlan: 4095 }, 'add'), RangeError);
    assert.throws(() => planFdb({ dev: 'v0', lladdr: '02:00:00:00:00:01', vni: 2 ** 24 }, 'add'), RangeError);
    assert.throws(() => planFdb({ dev: 'v0', lladdr: '02:00:00:00:00:01', port: 70000 }, 'add'), RangeError);
  });

  it('maps sysctl keys to /proc/sys/net files, and refuses anything else', () => {
    assert.equal(sysctlPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
    assert.equal(sysctlPath('net.ipv4.conf.eth0.route_localnet'), '/proc/sys/net/ipv4/conf/eth0/route_localnet');
    assert.equal(sysctlPath('net/ipv4/conf/eth0.100/rp_filter'), '/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
    assert.throws(() => sysctlPath('kernel.hostname'), TypeError);
    assert.throws(() => sysctlPath('net.ipv4/../../kernel/x'), TypeError);
  });

  it('checks namespace names as ip netns does', () => {
    assert.doesNotThrow(() => checkNetnsName('A'));
    for (const bad of ['', '.', '..', 'a/b', 'x'.repeat(256)]) assert.throws(() => checkNetnsName(bad), TypeError, bad);
  });
});
