// Every bad option of a link kind is one TypeError or RangeError from the
// planner, which runs before anything reaches the addon (so nothing is sent).
import * as assert from 'assert';
import { planLinkAdd, planLinkSet, type LinkSpec } from '../../src/netlink/links';

function rejects(spec: LinkSpec, error: typeof TypeError | typeof RangeError, message: RegExp): void {
  assert.throws(() => planLinkAdd(spec), (e: Error) => e instanceof error && message.test(e.message));
}

describe('link kind options: validation', () => {
  const vx = { name: 'vx0', kind: 'vxlan', vni: 42 };

  it('vxlan: vni is required and 0 to 16777215', () => {
    rejects({ name: 'vx0', kind: 'vxlan' }, TypeError, /vni: required/);
    rejects({ ...vx, vni: 16777216 }, RangeError, /vni: expected an integer from 0 to 16777215/);
    rejects({ ...vx, vni: -1 }, RangeError, /vni/);
    rejects({ ...vx, vni: 1.5 }, RangeError, /vni/);
    assert.strictEqual((planLinkAdd({ ...vx, vni: 16777215 }).args.data as { vni: number }).vni, 16777215);
    assert.strictEqual((planLinkAdd({ ...vx, vni: 0 }).args.data as { vni: number }).vni, 0);
  });

  it('vxlan: remote is unicast, multicastGroup is multicast with dev, not both', () => {
    rejects({ ...vx, remote: '239.1.1.1' }, RangeError, /multicast address; use multicastGroup/);
    rejects({ ...vx, multicastGroup: '192.0.2.1', dev: 'eth0' }, RangeError, /not a multicast address/);
    rejects({ ...vx, multicastGroup: '239.1.1.1' }, TypeError, /needs dev/);
    rejects({ ...vx, remote: '192.0.2.1', multicastGroup: '239.1.1.1', dev: 'eth0' }, TypeError, /exclude each other/);
    rejects({ ...vx, remote: 'nowhere' }, TypeError, /remote: expected an IPv4 or IPv6 address/);
    rejects({ ...vx, remote: '192.0.2.1', local: 'fd00::1' }, TypeError, /local: not the same family/);
  });

  it('vxlan: ports, ttl and source port range are checked', () => {
    rejects({ ...vx, port: 0 }, RangeError, /port: expected an integer from 1 to 65535/);
    rejects({ ...vx, port: 65536 }, RangeError, /port/);
    rejects({ ...vx, ttl: 256 }, RangeError, /ttl/);
    rejects({ ...vx, srcPortMin: 2000 }, RangeError, /srcPortMax/);
    rejects({ ...vx, srcPortMin: 3000, srcPortMax: 2000 }, RangeError, /srcPortMin: 3000 is above srcPortMax 2000/);
    rejects({ ...vx, learning: 'yes' }, TypeError, /learning: expected true or false/);
  });

  it('vxlan: learning defaults to on, as `ip` sends it', () => {
    assert.strictEqual((planLinkAdd(vx).args.data as { learning: boolean }).learning, true);
    assert.strictEqual((planLinkAdd({ ...vx, learning: false }).args.data as { learning: boolean }).learning, false);
  });

  it('an option the kind does not have is an error, not silently dropped', () => {
    rejects({ ...vx, vnid: 5 }, TypeError, /vnid: not an option of link kind 'vxlan'/);
    rejects({ name: 'd0', kind: 'dummy', mode: 'bridge' }, TypeError, /mode: not an option of link kind 'dummy' \(its options: none\)/);
    rejects({ name: 'i0', kind: 'ifb', id: 3 }, TypeError, /id: not an option of link kind 'ifb'/);
  });

  it('macvlan/macvtap: a parent, a mode from the list, nopromisc only with passthru', () => {
    for (const kind of ['macvlan', 'macvtap']) {
      rejects({ name: 'm0', kind, mode: 'bridge' }, TypeError, /parent: a .* needs its lower device/);
      rejects({ name: 'm0', kind, parent: 'eth0', mode: 'bridged' }, RangeError, /mode: expected one of private, vepa, bridge, passthru, source/);
      rejects({ name: 'm0', kind, parent: 'eth0', mode: 'bridge', nopromisc: true }, TypeError, /nopromisc: only with mode passthru/);
      assert.deepStrictEqual(planLinkAdd({ name: 'm0', kind, parent: 'eth0', mode: 'passthru', nopromisc: true }).args.data, { mode: 'passthru', nopromisc: true });
    }
  });

  it('vlan: id 1 to 4094, protocol 802.1Q or 802.1ad, a parent', () => {
    rejects({ name: 'v0', kind: 'vlan', parent: 'eth0' }, TypeError, /id: required/);
    rejects({ name: 'v0', kind: 'vlan', parent: 'eth0', id: 0 }, RangeError, /id: expected an integer from 1 to 4094/);
    rejects({ name: 'v0', kind: 'vlan', parent: 'eth0', id: 4095 }, RangeError, /id/);
    rejects({ name: 'v0', kind: 'vlan', id: 10 }, TypeError, /parent/);
    rejects({ name: 'v0', kind: 'vlan', parent: 'eth0', id: 10, protocol: '802.1x' }, RangeError, /protocol: expected one of 802.1Q, 802.1ad/);
    rejects({ name: 'v0', kind: 'vlan', parent: 'eth0', id: 10, gvrp: 1 }, TypeError, /gvrp: expected true or false/);
  });

  it('ipvlan: mode l2/l3/l3s, flag bridge/private/vepa', () => {
    rejects({ name: 'i0', kind: 'ipvlan', parent: 'eth0', mode: 'l4' }, RangeError, /mode: expected one of l2, l3, l3s/);
    rejects({ name: 'i0', kind: 'ipvlan', parent: 'eth0', flag: 'public' }, RangeError, /flag: expected one of bridge, private, vepa/);
    rejects({ name: 'i0', kind: 'ipvlan', mode: 'l2' }, TypeError, /parent/);
  });

  it('bridge port: known settings only, each in the kernel\'s range', () => {
    const rejectsPort = (bridgePort: Record<string, unknown>, error: typeof TypeError | typeof RangeError, message: RegExp) =>
      assert.throws(() => planLinkSet('va', { bridgePort }), (e: Error) => e instanceof error && message.test(e.message));
    rejectsPort({ hairpinn: true }, TypeError, /bridgePort.hairpinn: not a bridge port setting/);
    rejectsPort({ hairpin: 'on' }, TypeError, /bridgePort.hairpin: expected true or false/);
    rejectsPort({ priority: 64 }, RangeError, /bridgePort.priority: expected an integer from 0 to 63/);
    rejectsPort({ cost: 0 }, RangeError, /bridgePort.cost: expected an integer from 1 to 65535/);
    rejectsPort({ state: 5 }, RangeError, /bridgePort.state: expected an integer from 0 to 4/);
    assert.deepStrictEqual(planLinkSet('va', { bridgePort: { hairpin: true, cost: 5 } }).args.port, { kind: 'bridge', hairpin: true, cost: 5 });
  });
});
