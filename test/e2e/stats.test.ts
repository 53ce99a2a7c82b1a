// `netplumb stats` end to end: two sandboxes on a network, UDP datagrams of
// known sizes between them and from the host, and the counters netplumb
// prints checked against `ip -j -s link` read just before and just after it,
// and against what was sent (each datagram is its payload plus 42 bytes of
// Ethernet, IPv4 and UDP headers on a veth or bridge). Open connections
// checked against conntrack(8).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as dgram from 'dgram';
import * as net from 'net';
import { requireSandbox } from '../helpers/sandbox';
import { ipj, networkRecord, np, npOk, sh } from '../helpers/cli';
import { CliStream } from '../helpers/cli-stream';
import { parseConntrackXml } from '../helpers/conntrack-oracle';

interface IpCounters { bytes: number; packets: number; errors: number; dropped: number }
interface IpStats { rx: IpCounters; tx: IpCounters }
interface Row {
  time: string; kind: 'container' | 'network'; name: string;
  rxBytes: number; txBytes: number; rxPackets: number; txPackets: number; rxErrors: number; txErrors: number; rxDropped: number; txDropped: number;
  rates: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number } | null;
  connections: number | null; missingLinks: string[];
}

/** Ethernet 14 + IPv4 20 + UDP 8. */
const UDP_FRAME_OVERHEAD = 42;
/** What else may cross a link meanwhile: ARP refreshes, IPv6 neighbour discovery and MLD. */
const SLACK_PACKETS = 10;
const SLACK_BYTES = SLACK_PACKETS * 120;

const UDP_SEND = (host: string, port: number, count: number, size: number) => `
const d = require('dgram').createSocket('udp4');
const buf = Buffer.alloc(${size}, 0x61);
let sent = 0;
(function next() {
  if (sent++ === ${count}) return d.close();
  d.send(buf, ${port}, ${JSON.stringify(host)}, (err) => { if (err) { console.error(err.message); process.exit(1); } next(); });
})();`;

const HOLD_OPEN_SERVER = (port: number) => `require('net').createServer(() => {}).listen(${port})`;

function ipStats(ns: string | undefined, dev: string): IpStats {
  const [l] = ipj<Array<{ stats64: IpStats }>>(...(ns ? ['-n', ns] : []), '-s', 'link', 'show', 'dev', dev);
  return l.stats64;
}

function ipv4(ns: string, dev: string): string {
  const [l] = ipj<Array<{ addr_info: Array<{ family: string; local: string }> }>>('-n', ns, 'addr', 'show', 'dev', dev);
  return l.addr_info.find((a) => a.family === 'inet')!.local;
}

function statsRows(...names: string[]): Row[] {
  return npOk('stats', '--no-stream', '--json', '--interval', '100', ...names).trim().split('\n').map((l) => JSON.parse(l) as Row);
}

function row(rows: Row[], kind: Row['kind'], name: string): Row {
  const r = rows.find((x) => x.kind === kind && x.name === name);
  assert.ok(r, `no ${kind} row ${name} in ${JSON.stringify(rows.map((x) => x.name))}`);
  return r;
}

function between(ours: number, before: number, after: number, what: string): void {
  assert.ok(ours >= before && ours <= after, `${what}: netplumb ${ours}, ip -s before ${before}, after ${after}`);
}

function movedBy(delta: number, expected: number, slack: number, what: string): void {
  assert.ok(delta >= expected && delta <= expected + slack, `${what} moved by ${delta}, expected ${expected} (+ at most ${slack})`);
}

