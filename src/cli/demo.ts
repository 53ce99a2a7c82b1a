// `netplumb demo`: the two-container walkthrough, in a scratch namespace of its
// own (as the test runner: new network, mount and UTS namespaces, private
// /run/netns, /run/netplumb, /etc/netns and state folder), so it is safe on
// any machine: a user-defined network my_network, container A serving HTTP,
// container B calling A by name; the topology, the exchange, then cleanup.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';
import { Netlink } from '../netlink/handle';
import { Nftables } from '../nft/nftables';
import { createNetwork, inspectNetwork, removeNetwork } from '../net/network';
import { createSandbox, describeSandbox, removeSandbox } from '../net/sandbox';
import { formatPortLine, sortPorts } from '../net/ports';
import { Runtime } from '../net/runtime';
import { checkPrivileges } from './context';
import { exitStatus } from './process';
import { runDetached } from './process';
import { spawnInSandbox } from '../net/processes';

const SERVER = `
const http = require('http');
const os = require('os');
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/hello') {
    res.setHeader('content-type', 'text/plain');
    res.end('Hello, ' + (url.searchParams.get('name') || 'world') + '! (from ' + os.hostname() + ')');
  } else if (req.method === 'POST' && url.pathname === '/postjson') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let ok = true;
      try { JSON.parse(body); } catch { ok = false; }
      res.statusCode = ok ? 200 : 400;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result: ok }));
    });
  } else {
    res.statusCode = 404;
    res.end();
  }
}).listen(80, '0.0.0.0');
`;

// node -e CLIENT WHO HOST PORT: GET /hello and POST /postjson to HOST:PORT.
const CLIENT = `
const http = require('http');
const [who, host, port] = process.argv.slice(1);
const target = host + (port === '80' ? '' : ':' + port);
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve(res.statusCode + ' ' + data));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
(async () => {
  console.log('  ' + who + ' -> GET  http://' + target + '/hello?name=' + who);
  console.log('  A -> ' + await call('GET', '/hello?name=' + who));
  const body = JSON.stringify({ from: who, message: 'hello' });
  console.log('  ' + who + ' -> POST http://' + target + '/postjson ' + body);
  console.log('  A -> ' + await call('POST', '/postjson', body));
})().catch((err) => { console.error('  ' + who + ': ' + err.message); process.exit(1); });
`;

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`A's HTTP server did not come up on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Re-runs `netplumb demo` inside a throwaway network + mount + UTS namespace. */
function runInScratchNamespace(): number {
  // The mount points are made here if missing (empty folders); remove those again afterwards.
  const made = ['/run/netns', '/run/netplumb', '/etc/netns'].filter((d) => !fs.existsSync(d));
  const r = spawnSync('unshare', ['--net', '--mount', '--uts', '--propagation', 'private', '--', process.execPath, path.join(__dirname, 'main.js'), 'demo'], {
    stdio: 'inherit', env: { ...process.env, NETPLUMB_DEMO_SCRATCH: '1' },
  });
  for (const dir of made) { try { fs.rmdirSync(dir); } catch { /* in use or not empty: keep it */ } }
  if (r.error) throw new Error(`cannot start the scratch namespace with unshare(1): ${r.error.message}`);
  return r.status ?? 1;
}

async function prepareScratch(): Promise<string> {
  for (const dir of ['/run/netns', '/run/netplumb', '/etc/netns']) {
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync('mount', ['-t', 'tmpfs', 'netplumb-demo', dir]);
    if (r.status !== 0) throw new Error(`cannot mount a scratch tmpfs on ${dir}: ${String(r.stderr).trim()}`);
  }
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'netplumb-demo-'));
  process.env.NETPLUMB_STATE_DIR = stateDir;
  const nl = await Netlink.open();
  try { await nl.linkSet('lo', { up: true }); } finally { nl.close(); }
  return stateDir;
}

async function walkthrough(rt: Runtime): Promise<number> {
  say('$ netplumb network create --subnet 192.168.0.0/24 --ip-range 192.168.0.128/25 --gateway 192.168.0.1 my_network');
  const network = await createNetwork(rt, { name: 'my_network', subnet: '192.168.0.0/24', ipRange: '192.168.0.128/25', gateway: '192.168.0.1' });
  say(`  network ${network.id.slice(0, 12)}: bridge ${network.device}, mtu ${network.mtu}`);
  const fw = rt.firewall();
  const publish = fw ? ['8080:80'] : [];
  say(`$ netplumb run -d --name A --net my_network ${publish.length ? '-p 8080:80 ' : ''}-- node -e '<HTTP server on :80>'`);
  const a = await createSandbox(rt, { name: 'A', networks: ['my_network'], publish });
  await runDetached(rt, a, [process.execPath, '-e', SERVER]);
  if (!publish.length) say('  (port publishing skipped: the firewall driver is turned off, NETPLUMB_FIREWALL=none)');
  const aDetails = await describeSandbox(rt, 'A');
  await waitForPort(aDetails.endpoints[0].address, 80, 10000);
  say('$ netplumb create --name B --net my_network');
  await createSandbox(rt, { name: 'B', networks: ['my_network'] });

  say('\nTopology:');
  const n = await inspectNetwork(rt, 'my_network');
  say(`  network my_network  subnet ${n.subnet}  ip-range ${n.ipRange}  gateway ${n.gateway} on bridge ${n.device}`);
  for (const s of n.sandboxes) say(`  sandbox ${s.name.padEnd(3)} ${s.ifname} ${s.address}/${s.prefixlen}  mac ${s.mac}  <-> ${s.hostIfname} (port of ${n.device})`);
  const hosts = fs.readFileSync(path.join('/etc/netns', 'B', 'hosts'), 'utf8').trim().split('\n').filter((l) => !/localhost|ip6-/.test(l));
  say(`  B's /etc/hosts: ${hosts.join(' | ')}`);
  if (fw) {
    say('$ netplumb port A');
    for (const p of sortPorts(await fw.listPublished(aDetails.endpoints.map((e) => e.id)))) say(`  ${formatPortLine(p)}`);
  }

  say('\nExchange (B calls A by name):');
  say("$ netplumb exec B -- node -e '<HTTP client>' B A 80");
  const b = await describeSandbox(rt, 'B');
  let status = await exitStatus(spawnInSandbox(b, [process.execPath, '-e', CLIENT, 'B', 'A', '80'], { stdio: 'inherit' }));
  if (status !== 0 || !publish.length) return status;

  say('\nExchange through the published port (nf_tables DNAT, no proxy process):');
  say("$ node -e '<HTTP client>' host 127.0.0.1 8080          # on the host");
  status = spawnSync(process.execPath, ['-e', CLIENT, 'host', '127.0.0.1', '8080'], { stdio: 'inherit' }).status ?? 1;
  if (status !== 0) return status;
  say(`$ netplumb exec B -- node -e '<HTTP client>' B ${n.gateway} 8080   # B through the host's address`);
  return exitStatus(spawnInSandbox(b, [process.execPath, '-e', CLIENT, 'B', n.gateway, '8080'], { stdio: 'inherit' }));
}

