// Every bad input: one clear error of the right class, and afterwards the
// kernel holds exactly what it held before (compared through `ip -j`).
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { NetNs } from '../../src/netns';
import { Netlink } from '../../src/netlink/handle';
import { NetlinkError } from '../../src/errors';
import { freshNetns, ipJson, requireSandbox } from '../helpers/sandbox';
import { kernelState } from '../helpers/kernel-state';

type Env = Awaited<ReturnType<typeof freshNetns>>;

describe('bad inputs change nothing', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  let snapshot: string;
  beforeEach(async () => {
    env = await freshNetns('bad');
    // No duplicate address detection: br0's link-local address and route come at once.
    await env.nl.sysctlSet('net.ipv6.conf.default.accept_dad', 0);
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge' });
    await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    await env.nl.addrAdd('br0', '10.8.0.1/24');
    await env.nl.linkSet('br0', { up: true });
    // The kernel gives br0 its IPv6 link-local address, and then its local
    // route, a moment after it goes up; snapshot after that, or a slow run
    // (the sanitizer build) sees them appear during the test.
    const linkLocalRouted = () => ipJson(env.ns, '-6', 'route', 'show', 'table', 'local', 'dev', 'br0').some((r) => r.type === 'local' && String(r.dst).startsWith('fe80:'));
    for (let i = 0; i < 100 && !linkLocalRouted(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    snapshot = kernelState(env.ns);
  });
  afterEach(async () => {
    assert.equal(kernelState(env.ns), snapshot, 'the kernel state changed');
    await env.dispose();
  });

  /** Expects a NetlinkError with these fields; returns it. */
  async function kernelRefuses(p: Promise<unknown>, expected: Partial<Pick<NetlinkError, 'code' | 'op' | 'object'>>): Promise<NetlinkError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof NetlinkError, `expected a NetlinkError, got ${String(err)}`);
    for (const [k, v] of Object.entries(expected)) assert.equal((err as unknown as Record<string, unknown>)[k], v, `${k} of: ${err.message}`);
    assert.equal(typeof err.errno, 'number');
    assert.ok(!err.message.includes('\n'), 'one line');
    return err;
  }

  it('a link name over 15 bytes: RangeError before anything is sent', async () => {
    await assert.rejects(env.nl.linkAdd({ name: 'a-name-of-16-byt', kind: 'bridge' }), (e: Error) => e instanceof RangeError && /15 bytes/.test(e.message));
    await assert.rejects(env.nl.linkAdd({ name: 'v9', kind: 'veth', peer: { name: 'ééééééééé' } }), RangeError);
    await assert.rejects(env.nl.linkSet('v0', { name: 'x'.repeat(16) }), RangeError);
  });

  it('an unknown link: ENODEV naming the link', async () => {
    const e1 = await kernelRefuses(env.nl.linkSet('nosuch0', { up: true }), { code: 'ENODEV', op: 'RTM_NEWLINK', object: 'nosuch0' });
    assert.match(e1.message, /nosuch0.*No such device \(ENODEV\)/);
    await kernelRefuses(env.nl.linkDel('nosuch0'), { code: 'ENODEV', op: 'RTM_DELLINK' });
    await kernelRefuses(env.nl.linkGet('nosuch0'), { code: 'ENODEV', op: 'RTM_GETLINK' });
    await kernelRefuses(env.nl.addrAdd('nosuch0', '10.8.1.1/24'), { code: 'ENODEV', object: 'nosuch0' });
    await kernelRefuses(env.nl.linkSet('v0', { master: 'nosuch0' }), { code: 'ENODEV', object: 'nosuch0' });
  });

  it('a duplicate name: EEXIST', async () => {
    const e = await kernelRefuses(env.nl.linkAdd({ name: 'br0', kind: 'bridge' }), { code: 'EEXIST', op: 'RTM_NEWLINK', object: 'br0' });
    assert.equal(e.message, 'cannot create bridge br0: File exists (EEXIST)');
    await kernelRefuses(env.nl.linkAdd({ name: 'v2', kind: 'veth', peer: { name: 'br0' } }), { code: 'EEXIST' });
    await kernelRefuses(env.nl.linkSet('v0', { name: 'br0' }), { code: 'EEXIST' });
  });

  it('a bad CIDR or a prefix out of range: TypeError / RangeError', async () => {
    await assert.rejects(env.nl.addrAdd('br0', '10.8.0.300/24'), TypeError);
    await assert.rejects(env.nl.addrAdd('br0', 'not-an-ip'), TypeError);
    await assert.rejects(env.nl.addrAdd('br0', '10.8.0.2/33'), RangeError);
    await assert.rejects(env.nl.addrAdd('br0', '2001:db8::1/129'), RangeError);
    await assert.rejects(env.nl.addrAdd('br0', '10.8.0.2/'), RangeError);
    await assert.rejects(env.nl.routeAdd({ dst: '10.0.0.0/40', dev: 'br0' }), RangeError);
  });

  it('a bad MAC: TypeError', async () => {
    await assert.rejects(env.nl.linkSet('v0', { address: '02:00:00:00:00' }), TypeError);
    await assert.rejects(env.nl.linkSet('v0', { address: 'zz:00:00:00:00:00' }), TypeError);
    await assert.rejects(env.nl.neighAdd({ dev: 'br0', address: '10.8.0.9', lladdr: '02-00-00-00-00-09' }), TypeError);
    await assert.rejects(env.nl.fdbAdd({ dev: 'v0', lladdr: 'nonsense' }), TypeError);
  });

  it('a gateway of the wrong family: TypeError', async () => {
    await assert.rejects(env.nl.routeAdd({ dst: '10.0.0.0/8', gateway: '2001:db8::1' }), TypeError);
    await assert.rejects(env.nl.routeAdd({ dst: '2001:db8::/32', gateway: '10.8.0.254' }), TypeError);
  });

  it('a gateway the kernel cannot reach: ENETUNREACH with the kernel\'s own words', async () => {
    const e = await kernelRefuses(env.nl.routeAdd({ dst: '10.77.0.0/16', gateway: '192.0.2.1' }), { code: 'ENETUNREACH', op: 'RTM_NEWROUTE' });
    assert.ok(e.kernelMessage, `extack message in: ${e.message}`);
    assert.ok(e.message.endsWith(e.kernelMessage!));
  });

  it('a missing namespace: ENOENT naming it, from open and from a veth peer', async () => {
    await kernelRefuses(NetNs.open('no-such-ns'), { code: 'ENOENT' });
    await assert.rejects(Netlink.open({ netns: 'no-such-ns' }), (e: Error) => e instanceof NetlinkError && /no-such-ns/.test(e.message) && /No such file/.test(e.message));
    const e = await kernelRefuses(env.nl.linkAdd({ name: 'v5', kind: 'veth', peer: { name: 'eth0', netns: 'no-such-ns' } }), { code: 'ENOENT' });
    assert.match(e.message, /no-such-ns/);
  });

  it('an option the kernel refuses gives its extended-ack text', async () => {
    const e = await kernelRefuses(env.nl.linkSet('br0', { mtu: 10 }), { code: 'EINVAL', op: 'RTM_NEWLINK', object: 'br0' });
    assert.ok(e.kernelMessage && /mtu/i.test(e.kernelMessage), e.message);
  });

  it('not root: EPERM, and nothing changes', function () {
    const lib = path.resolve(__dirname, '..', '..', 'src');
    const script = `
      const { Netlink } = require(${JSON.stringify(lib)});
      (async () => {
        const nl = await Netlink.open();
        await nl.linkAdd({ name: 'unpriv0', kind: 'bridge' });
        console.log('created');
      })().catch((e) => { console.log(JSON.stringify({ name: e.name, code: e.code, op: e.op, message: e.message })); });
    `;
    const r = spawnSync('ip', ['netns', 'exec', env.ns.name!, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as Record<string, string>;
    assert.deepEqual([out.name, out.code, out.op], ['NetlinkError', 'EPERM', 'RTM_NEWLINK'], r.stdout);
    assert.equal(out.message, 'cannot create bridge unpriv0: Operation not permitted (EPERM)');
  });
});
