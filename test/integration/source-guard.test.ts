// The source guard (anti-spoofing on bridge ports): its table as `nft -j`
// shows it, and real frames. Three namespaces on one bridge; A sends to C
// with its own address (arrives), with B's address or another one (dropped:
// C never sees it, the rule's counter moves), with another MAC (dropped), and
// ARP claiming B's address (dropped); without the guard the same spoofed
// datagram arrives (so the test can tell). Bad input changes nothing.
import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as readline from 'readline';
import { Netlink } from '../../src/netlink/handle';
import { SourceGuard } from '../../src/net/firewall/source-guard';
import { freshNetns, requireSandbox } from '../helpers/sandbox';
import type { NetNs } from '../../src/netns';

const TABLE = 'guardtest';
const ID = (n: number) => `${n}`.repeat(64).slice(0, 64);

function nftJson(): Array<Record<string, any>> {
  const r = spawnSync('nft', ['-j', 'list', 'table', 'bridge', TABLE], { encoding: 'utf8' });
  return r.status === 0 ? (JSON.parse(r.stdout).nftables as Array<Record<string, any>>) : [];
}

function counter(comment: string): number {
  const rule = nftJson().find((x) => x.rule && x.rule.comment === comment)?.rule;
  return rule?.expr.find((e: Record<string, any>) => e.counter)?.counter.packets ?? -1;
}

/** A UDP listener in ns that reports each datagram's source address. */
class Listener {
  readonly sources: string[] = [];
  private constructor(readonly child: ChildProcess) {}
  static async start(ns: NetNs, port: number): Promise<Listener> {
    const code = `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => console.log(r.address)); s.bind(${port}, () => console.log('ready'));`;
    const child = spawn('ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const l = new Listener(child);
    await new Promise<void>((resolve) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => { if (line === 'ready') resolve(); else l.sources.push(line); });
    });
    return l;
  }
  stop(): void { this.child.kill(); }
}

/** Sends three datagrams from ns, from `source`, to host:port. */
function send(ns: NetNs, source: string, host: string, port: number): void {
  const code = `const s = require('dgram').createSocket('udp4'); s.bind(0, ${JSON.stringify(source)}, () => { let n = 3; const go = () => s.send('x', ${port}, ${JSON.stringify(host)}, () => { if (--n) setTimeout(go, 50); else setTimeout(() => s.close(), 50); }); go(); });`;
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code], { encoding: 'utf8', timeout: 10000 });
  assert.strictEqual(r.status, 0, r.stderr);
}

