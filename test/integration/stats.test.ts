// Stats for real: a "host" namespace with a bridge and two "containers" on it
// (veth pairs, eth0 inside), real TCP traffic of known sizes between them, and
// the sampler's sums, deltas and rates checked against `ip -j -s link`
// (iproute2 reading the same 64-bit counters) and against the bytes sent.
import * as assert from 'assert';
import { StatsSampler, type StatsRow, type StatsSnapshot, type StatsTarget } from '../../src/net/stats';
import type { Netlink } from '../../src/netlink/handle';
import type { NetNs } from '../../src/netns';
import { activateConntrack, conntrackOracle } from '../helpers/conntrack-oracle';
import { TcpPeer } from '../helpers/peer';
import { freshNetns, ipJson, requireSandbox } from '../helpers/sandbox';

type Ns = { ns: NetNs; nl: Netlink; dispose: () => Promise<void> };
interface IpStats { bytes: number; packets: number; errors: number; dropped: number }
interface IpLinkStats { ifname: string; stats64: { rx: IpStats; tx: IpStats } }

const GW = '10.72.0.1';
const A4 = '10.72.0.2';
const B4 = '10.72.0.3';
const PORT = 9000;
/** Per packet, at most: Ethernet 14 + IPv4 20 + TCP 20 with up to 40 of options. */
const HEADER_BYTES = 94;

function ipStats(ns: NetNs, link: string): IpLinkStats['stats64'] {
  const [l] = ipJson<IpLinkStats[]>(ns, '-s', 'link', 'show', 'dev', link);
  return l.stats64;
}

function row(s: StatsSnapshot, name: string): StatsRow {
  const r = s.rows.find((x) => x.name === name);
  assert.ok(r, `no row ${name}`);
  return r;
}

/** Our value lies between iproute2's readings taken just before and just after ours. */
function between(ours: number, before: number, after: number, what: string): void {
  assert.ok(ours >= before && ours <= after, `${what}: ours ${ours}, ip -s before ${before}, after ${after}`);
}

