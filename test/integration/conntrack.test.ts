// Conntrack over ctnetlink, for real: TCP connections between two namespaces
// joined by a veth pair, the table read by ConntrackHandle and by Debian's
// conntrack(8) in the same namespace (`conntrack -L -o xml`), compared field
// by field. Conntrack is active only where a rule needs it; the tests turn it
// on with an nft `ct state` rule in namespace A and leave B without one.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { ConntrackHandle, type ConntrackEntry } from '../../src/netlink/conntrack';
import type { Netlink } from '../../src/netlink/handle';
import type { NetNs } from '../../src/netns';
import { activateConntrack, conntrackOracle, type OracleFlow } from '../helpers/conntrack-oracle';
import { TcpPeer, linkedPair } from '../helpers/peer';
import { freshNetns, requireSandbox } from '../helpers/sandbox';

const A4 = '10.71.0.2';
const B4 = '10.71.0.3';
const A6 = 'fd71::2';
const B6 = 'fd71::3';
const PORT = 8080;

/** The fields both sides report, in one comparable form (timeout left out: it counts down between the reads). */
function key(e: { family: string; protocol: string; original: { src: string; dst: string; sport?: number; dport?: number }; reply: { src: string; dst: string; sport?: number; dport?: number }; state?: string; mark?: number; id?: number }): string {
  const t = (x: { src: string; dst: string; sport?: number; dport?: number }) => `${x.src}:${x.sport}>${x.dst}:${x.dport}`;
  return `${e.family} ${e.protocol} ${t(e.original)} / ${t(e.reply)} ${e.state ?? '-'} mark=${e.mark ?? 0} id=${e.id}`;
}

function ours(entries: ConntrackEntry[]): string[] {
  return entries.map(key).sort();
}
function theirs(flows: OracleFlow[]): string[] {
  return flows.map(key).sort();
}