async function sendFromHost(host: string, port: number, count: number, size: number): Promise<void> {
  const sock = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 0x62);
  try {
    for (let i = 0; i < count; i++) await new Promise<void>((resolve, reject) => sock.send(buf, port, host, (err) => (err ? reject(err) : resolve())));
  } finally {
    sock.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('e2e: stats', function () {
  this.timeout(60000);
  let aIp: string;
  let bIp: string;
  let bridge: string;

  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.81.0.0/24', 'statnet');
    npOk('create', '--name', 'sa', '--net', 'statnet');
    npOk('create', '--name', 'sb', '--net', 'statnet');
    npOk('create', '--name', 'shost', '--net', 'host');
    aIp = ipv4('sa', 'eth0');
    bIp = ipv4('sb', 'eth0');
    bridge = networkRecord('statnet').device;
  });
  after(function () {
    np(['rm', '-f', 'sa', 'sb', 'shost']);
    np(['network', 'rm', 'statnet']);
    sh('nft', 'delete', 'table', 'inet', 'npstats_ct');
  });

  it('counts what one sandbox sent to another: tx of the sender, rx of the receiver, as ip -s link sees them', async () => {
    const COUNT = 200;
    const SIZE = 1000;
    // Resolve the neighbour first, so no datagram waits for ARP (or is dropped while waiting).
    npOk('exec', 'sa', '--', process.execPath, '-e', UDP_SEND(bIp, 9999, 1, 8));
    await sleep(300);

    const ipA0 = ipStats('sa', 'eth0');
    const ipB0 = ipStats('sb', 'eth0');
    const first = statsRows('sa', 'sb');
    const ipA1 = ipStats('sa', 'eth0');
    const ipB1 = ipStats('sb', 'eth0');
    between(row(first, 'container', 'sa').txBytes, ipA0.tx.bytes, ipA1.tx.bytes, 'sa tx bytes');
    between(row(first, 'container', 'sa').txPackets, ipA0.tx.packets, ipA1.tx.packets, 'sa tx packets');
    between(row(first, 'container', 'sb').rxBytes, ipB0.rx.bytes, ipB1.rx.bytes, 'sb rx bytes');
    between(row(first, 'container', 'sb').rxDropped, ipB0.rx.dropped, ipB1.rx.dropped, 'sb rx dropped');

    npOk('exec', 'sa', '--', process.execPath, '-e', UDP_SEND(bIp, 9999, COUNT, SIZE));

    const ipA2 = ipStats('sa', 'eth0');
    const ipB2 = ipStats('sb', 'eth0');
    const second = statsRows('sa', 'sb');
    const ipA3 = ipStats('sa', 'eth0');
    const ipB3 = ipStats('sb', 'eth0');
    const [a0, a1] = [row(first, 'container', 'sa'), row(second, 'container', 'sa')];
    const [b0, b1] = [row(first, 'container', 'sb'), row(second, 'container', 'sb')];
    between(a1.txBytes, ipA2.tx.bytes, ipA3.tx.bytes, 'sa tx bytes after');
    between(b1.rxBytes, ipB2.rx.bytes, ipB3.rx.bytes, 'sb rx bytes after');
    between(b1.rxPackets, ipB2.rx.packets, ipB3.rx.packets, 'sb rx packets after');
    movedBy(a1.txPackets - a0.txPackets, COUNT, SLACK_PACKETS, 'sa tx packets');
    movedBy(a1.txBytes - a0.txBytes, COUNT * (SIZE + UDP_FRAME_OVERHEAD), SLACK_BYTES, 'sa tx bytes');
    movedBy(b1.rxPackets - b0.rxPackets, COUNT, SLACK_PACKETS, 'sb rx packets');
    movedBy(b1.rxBytes - b0.rxBytes, COUNT * (SIZE + UDP_FRAME_OVERHEAD), SLACK_BYTES, 'sb rx bytes');
    for (const r of [a1, b1]) {
      assert.deepStrictEqual(r.missingLinks, []);
      assert.strictEqual(r.rxErrors + r.txErrors, 0);
      // --no-stream reports rates over the interval between its two readings.
      assert.ok(r.rates && r.rates.rxBytes >= 0 && r.rates.txBytes >= 0, `rates: ${JSON.stringify(r.rates)}`);
    }
  });

  it('counts a network by its bridge: what the host sent to a member crosses it', async () => {
    const COUNT = 150;
    const SIZE = 600;
    await sendFromHost(aIp, 9998, 1, 8);
    await sleep(300);
    const ip0 = ipStats(undefined, bridge);
    const first = statsRows('statnet');
    const ip1 = ipStats(undefined, bridge);
    between(row(first, 'network', 'statnet').txBytes, ip0.tx.bytes, ip1.tx.bytes, 'bridge tx bytes');
    await sendFromHost(aIp, 9998, COUNT, SIZE);
    const second = statsRows('statnet');
    const n0 = row(first, 'network', 'statnet');
    const n1 = row(second, 'network', 'statnet');
    movedBy(n1.txPackets - n0.txPackets, COUNT, SLACK_PACKETS, 'bridge tx packets');
    movedBy(n1.txBytes - n0.txBytes, COUNT * (SIZE + UDP_FRAME_OVERHEAD), SLACK_BYTES, 'bridge tx bytes');
  });

  it('counts open connections per container and network from the host\'s conntrack table, as conntrack -L shows them', async () => {
    // A `ct state` rule makes the kernel track connections in this (the host's) namespace.
    execFileSync('nft', ['-f', '-'], { input: [
      'add table inet npstats_ct',
      'add chain inet npstats_ct out { type filter hook output priority 0; }',
      'add rule inet npstats_ct out ct state new counter',
    ].join('\n') + '\n' });
    npOk('exec', '-d', 'sa', '--', process.execPath, '-e', HOLD_OPEN_SERVER(7100));
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const deadline = Date.now() + 8000;
      (function attempt() {
        const s = net.connect(7100, aIp);
        s.once('connect', () => resolve(s));
        s.once('error', (err) => { s.destroy(); if (Date.now() > deadline) reject(err); else setTimeout(attempt, 100); });
      })();
    });
    try {
      const flows = parseConntrackXml(execFileSync('conntrack', ['-L', '-o', 'xml'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      const open = (ip: string) => flows.filter((f) => [f.original.src, f.original.dst, f.reply.src, f.reply.dst].includes(ip) && !(f.protocol === 'tcp' && ['TIME_WAIT', 'CLOSE'].includes(f.state ?? ''))).length;
      assert.ok(flows.some((f) => f.protocol === 'tcp' && f.original.dst === aIp && f.original.dport === 7100 && f.state === 'ESTABLISHED'), 'conntrack -L does not show the connection');
      const rows = statsRows('sa', 'sb', 'statnet');
      assert.strictEqual(row(rows, 'container', 'sa').connections, open(aIp));
      assert.strictEqual(row(rows, 'container', 'sb').connections, open(bIp));
      assert.ok(open(aIp) >= 1);
      const either = flows.filter((f) => [aIp, bIp].some((ip) => [f.original.src, f.original.dst, f.reply.src, f.reply.dst].includes(ip))
        && !(f.protocol === 'tcp' && ['TIME_WAIT', 'CLOSE'].includes(f.state ?? ''))).length;
      assert.strictEqual(row(rows, 'network', 'statnet').connections, either);
    } finally {
      socket.destroy();
    }
  });

  it('prints a table like docker stats, every container and network by default', () => {
    const out = npOk('stats', '--no-stream', '--interval', '100');
    const [header, ...lines] = out.trim().split('\n');
    assert.match(header, /^NAME\s+KIND\s+NET I\/O \(RX \/ TX\)\s+RX\/s\s+TX\/s\s+PACKETS \(RX \/ TX\)\s+ERRORS \(RX \/ TX\)\s+DROPS \(RX \/ TX\)\s+CONNS$/);
    const names = lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    for (const n of ['sa container', 'sb container', 'statnet network']) assert.ok(names.includes(n), `${n} missing from\n${out}`);
    // A host-mode sandbox has no interfaces of its own: it is left out of the full list.
    assert.ok(!names.some((n) => n.startsWith('shost ')));
  });

  it('streams JSON lines until interrupted: the first sample without rates, later ones with', async () => {
    const stream = CliStream.start(['stats', '--json', '--interval', '200', 'sa']);
    await stream.waitFor((l) => (JSON.parse(l) as Row).rates !== null, 'a sample with rates');
    assert.strictEqual(await stream.stop('SIGINT'), 0);
    const rows = stream.lines.map((l) => JSON.parse(l) as Row);
    assert.ok(rows.every((r) => r.name === 'sa' && r.kind === 'container'));
    assert.strictEqual(rows[0].rates, null);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].txPackets >= rows[i - 1].txPackets, 'counters went backwards');
  });

  it('one clear error for a name that is unknown or has nothing to count', () => {
    const unknown = np(['stats', '--no-stream', 'nosuch']);
    assert.strictEqual(unknown.status, 1);
    assert.strictEqual(unknown.stderr, 'netplumb: no such container or network: nosuch\n');
    const host = np(['stats', '--no-stream', 'shost']);
    assert.strictEqual(host.status, 1);
    assert.match(host.stderr, /^netplumb: cannot show stats: sandbox shost runs in network mode host: it has no interfaces of its own/);
    const interval = np(['stats', '--interval', 'soon']);
    assert.strictEqual(interval.status, 2);
    assert.match(interval.stderr, /^netplumb: --interval expects milliseconds/);
  });
});