async function cleanup(rt: Runtime): Promise<void> {
  say('\n$ netplumb rm -f A B && netplumb network rm my_network');
  for (const name of ['B', 'A']) await removeSandbox(rt, name, { force: true }).catch((err) => say(`  ${(err as Error).message}`));
  await removeNetwork(rt, 'my_network').catch((err) => say(`  ${(err as Error).message}`));
  const left = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout?.split('\n').filter((l) => /np/.test(l)) ?? [];
  const nft = await Nftables.open();
  try {
    left.push(...(await nft.listTables('inet')).filter((t) => t.name === 'netplumb').map((t) => `nftables table ${t.family} ${t.name}`));
  } finally {
    nft.close();
  }
  say(left.length ? `  left behind: ${left.join('; ')}` : '  removed: no netplumb link, namespace or nftables table is left');
}

export function registerDemo(program: Command): void {
  program.command('demo')
    .description('a two-container walkthrough in a throwaway namespace (safe on any machine)')
    .action(async () => {
      checkPrivileges();
      if (!process.env.NETPLUMB_DEMO_SCRATCH) {
        process.exitCode = runInScratchNamespace();
        return;
      }
      const stateDir = await prepareScratch();
      const rt = Runtime.open();
      rt.warn = (message) => say(`netplumb: warning: ${message}`);
      let status = 1;
      try {
        status = await walkthrough(rt);
      } finally {
        await cleanup(rt);
        await rt.close();
        fs.rmSync(stateDir, { recursive: true, force: true });
      }
      say(status === 0 ? '\ndemo finished: everything it made is gone' : `\ndemo failed: a client exited with ${status}`);
      process.exitCode = status === 0 ? 0 : 1;
    });
}