const ip = (...args: string[]) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  assert.strictEqual(r.status, 0, `ip ${args.join(' ')}: ${r.stderr}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('integration: source guard on bridge ports', function () {
  this.timeout(60000);
  const spaces: Array<Awaited<ReturnType<typeof freshNetns>>> = [];
  let host: Netlink;
  let guard: SourceGuard;
  const hosts = ['sga', 'sgb', 'sgc'];
  const addrs = ['10.70.0.2', '10.70.0.3', '10.70.0.4'];
  const macs = ['02:00:0a:46:00:02', '02:00:0a:46:00:03', '02:00:0a:46:00:04'];

  before(async function () {
    requireSandbox(this);
    host = await Netlink.open();
    await host.linkAdd({ name: 'brguard', kind: 'bridge' });
    await host.linkSet('brguard', { up: true });
    for (let i = 0; i < 3; i++) {
      const s = await freshNetns('sg');
      spaces.push(s);
      await host.linkAdd({ name: hosts[i], kind: 'veth', master: 'brguard', up: true, peer: { name: 'eth0', netns: s.ns, address: macs[i] } });
      await s.nl.linkSet('eth0', { up: true });
      await s.nl.linkSet('lo', { up: true });
      await s.nl.addrAdd('eth0', `${addrs[i]}/24`);
    }
    guard = await SourceGuard.open({ table: TABLE });
  });
  after(async () => {
    guard?.close();
    spawnSync('nft', ['delete', 'table', 'bridge', TABLE]);
    for (const s of spaces) await s.dispose();
    await host?.linkDel('brguard').catch(() => undefined);
    host?.close();
  });

  it('guard(): the table, its rules, and one element per endpoint in each set, tagged with its owner', async () => {
    for (let i = 0; i < 3; i++) await guard.guard({ endpointId: ID(i + 1), port: hosts[i], mac: macs[i], address: addrs[i] });
    const ruleset = nftJson();
    assert.match(spawnSync('nft', ['list', 'table', 'bridge', TABLE], { encoding: 'utf8' }).stdout, /comment "netplumb:guard-v1"/);
    const chain = ruleset.find((x) => x.chain)?.chain;
    assert.deepStrictEqual([chain.hook, chain.prio, chain.policy], ['prerouting', -200, 'accept']);
    assert.deepStrictEqual(ruleset.filter((x) => x.rule).map((x) => x.rule.comment), ['mac', 'ipv4', 'arp', 'arp-sha']);
    const sources = ruleset.find((x) => x.set?.name === 'sources')?.set;
    const elems = (sources.elem as Array<Record<string, any>>).map((e) => ({ key: e.elem.val.concat, comment: e.elem.comment }));
    assert.deepStrictEqual(elems.sort((a, b) => a.key[0].localeCompare(b.key[0])), hosts.map((h, i) => ({ key: [h, macs[i], addrs[i]], comment: `ep:${ID(i + 1)}` })));
    assert.deepStrictEqual((await guard.list()).map((p) => p.endpointId).sort(), [ID(1), ID(2), ID(3)]);
  });

  it('a container sends with its own address; with another one or with B\'s it is dropped at the port', async () => {
    const [a, , c] = spaces;
    const listener = await Listener.start(c.ns, 9999);
    try {
      send(a.ns, addrs[0], addrs[2], 9999);
      await sleep(300);
      assert.deepStrictEqual(listener.sources, [addrs[0], addrs[0], addrs[0]]);
      // A takes B's address and another one; C's MAC is known to it, so no ARP is needed and the IPv4 check is what acts.
      ip('-n', a.ns.name!, 'neigh', 'replace', addrs[2], 'lladdr', macs[2], 'dev', 'eth0', 'nud', 'permanent');
      ip('-n', a.ns.name!, 'addr', 'add', `${addrs[1]}/32`, 'dev', 'eth0');
      ip('-n', a.ns.name!, 'addr', 'add', '10.70.0.77/32', 'dev', 'eth0');
      const before = counter('ipv4');
      send(a.ns, addrs[1], addrs[2], 9999);
      send(a.ns, '10.70.0.77', addrs[2], 9999);
      await sleep(300);
      assert.deepStrictEqual(listener.sources, [addrs[0], addrs[0], addrs[0]], 'a spoofed datagram arrived');
      assert.ok(counter('ipv4') >= before + 6, `the ipv4 rule counted ${counter('ipv4') - before}`);
    } finally {
      listener.stop();
    }
  });

  it('ARP claiming another container\'s address is dropped; so is a frame with another MAC', async () => {
    const [a, b, c] = spaces;
    const arpBefore = counter('arp');
    // A resolves C again, sending from B's address: the kernel's ARP request then names B's address as its sender.
    ip('-n', c.ns.name!, 'neigh', 'flush', 'dev', 'eth0');
    ip('-n', a.ns.name!, 'neigh', 'del', addrs[2], 'dev', 'eth0');
    send(a.ns, addrs[1], addrs[2], 9999);
    await sleep(300);
    assert.ok(counter('arp') > arpBefore, 'the arp rule did not act');
    const neigh = JSON.parse(spawnSync('ip', ['-n', c.ns.name!, '-j', 'neigh', 'show'], { encoding: 'utf8' }).stdout || '[]') as Array<{ dst: string; lladdr?: string }>;
    assert.ok(!neigh.some((n) => n.dst === addrs[1] && n.lladdr === macs[0]), `C learnt B's address at A's MAC: ${JSON.stringify(neigh)}`);
    // A frame with another MAC (B's), right address.
    const macBefore = counter('mac');
    ip('-n', a.ns.name!, 'link', 'set', 'eth0', 'address', '02:00:0a:46:00:99');
    const listener = await Listener.start(c.ns, 9998);
    try {
      ip('-n', a.ns.name!, 'neigh', 'replace', addrs[2], 'lladdr', macs[2], 'dev', 'eth0', 'nud', 'permanent');
      send(a.ns, addrs[0], addrs[2], 9998);
      await sleep(300);
      assert.deepStrictEqual(listener.sources, []);
      assert.ok(counter('mac') >= macBefore + 3);
    } finally {
      listener.stop();
      ip('-n', a.ns.name!, 'link', 'set', 'eth0', 'address', macs[0]);
    }
    void b;
  });

  it('without the guard the same spoofed datagram arrives (the test can tell)', async () => {
    const [a, , c] = spaces;
    assert.strictEqual(await guard.unguard(ID(1)), true);
    const listener = await Listener.start(c.ns, 9997);
    try {
      send(a.ns, '10.70.0.77', addrs[2], 9997);
      await sleep(300);
      assert.ok(listener.sources.includes('10.70.0.77'), JSON.stringify(listener.sources));
    } finally {
      listener.stop();
    }
    assert.ok(!JSON.stringify(nftJson()).includes(`ep:${ID(1)}`));
  });

  it('bad input is refused before anything changes', async () => {
    const before = JSON.stringify(nftJson());
    for (const p of [
      { endpointId: 'x y', port: 'sga', mac: macs[0], address: addrs[0] },
      { endpointId: ID(5), port: 'a-name-much-too-long', mac: macs[0], address: addrs[0] },
      { endpointId: ID(5), port: 'sga', mac: '02:00:0a:46:00', address: addrs[0] },
      { endpointId: ID(5), port: 'sga', mac: macs[0], address: '10.70.0.300' },
      null,
    ]) await assert.rejects(guard.guard(p as never), (err: Error) => err instanceof TypeError || err instanceof RangeError);
    // A port already guarded: EEXIST from the kernel, nothing added.
    await assert.rejects(guard.guard({ endpointId: ID(6), port: hosts[1], mac: macs[1], address: addrs[1] }), /EEXIST|exists/);
    assert.strictEqual(JSON.stringify(nftJson()), before);
  });

  it('unguardPort() removes by key; reconcile() what belongs to endpoints that are gone; drop() the table', async () => {
    await guard.unguardPort({ endpointId: ID(3), port: hosts[2], mac: macs[2], address: addrs[2] });
    assert.ok(!JSON.stringify(nftJson()).includes(`ep:${ID(3)}`));
    await guard.guard({ endpointId: ID(3), port: hosts[2], mac: macs[2], address: addrs[2] });
    assert.deepStrictEqual(await guard.reconcile(new Set([ID(3)])), [ID(2)]);
    assert.deepStrictEqual((await guard.list()).map((p) => p.endpointId), [ID(3)]);
    assert.deepStrictEqual(await guard.reconcile(new Set()), [ID(3)]);
    assert.deepStrictEqual(await guard.list(), []);
    await guard.drop();
    assert.deepStrictEqual(nftJson(), []);
  });
});
