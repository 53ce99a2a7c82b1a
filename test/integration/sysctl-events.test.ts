// Per-namespace sysctls (oracle: `ip netns exec NS sysctl -n`), and events
// (changes made by `ip` itself must come out of the iterator, in order).
import { strict as assert } from 'assert';
import { execFileSync, spawn } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { freshNetns, inNetns, requireSandbox } from '../helpers/sandbox';
import type { NetlinkEvent } from '../../src/netlink/events';

type Env = Awaited<ReturnType<typeof freshNetns>>;

describe('sysctls inside a namespace', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  beforeEach(async () => { env = await freshNetns('sc'); });
  afterEach(async () => { await env.dispose(); });

  const sysctl = (key: string) => inNetns(env.ns, 'sysctl', '-n', key).stdout.trim();

  it('reads and writes net.ipv4.ip_forward there, not in this process\'s namespace', async () => {
    const ours = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    assert.equal(await env.nl.sysctlGet('net.ipv4.ip_forward'), sysctl('net.ipv4.ip_forward'));
    const target = ours === '1' ? '0' : '1';
    await env.nl.sysctlSet('net.ipv4.ip_forward', target);
    assert.equal(sysctl('net.ipv4.ip_forward'), target);
    assert.equal(await env.nl.sysctlGet('net.ipv4.ip_forward'), target);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), ours, 'the test process\'s own namespace is untouched');
  });

  it('writes a per-interface key (net.ipv4.conf.IF.route_localnet)', async () => {
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge' });
    assert.equal(sysctl('net.ipv4.conf.br0.route_localnet'), '0');
    await env.nl.sysctlSet('net.ipv4.conf.br0.route_localnet', 1);
    assert.equal(sysctl('net.ipv4.conf.br0.route_localnet'), '1');
    assert.equal(await env.nl.sysctlGet('net.ipv4.conf.br0.route_localnet'), '1');
  });

  it('says which key is missing, and writes nothing', async () => {
    await assert.rejects(env.nl.sysctlGet('net.ipv4.conf.nosuchif.route_localnet'), (err: Error & { code?: string }) => {
      assert.equal(err.name, 'NetlinkError');
      assert.equal(err.code, 'ENOENT');
      assert.match(err.message, /nosuchif/);
      return true;
    });
    await assert.rejects(env.nl.sysctlSet('kernel.hostname', 'x'), TypeError);
  });
});

describe('events', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  beforeEach(async () => { env = await freshNetns('ev'); });
  afterEach(async () => { await env.dispose(); });

  it('delivers link, address, route and neighbour changes made by ip, in order, and closes cleanly', async () => {
    const events = await env.nl.events();
    const ip = (...args: string[]) => execFileSync('ip', ['-n', env.ns.name!, ...args]);
    ip('link', 'add', 'br0', 'type', 'bridge');
    ip('link', 'set', 'br0', 'up');
    ip('addr', 'add', '10.5.0.1/24', 'dev', 'br0');
    ip('route', 'add', '10.6.0.0/16', 'via', '10.5.0.2');
    ip('neigh', 'add', '10.5.0.9', 'lladdr', '02:00:00:00:05:09', 'dev', 'br0');
    ip('route', 'del', '10.6.0.0/16');
    ip('link', 'del', 'br0');
    const wanted: Array<[string, (o: Record<string, unknown>) => boolean]> = [
      ['RTM_NEWLINK', (o) => o.name === 'br0'],
      ['RTM_NEWADDR', (o) => o.local === '10.5.0.1'],
      ['RTM_NEWROUTE', (o) => o.dst === '10.6.0.0'],
      ['RTM_NEWNEIGH', (o) => o.address === '10.5.0.9'],
      ['RTM_DELROUTE', (o) => o.dst === '10.6.0.0'],
      ['RTM_DELLINK', (o) => o.name === 'br0'],
    ];
    const seen: NetlinkEvent[] = [];
    let next = 0;
    const timer = setTimeout(() => events.close(), 10000);
    for await (const ev of events) {
      seen.push(ev);
      const [type, match] = wanted[next];
      if (ev.type === type && ev.object && match(ev.object)) next++;
      if (next === wanted.length) break; // break calls return(), which closes
    }
    clearTimeout(timer);
    assert.equal(next, wanted.length, `events in order; missing ${wanted[next]?.[0]} after ${seen.map((e) => e.type).join(' ')}`);
    // once closed, the iterator stays done
    assert.deepEqual(await events.next(), { value: undefined, done: true });
  });

  it('a pending next() ends when close() is called', async () => {
    const events = await env.nl.events(['link']);
    const pending = events.next();
    events.close();
    assert.deepEqual(await pending, { value: undefined, done: true });
  });

  it('closing while events pour in leaves a process that exits on its own', async function () {
    // A child process subscribes, lets `ip` flood the namespace with changes,
    // closes mid-flood, and must then exit by itself (no handle left open).
    const lib = path.resolve(__dirname, '..', '..', 'src');
    const script = `
      const { Netlink, NetNs } = require(${JSON.stringify(lib)});
      const { spawn } = require('child_process');
      (async () => {
        const nl = await Netlink.open({ netns: ${JSON.stringify(env.ns.name)} });
        const events = await nl.events();
        const flood = spawn('sh', ['-c', 'for i in $(seq 1 300); do ip -n ${env.ns.name} link add fl$i type bridge; ip -n ${env.ns.name} link del fl$i; done'], { stdio: 'ignore' });
        let n = 0;
        for await (const ev of events) { if (++n === 50) events.close(); }
        nl.close();
        flood.kill();
        console.log('closed after', n);
      })().catch((e) => { console.error(e); process.exit(3); });
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 20000);
      child.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.equal(code, 0, `child exit status ${code}; output: ${out}`);
    assert.match(out, /closed after (\d+)/);
    assert.ok(Number(/closed after (\d+)/.exec(out)![1]) >= 50);
  });

  it('a subscription closed before it finished opening never starts, and the process exits', async () => {
    const bindings = path.resolve(__dirname, '..', '..', 'bindings');
    const script = `
      const { native, K } = require(${JSON.stringify(bindings)});
      const sub = new native.NetlinkEvents();
      const opening = sub.open(K.NETLINK_ROUTE, ${JSON.stringify(env.ns.path)}, [K.RTNLGRP_LINK], () => console.log('event'));
      sub.close();
      opening.then(() => console.log('opened'));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 5000);
      child.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.equal(code, 0, `the process must exit by itself; output: ${out}`);
    assert.equal(out.trim(), 'opened');
  });
});