describe('stats sampler (checked with ip -j -s link and the bytes sent)', function () {
  let host: Ns;
  let a: Ns;
  let b: Ns;
  let targets: StatsTarget[];
  let sampler: StatsSampler;
  const peers: TcpPeer[] = [];

  before(function () {
    requireSandbox(this);
  });
  beforeEach(async () => {
    host = await freshNetns('sth');
    a = await freshNetns('sta');
    b = await freshNetns('stb');
    await host.nl.linkSet('lo', { up: true });
    await host.nl.linkAdd({ name: 'br-st', kind: 'bridge', up: true });
    await host.nl.addrAdd('br-st', `${GW}/24`);
    for (const [c, name, addr] of [[a, 'vst-a', A4], [b, 'vst-b', B4]] as const) {
      await host.nl.linkAdd({ name, kind: 'veth', peer: { name: 'eth0', netns: c.ns } });
      await host.nl.linkSet(name, { master: 'br-st', up: true });
      await c.nl.linkSet('lo', { up: true });
      await c.nl.linkSet('eth0', { up: true });
      await c.nl.addrAdd('eth0', `${addr}/24`);
    }
    activateConntrack(a.ns);
    activateConntrack(host.ns);
    targets = [
      { kind: 'container', name: 'a', netns: a.ns.name, links: ['eth0'], addresses: [A4], conntrackNetns: a.ns.name },
      { kind: 'container', name: 'b', netns: b.ns.name, links: ['eth0'], addresses: [B4], conntrackNetns: null },
      { kind: 'network', name: 'net', links: ['br-st'], addresses: [A4, B4] },
    ];
    sampler = StatsSampler.create(targets, { netns: host.ns.name });
  });
  afterEach(async () => {
    sampler.close();
    for (const p of peers.splice(0)) await p.stop();
    await a.dispose();
    await b.dispose();
    await host.dispose();
  });

  function peer(ns: Ns): TcpPeer {
    const p = TcpPeer.start(ns.ns);
    peers.push(p);
    return p;
  }

  it('sums the 64-bit counters ip -s shows; the first sample has no rates', async () => {
    const beforeA = ipStats(a.ns, 'eth0');
    const beforeBr = ipStats(host.ns, 'br-st');
    const s = await sampler.sample();
    const afterA = ipStats(a.ns, 'eth0');
    const afterBr = ipStats(host.ns, 'br-st');
    assert.strictEqual(s.intervalSeconds, null);
    assert.strictEqual(row(s, 'a').rates, null);
    between(row(s, 'a').rxBytes, beforeA.rx.bytes, afterA.rx.bytes, 'a rx bytes');
    between(row(s, 'a').txPackets, beforeA.tx.packets, afterA.tx.packets, 'a tx packets');
    between(row(s, 'a').rxDropped, beforeA.rx.dropped, afterA.rx.dropped, 'a rx dropped');
    between(row(s, 'net').txBytes, beforeBr.tx.bytes, afterBr.tx.bytes, 'bridge tx bytes');
    assert.deepStrictEqual(row(s, 'a').missingLinks, []);
  });

  it('moves by what was sent, within the headers, and gives rates that match the deltas', async () => {
    const server = peer(b);
    const client = peer(a);
    await server.listen(B4, PORT);
    const conn = await client.connect(B4, PORT);
    const first = await sampler.sample();
    const ipA0 = ipStats(a.ns, 'eth0');
    const ipB0 = ipStats(b.ns, 'eth0');

    const SENT = 300_000;
    await client.send(conn.id!, SENT);
    await server.waitReceived(SENT);
    const ipA1 = ipStats(a.ns, 'eth0');
    const ipB1 = ipStats(b.ns, 'eth0');
    const second = await sampler.sample();

    const ra0 = row(first, 'a');
    const ra1 = row(second, 'a');
    const txDelta = ra1.txBytes - ra0.txBytes;
    const txPackets = ra1.txPackets - ra0.txPackets;
    assert.ok(txDelta >= SENT && txDelta <= SENT + txPackets * HEADER_BYTES, `a sent ${txDelta} bytes in ${txPackets} packets for ${SENT} of payload`);
    // iproute2 saw the same movement (any extra packet between the readings only widens ours).
    assert.ok(txDelta >= ipA1.tx.bytes - ipA0.tx.bytes, `ours ${txDelta}, ip -s ${ipA1.tx.bytes - ipA0.tx.bytes}`);
    const rb0 = row(first, 'b');
    const rb1 = row(second, 'b');
    const rxDelta = rb1.rxBytes - rb0.rxBytes;
    assert.ok(rxDelta >= SENT && rxDelta <= SENT + (rb1.rxPackets - rb0.rxPackets) * HEADER_BYTES, `b received ${rxDelta}`);
    assert.ok(rxDelta >= ipB1.rx.bytes - ipB0.rx.bytes);

    const dt = second.intervalSeconds!;
    assert.ok(dt > 0);
    const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
    assert.ok(close(ra1.rates!.txBytes * dt, txDelta), `rate ${ra1.rates!.txBytes}/s over ${dt}s vs delta ${txDelta}`);
    assert.ok(close(ra1.rates!.txPackets * dt, txPackets));
    assert.ok(close(rb1.rates!.rxBytes * dt, rxDelta));
  });

  it('counts the network bridge own traffic: the host talking to a member', async () => {
    const server = peer(a);
    const client = peer(host);
    await server.listen(A4, PORT);
    const conn = await client.connect(A4, PORT);
    const first = await sampler.sample();
    await client.send(conn.id!, 120_000);
    await server.waitReceived(120_000);
    const ipBr = ipStats(host.ns, 'br-st');
    const second = await sampler.sample();
    const net0 = row(first, 'net');
    const net1 = row(second, 'net');
    const d = net1.txBytes - net0.txBytes;
    assert.ok(d >= 120_000 && d <= 120_000 + (net1.txPackets - net0.txPackets) * HEADER_BYTES, `bridge sent ${d}`);
    assert.ok(net1.txBytes <= ipBr.tx.bytes + 10_000 && net1.txBytes >= ipBr.tx.bytes, `ours ${net1.txBytes}, ip -s ${ipBr.tx.bytes}`);
  });

  it('counts open connections per target in its own conntrack table, as conntrack -L shows them', async () => {
    const serverB = peer(b);
    const serverA = peer(a);
    const clientA = peer(a);
    const clientHost = peer(host);
    await serverB.listen(B4, PORT);
    await serverA.listen(A4, PORT);
    const c1 = await clientA.connect(B4, PORT);
    await clientA.connect(B4, PORT);
    await clientHost.connect(A4, PORT);
    let s = await sampler.sample();
    const openInA = conntrackOracle(a.ns).filter((f) => f.protocol === 'tcp' && f.state === 'ESTABLISHED' && [f.original.src, f.original.dst].includes(A4)).length;
    assert.strictEqual(openInA, 3);
    assert.strictEqual(row(s, 'a').connections, openInA);
    assert.strictEqual(row(s, 'b').connections, null, 'b is not counted (conntrackNetns: null)');
    // The host's table tracks its own connection to a and, where bridged IPv4 passes the host's
    // hooks (net.bridge.bridge-nf-call-iptables=1), the two bridged ones between a and b.
    const bridgeHooks = (await host.nl.sysctlGet('net.bridge.bridge-nf-call-iptables').catch(() => '0')).trim() === '1';
    const openInHost = conntrackOracle(host.ns).filter((f) => f.protocol === 'tcp' && f.state === 'ESTABLISHED').length;
    assert.strictEqual(openInHost, bridgeHooks ? 3 : 1);
    assert.strictEqual(row(s, 'net').connections, openInHost);

    await clientA.close(c1.id!);
    s = await sampler.sample();
    assert.strictEqual(row(s, 'a').connections, 2);
  });

  it('reports missing links, and lets a removed container namespace go at once', async () => {
    sampler.setTargets([...targets, { kind: 'container', name: 'ghost', netns: a.ns.name, links: ['nope0'], addresses: [] }]);
    let s = await sampler.sample();
    assert.deepStrictEqual(row(s, 'ghost').missingLinks, ['nope0']);
    assert.strictEqual(row(s, 'ghost').rxBytes, 0);

    // b's namespace is deleted: its veth pair must vanish although the sampler had sockets in it.
    await b.nl.close();
    await b.ns.delete();
    s = await sampler.sample();
    assert.deepStrictEqual(row(s, 'b').missingLinks, ['eth0']);
    const until = Date.now() + 10_000;
    while (ipJson<Array<{ ifname: string }>>(host.ns, 'link', 'show').some((l) => l.ifname === 'vst-b')) {
      assert.ok(Date.now() < until, 'vst-b still exists: something keeps b\'s namespace alive');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('rejects bad targets with one clear error each', () => {
    const ok: StatsTarget = { kind: 'container', name: 'x', links: ['eth0'], addresses: [] };
    assert.throws(() => StatsSampler.create([{ ...ok, kind: 'pod' as never }]), /kind must be 'container' or 'network'/);
    assert.throws(() => StatsSampler.create([{ ...ok, name: '' }]), /name must be a non-empty string/);
    assert.throws(() => StatsSampler.create([{ ...ok, links: [] }]), /container x: links must list at least one interface/);
    assert.throws(() => StatsSampler.create([{ ...ok, links: ['a-very-long-interface-name'] }]), /container x: link: link name .* 1 to 15 bytes/);
    assert.throws(() => StatsSampler.create([{ ...ok, addresses: ['10.0.0.256'] }]), /container x: address: "10.0.0.256" is not an IPv4 or IPv6 address/);
    assert.throws(() => StatsSampler.create([{ ...ok, netns: 'a/b' }]), /invalid network namespace name/);
    assert.throws(() => StatsSampler.create([ok, ok]), /container x is listed twice/);
  });
});