describe('conntrack over netlink (checked with conntrack -L -o xml)', function () {
  let a: { ns: NetNs; nl: Netlink; dispose: () => Promise<void> };
  let b: { ns: NetNs; nl: Netlink; dispose: () => Promise<void> };
  let server: TcpPeer;
  let client: TcpPeer;
  let ct: ConntrackHandle;

  before(function () {
    requireSandbox(this);
  });
  beforeEach(async () => {
    a = await freshNetns('cta');
    b = await freshNetns('ctb');
    await linkedPair(a, b, { a: 'ct-a', b: 'ct-b' }, { a: A4, b: B4 }, { a: A6, b: B6 });
    activateConntrack(a.ns);
    await a.nl.sysctlSet('net.netfilter.nf_conntrack_acct', 1);
    server = TcpPeer.start(b.ns);
    client = TcpPeer.start(a.ns);
    await server.listen('::', PORT);
    ct = await ConntrackHandle.open({ netns: a.ns });
  });
  afterEach(async () => {
    ct.close();
    await client.stop();
    await server.stop();
    await a.dispose();
    await b.dispose();
  });

  it('lists the same connections as conntrack -L, tuples, state, mark, id and counters alike', async () => {
    const c1 = await client.connect(B4, PORT);
    const c2 = await client.connect(B4, PORT);
    const c3 = await client.connect(B6, PORT);
    await client.send(c1.id!, 5000);
    await client.send(c2.id!, 100);
    await client.send(c3.id!, 2500);
    await server.waitReceived(7600);

    const entries = await ct.conntrackList();
    const tcp = entries.filter((e) => e.protocol === 'tcp');
    assert.strictEqual(tcp.length, 3, JSON.stringify(entries));
    const oracle = [...conntrackOracle(a.ns, 'ipv4'), ...conntrackOracle(a.ns, 'ipv6')];
    assert.deepStrictEqual(ours(entries), theirs(oracle));

    for (const e of tcp) {
      const flow = oracle.find((f) => f.id === e.id)!;
      assert.ok(flow, `conntrack shows no entry with id ${e.id}`);
      assert.deepStrictEqual(e.counters, flow.counters);
      assert.strictEqual(e.flags.includes('ASSURED'), flow.assured);
      assert.strictEqual(e.state, 'ESTABLISHED');
    }
    // The client's own ports are where the kernel saw them, and the payload is within the headers of its packets.
    const first = tcp.find((e) => e.original.sport === c1.localPort)!;
    assert.strictEqual(first.original.src, A4);
    assert.strictEqual(first.original.dst, B4);
    assert.strictEqual(first.original.dport, PORT);
    assert.strictEqual(first.reply.src, B4);
    assert.strictEqual(first.reply.sport, PORT);
    const sent = first.counters!.original!;
    assert.ok(sent.bytes >= 5000 && sent.bytes <= 5000 + sent.packets * 80, `original bytes ${sent.bytes} for 5000 sent in ${sent.packets} packets`);
    const v6 = tcp.find((e) => e.family === 'ipv6')!;
    assert.strictEqual(v6.original.src, A6);
    assert.strictEqual(v6.original.dst, B6);
  });

  it('filters by family and by address, as -f and -s/-d/--reply-src/--reply-dst do', async () => {
    await client.connect(B4, PORT);
    await client.connect(B6, PORT);
    const v4 = await ct.conntrackList({ family: 'ipv4' });
    const v6 = await ct.conntrackList({ family: 'ipv6' });
    assert.deepStrictEqual(ours(v4), theirs(conntrackOracle(a.ns, 'ipv4')));
    assert.deepStrictEqual(ours(v6), theirs(conntrackOracle(a.ns, 'ipv6')));
    assert.ok(v4.every((e) => e.family === 'ipv4') && v4.some((e) => e.protocol === 'tcp'));
    assert.ok(v6.every((e) => e.family === 'ipv6') && v6.some((e) => e.protocol === 'tcp'));

    const toB6 = await ct.conntrackList({ address: 'fd71:0:0::3' });
    assert.deepStrictEqual(ours(toB6), theirs(conntrackOracle(a.ns, 'ipv6').filter((f) => [f.original.src, f.original.dst, f.reply.src, f.reply.dst].includes(B6))));
    assert.strictEqual(toB6.filter((e) => e.protocol === 'tcp').length, 1);
    assert.deepStrictEqual(await ct.conntrackList({ address: '10.99.99.99' }), []);
  });

  it('counts open connections per address; a closed connection (TIME_WAIT) no longer counts', async () => {
    const c1 = await client.connect(B4, PORT);
    await client.connect(B4, PORT);
    await client.connect(B6, PORT);
    let counts = await ct.conntrackCount([A4, B4, B6, 'fd71::0:2', '10.99.99.99']);
    assert.deepStrictEqual(Object.fromEntries(counts), { [A4]: 2, [B4]: 2, [B6]: 1, 'fd71::0:2': 1, '10.99.99.99': 0 });

    await client.close(c1.id!);
    const oracle = conntrackOracle(a.ns, 'ipv4').filter((f) => f.protocol === 'tcp');
    const closed = oracle.find((f) => f.original.sport === c1.localPort);
    assert.ok(closed && closed.state === 'TIME_WAIT', `conntrack shows ${JSON.stringify(closed)}`);
    const stillOpen = oracle.filter((f) => f.state === 'ESTABLISHED').length;
    counts = await ct.conntrackCount([A4, B4]);
    assert.deepStrictEqual(Object.fromEntries(counts), { [A4]: stillOpen, [B4]: stillOpen });
    assert.strictEqual(stillOpen, 1);
  });

  it('reads the table size as conntrack -C does', async () => {
    await client.connect(B4, PORT);
    await client.connect(B6, PORT);
    const counters = await ct.conntrackTableCounters();
    const oracle = Number(execFileSync('ip', ['netns', 'exec', a.ns.name!, 'conntrack', '-C'], { encoding: 'utf8' }).trim());
    assert.strictEqual(counters.entries, oracle);
    assert.ok(counters.entries >= 2);
    assert.strictEqual(String(counters.maxEntries), (await a.nl.sysctlGet('net.netfilter.nf_conntrack_max')).trim());
  });

  it('sees nothing where no rule needs conntrack, as conntrack -L does not', async () => {
    // B received the same connections but has no rule that turns tracking on.
    await client.connect(B4, PORT);
    const inB = await ConntrackHandle.open({ netns: b.ns });
    try {
      assert.deepStrictEqual(await inB.conntrackList(), []);
      assert.deepStrictEqual(conntrackOracle(b.ns), []);
      assert.ok((await ct.conntrackList()).length > 0);
    } finally {
      inB.close();
    }
  });

  it('rejects bad input before anything reaches the kernel', async () => {
    await assert.rejects(ct.conntrackList({ family: 'ipv5' as never }), { name: 'TypeError', message: /family: expected 'ipv4' or 'ipv6'/ });
    await assert.rejects(ct.conntrackList({ address: '10.0.0.300' }), { name: 'TypeError', message: /address: "10.0.0.300" is not an IPv4 or IPv6 address/ });
    await assert.rejects(ct.conntrackCount('10.0.0.1' as never), { name: 'TypeError', message: /expected an array/ });
    await assert.rejects(ct.conntrackCount(['x']), { name: 'TypeError' });
    await assert.rejects(ConntrackHandle.open({ netns: 'no-such-ns' }), { name: 'NetlinkError', code: 'ENOENT' });
    const closed = await ConntrackHandle.open({ netns: a.ns });
    closed.close();
    await assert.rejects(closed.conntrackList(), /closed/);
  });
});
