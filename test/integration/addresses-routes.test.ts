// Addresses, routes, neighbours and FDB entries through the API, read back
// with `ip -j addr|route|neigh` and `bridge -j fdb`.
import { strict as assert } from 'assert';
import { bridgeJson, freshNetns, ipJson, requireSandbox } from '../helpers/sandbox';

type Env = Awaited<ReturnType<typeof freshNetns>>;

interface IpAddr { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string; label?: string }> }

function addrsOf(env: Env, dev: string, family?: 'inet' | 'inet6'): string[] {
  const [link] = ipJson<IpAddr[]>(env.ns, 'addr', 'show', 'dev', dev);
  return link.addr_info.filter((a) => !family || a.family === family).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`).sort();
}

async function withVeth(env: Env): Promise<void> {
  await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
  await env.nl.linkSet('v0', { up: true });
  await env.nl.linkSet('v1', { up: true });
}

describe('addresses (oracle: ip -j addr)', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  beforeEach(async () => { env = await freshNetns('ad'); await withVeth(env); });
  afterEach(async () => { await env.dispose(); });

  it('adds, lists and deletes IPv4 and IPv6 addresses', async () => {
    await env.nl.addrAdd('v0', '192.168.7.1/24');
    await env.nl.addrAdd('v0', '192.168.8.1/16', { label: 'v0:sec' });
    await env.nl.addrAdd('v0', '2001:db8::1/64', { nodad: true });
    assert.deepEqual(addrsOf(env, 'v0', 'inet'), ['192.168.7.1/24', '192.168.8.1/16']);
    assert.deepEqual(addrsOf(env, 'v0', 'inet6'), ['2001:db8::1/64']);
    const [link] = ipJson<IpAddr[]>(env.ns, 'addr', 'show', 'dev', 'v0');
    assert.equal(link.addr_info.find((a) => a.local === '192.168.8.1')!.label, 'v0:sec');

    const listed = (await env.nl.addrList({ link: 'v0' })).filter((a) => a.scope !== 253).map((a) => a.cidr).sort();
    assert.deepEqual(listed, [...addrsOf(env, 'v0', 'inet'), ...addrsOf(env, 'v0', 'inet6')].sort());
    const v6 = await env.nl.addrList({ link: 'v0', family: 6 });
    assert.ok(v6.every((a) => a.family === 10) && v6.some((a) => a.cidr === '2001:db8::1/64'));

    await env.nl.addrDel('v0', '192.168.7.1/24');
    await env.nl.addrDel('v0', '2001:db8::1/64');
    assert.deepEqual(addrsOf(env, 'v0', 'inet'), ['192.168.8.1/16']);
    assert.deepEqual(addrsOf(env, 'v0', 'inet6'), []);
  });

  it('replaces an address (ip addr replace) instead of failing on it', async () => {
    await env.nl.addrAdd('v0', '10.1.0.1/24');
    await assert.rejects(env.nl.addrAdd('v0', '10.1.0.1/24'), { code: 'EEXIST' });
    await env.nl.addrReplace('v0', '10.1.0.1/24', { validLft: 600, preferredLft: 300 });
    const [link] = ipJson<Array<{ addr_info: Array<{ local: string; valid_life_time: number; preferred_life_time: number }> }>>(env.ns, 'addr', 'show', 'dev', 'v0');
    const a = link.addr_info.find((x) => x.local === '10.1.0.1')!;
    assert.ok(a.valid_life_time <= 600 && a.valid_life_time > 500);
    assert.ok(a.preferred_life_time <= 300 && a.preferred_life_time > 200);
  });

  it('flushes every address of a link, of both families, and only that link', async () => {
    await env.nl.addrAdd('v0', '10.2.0.1/24');
    await env.nl.addrAdd('v0', '10.2.1.1/24');
    await env.nl.addrAdd('v0', '2001:db8:2::1/64', { nodad: true });
    await env.nl.addrAdd('v1', '10.2.0.2/24');
    await env.nl.addrFlush('v0');
    const [link] = ipJson<IpAddr[]>(env.ns, 'addr', 'show', 'dev', 'v0');
    assert.deepEqual(link.addr_info, []);
    assert.deepEqual(addrsOf(env, 'v1', 'inet'), ['10.2.0.2/24']);
  });
});

describe('routes (oracle: ip -j route)', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  beforeEach(async () => {
    env = await freshNetns('rt');
    await withVeth(env);
    await env.nl.addrAdd('v0', '10.3.0.1/24');
    await env.nl.addrAdd('v0', '2001:db8:3::1/64', { nodad: true });
  });
  afterEach(async () => { await env.dispose(); });

  const show = (args: string[]) => ipJson<Array<Record<string, unknown>>>(env.ns, 'route', 'show', ...args);

  it('adds a default route v4 and v6, with a gateway and a metric', async () => {
    await env.nl.routeAdd({ dst: 'default', gateway: '10.3.0.254', metric: 50 });
    await env.nl.routeAdd({ dst: 'default', gateway: '2001:db8:3::fe', dev: 'v0' });
    const [v4] = show(['default']);
    assert.equal(v4.gateway, '10.3.0.254');
    assert.equal(v4.dev, 'v0');
    assert.equal(v4.metric, 50);
    const [v6] = ipJson<Array<Record<string, unknown>>>(env.ns, '-6', 'route', 'show', 'default');
    assert.equal(v6.gateway, '2001:db8:3::fe');
    const listed = await env.nl.routeList({ family: 4 });
    const def = listed.find((r) => r.dst === 'default')!;
    assert.equal(def.gateway, '10.3.0.254');
    assert.equal(def.metric, 50);
    const listed6 = await env.nl.routeList({ family: 6 });
    assert.ok(listed6.some((r) => r.dst === 'default' && r.gateway === '2001:db8:3::fe'));
  });

  it('adds in another table with scope, src and metric; lists that table', async () => {
    await env.nl.routeAdd({ dst: '10.50.0.0/16', dev: 'v0', table: 100, scope: 'link', prefsrc: '10.3.0.1', metric: 7 });
    const [r] = show(['table', '100']);
    assert.equal(r.dst, '10.50.0.0/16');
    assert.equal(r.scope, 'link');
    assert.equal(r.prefsrc, '10.3.0.1');
    assert.equal(r.metric, 7);
    assert.deepEqual(show(['10.50.0.0/16']), [], 'not in main');
    const listed = await env.nl.routeList({ table: 100 });
    assert.deepEqual(listed.map((x) => x.dst), ['10.50.0.0/16']);
    assert.equal(listed[0].table, 100);
  });

  it('adds a blackhole route and deletes it without naming its type (as ip route del)', async () => {
    await env.nl.routeAdd({ dst: '10.66.0.0/16', type: 'blackhole' });
    const [r] = show(['10.66.0.0/16']);
    assert.equal(r.type, 'blackhole');
    await env.nl.routeDel({ dst: '10.66.0.0/16' });
    assert.deepEqual(show(['10.66.0.0/16']), []);
  });

  it('replaces a route (ip route replace) and deletes it', async () => {
    await env.nl.routeAdd({ dst: '10.60.0.0/16', gateway: '10.3.0.2' });
    await assert.rejects(env.nl.routeAdd({ dst: '10.60.0.0/16', gateway: '10.3.0.3' }), { code: 'EEXIST' });
    await env.nl.routeReplace({ dst: '10.60.0.0/16', gateway: '10.3.0.3' });
    assert.deepEqual(show(['10.60.0.0/16']).map((r) => r.gateway), ['10.3.0.3']);
    await env.nl.routeDel({ dst: '10.60.0.0/16', gateway: '10.3.0.3' });
    assert.deepEqual(show(['10.60.0.0/16']), []);
    await assert.rejects(env.nl.routeDel({ dst: '10.60.0.0/16' }), { code: 'ESRCH' });
  });

  it('lists the same main-table routes as ip route', async () => {
    await env.nl.routeAdd({ dst: '10.61.0.0/16', gateway: '10.3.0.2' });
    await env.nl.routeAdd({ dst: '10.62.0.0/16', type: 'blackhole' });
    const ours = (await env.nl.routeList({ family: 4 })).map((r) => r.dst).sort();
    const theirs = show([]).map((r) => (r.dst === 'default' ? 'default' : String(r.dst).includes('/') ? r.dst : `${r.dst}/32`)).sort();
    assert.deepEqual(ours, theirs);
  });
});

describe('neighbours and fdb (oracle: ip -j neigh, bridge -j fdb)', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  beforeEach(async () => { env = await freshNetns('nb'); await withVeth(env); });
  afterEach(async () => { await env.dispose(); });

  it('adds, lists and deletes neighbours v4 and v6', async () => {
    await env.nl.neighAdd({ dev: 'v0', address: '10.4.0.9', lladdr: '02:00:00:00:04:09' });
    await env.nl.neighAdd({ dev: 'v0', address: '2001:db8:4::9', lladdr: '02:00:00:00:04:0a' });
    const oracle = ipJson<Array<{ dst: string; dev: string; lladdr: string; state: string[] }>>(env.ns, 'neigh', 'show', 'dev', 'v0');
    const v4 = oracle.find((n) => n.dst === '10.4.0.9')!;
    assert.equal(v4.lladdr, '02:00:00:00:04:09');
    assert.deepEqual(v4.state, ['PERMANENT']);
    assert.ok(oracle.some((n) => n.dst === '2001:db8:4::9' && n.lladdr === '02:00:00:00:04:0a'));
    const ours = await env.nl.neighList({ dev: 'v0' });
    assert.ok(ours.some((n) => n.address === '10.4.0.9' && n.lladdr === '02:00:00:00:04:09'));
    assert.ok(ours.some((n) => n.address === '2001:db8:4::9'));
    await env.nl.neighDel({ dev: 'v0', address: '10.4.0.9' });
    await env.nl.neighDel({ dev: 'v0', address: '2001:db8:4::9' });
    const left = ipJson<Array<{ dst: string }>>(env.ns, 'neigh', 'show', 'dev', 'v0');
    assert.ok(!left.some((n) => n.dst === '10.4.0.9' || n.dst === '2001:db8:4::9'));
  });

  it('adds, lists and deletes bridge fdb entries', async () => {
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge' });
    await env.nl.linkSet('v0', { master: 'br0' });
    await env.nl.fdbAdd({ dev: 'v0', lladdr: '02:00:00:00:05:01' });
    const oracle = bridgeJson<Array<{ mac: string; ifname?: string; master?: string; state: string }>>(env.ns, 'fdb', 'show', 'dev', 'v0');
    const e = oracle.find((x) => x.mac === '02:00:00:00:05:01');
    assert.ok(e, JSON.stringify(oracle));
    assert.equal(e.master, 'br0');
    assert.equal(e.state, 'static');
    const ours = await env.nl.fdbList({ bridge: 'br0' });
    const v0 = ipJson<Array<{ ifindex: number }>>(env.ns, 'link', 'show', 'dev', 'v0')[0].ifindex;
    assert.ok(ours.some((x) => x.lladdr === '02:00:00:00:05:01' && x.index === v0), JSON.stringify(ours));
    await env.nl.fdbDel({ dev: 'v0', lladdr: '02:00:00:00:05:01' });
    const left = bridgeJson<Array<{ mac: string }>>(env.ns, 'fdb', 'show', 'dev', 'v0');
    assert.ok(!left.some((x) => x.mac === '02:00:00:00:05:01'));
  });
});
