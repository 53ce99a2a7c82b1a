// Helpers for the CLI's end-to-end tests: run `netplumb` as a user would, and
// read the machine's state through independent oracles (ip -j, the file system).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';

export const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');

export interface CliResult { status: number; stdout: string; stderr: string }

/** Runs `netplumb ARGS...`. */
export function np(args: string[], env: NodeJS.ProcessEnv = {}, timeout = 60000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs `netplumb ARGS...` and fails the test with its stderr unless it exits 0. */
export function npOk(...args: string[]): string {
  const r = np(args);
  if (r.status !== 0) throw new Error(`netplumb ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

export function sh(cmd: string, ...args: string[]): CliResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function ipj<T = Array<Record<string, unknown>>>(...args: string[]): T {
  const r = sh('ip', '-j', ...args);
  if (r.status !== 0) throw new Error(`ip -j ${args.join(' ')}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout || '[]') as T;
}

/** netplumb's own record of a network (`network ls --json`), with its device, subnet, gateway and MTU. */
export function networkRecord(name: string): { id: string; name: string; device: string; subnet: string; gateway: string; mtu: number } {
  const found = (JSON.parse(npOk('network', 'ls', '--json')) as Array<{ id: string; name: string; device: string; subnet: string; gateway: string; mtu: number }>).find((n) => n.name === name);
  if (!found) throw new Error(`network ${name} is not listed by netplumb network ls`);
  return found;
}

/** netplumb's own record of a sandbox (`ps --json`), with its endpoints and pids. */
export function sandboxRecord(name: string): { id: string; name: string; pids: number[]; endpoints: Array<{ network: string; ifname: string; hostIfname?: string; address: string }> } {
  const found = (JSON.parse(npOk('ps', '--json')) as Array<{ id: string; name: string; pids: number[]; endpoints: Array<{ network: string; ifname: string; hostIfname?: string; address: string }> }>).find((s) => s.name === name);
  if (!found) throw new Error(`sandbox ${name} is not listed by netplumb ps`);
  return found;
}

export function netnsList(): string[] {
  return (ipj<Array<{ name: string }>>('netns', 'list')).map((n) => n.name).sort();
}

export function listDir(dir: string): string[] {
  try { return fs.readdirSync(dir).sort(); } catch { return []; }
}

/** A JSON value without nft's handles and with counters at zero: what stays equal when nothing changed. */
function withoutHandles(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutHandles);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'handle') continue;
    if (k === 'counter' && x && typeof x === 'object') out[k] = { packets: 0, bytes: 0 };
    // Elements come in the kernel's hash order, which depends on what was added before.
    else if (k === 'elem' && Array.isArray(x)) out[k] = x.map(withoutHandles).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    else out[k] = withoutHandles(x);
  }
  return out;
}

/** `nft -j list ruleset` of this namespace without metainfo, handles and counter values. */
export function nftRuleset(): unknown[] {
  const r = sh('nft', '-j', 'list', 'ruleset');
  if (r.status !== 0) throw new Error(`nft -j list ruleset: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout).nftables as Array<Record<string, unknown>>).filter((o) => !('metainfo' in o)).map(withoutHandles);
}

/** The host-port reservations as the database holds them, read with a connection of our own. */
export function portReservations(): Array<{ protocol: string; host_ip: string; host_port: number; owner: string }> {
  const file = path.join(process.env.NETPLUMB_STATE_DIR!, 'netplumb.db');
  if (!fs.existsSync(file)) return [];
  const db = new Database(file, { readonly: true });
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'port_reservations'").get();
    return table ? (db.prepare('SELECT protocol, host_ip, host_port, owner FROM port_reservations ORDER BY protocol, host_port, host_ip').all() as never) : [];
  } finally {
    db.close();
  }
}

/** Everything netplumb can leave anywhere: links, addresses, routes, namespaces, files, records, nf_tables, reservations. */
export function snapshot(): string {
  const links = ipj<Array<{ ifname: string; linkinfo?: { info_kind?: string } }>>('-d', 'link', 'show').map((l) => `${l.ifname}:${l.linkinfo?.info_kind ?? ''}`).sort();
  // IPv6 link-local addresses are the kernel's own, made when a link first has carrier (a bridge: its first port), not netplumb's.
  const addrs = ipj<Array<{ ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number; scope: string }> }>>('addr', 'show')
    .flatMap((l) => l.addr_info.filter((a) => !(a.family === 'inet6' && a.scope === 'link')).map((a) => `${l.ifname}:${a.local}/${a.prefixlen}`)).sort();
  const routes = ipj<Array<{ dst: string; dev?: string }>>('route', 'show').map((r) => `${r.dst}:${r.dev ?? ''}`).sort();
  const networks = JSON.parse(npOk('network', 'ls', '--json'));
  const sandboxes = (JSON.parse(npOk('ps', '--json')) as Array<{ name: string }>).map((s) => s.name);
  return JSON.stringify({
    links, addrs, routes, netns: netnsList(), etc: listDir('/etc/netns'), ns: listDir('/run/netplumb/ns'), markers: listDir('/run/netplumb/sandboxes'),
    networks, sandboxes, nft: nftRuleset(), reservations: portReservations(), dnsListeners: dnsListeners(),
  }, null, 1);
}

/** Addresses something listens on at port 53 in this namespace (netplumb's DNS server, on gateways), as `ss` sees them. */
export function dnsListeners(): string[] {
  const out: string[] = [];
  for (const proto of ['u', 't']) {
    const r = sh('ss', `-Hln${proto}`);
    for (const line of r.stdout.split('\n')) {
      const local = line.trim().split(/\s+/)[3] ?? '';
      if (local.endsWith(':53')) out.push(`${proto === 'u' ? 'udp' : 'tcp'} ${local}`);
    }
  }
  return out.sort();
}

/** Runs netplumb expecting a failure: exit status, one `netplumb: ...` line matching `message`, nothing changed. */
export function refused(args: string[], message: RegExp, status = 1, env: NodeJS.ProcessEnv = {}): string {
  const before = snapshot();
  const r = np(args, env);
  assert.strictEqual(r.status, status, `netplumb ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.strictEqual(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^netplumb: /);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace was printed');
  assert.strictEqual(snapshot(), before, `netplumb ${args.join(' ')} changed something`);
  return lines[0];
}

/** Node one-liners used as server and client for real traffic between sandboxes. */
export const TCP_SERVER = (port: number) => `require('net').createServer((s) => s.end('hello from ' + require('os').hostname())).listen(${port})`;
export const TCP_CLIENT = (host: string, port: number) => `
const net = require('net');
const deadline = Date.now() + 8000;
(function attempt() {
  const s = net.connect(${port}, ${JSON.stringify(host)});
  let d = '';
  s.on('data', (c) => { d += c; });
  s.on('end', () => { console.log(d); });
  s.on('error', (e) => { if (Date.now() > deadline) { console.error(e.message); process.exit(1); } setTimeout(attempt, 100); });
  // A dropped SYN gives no error for minutes: give up on an attempt that got nowhere.
  s.setTimeout(1000, () => s.destroy(new Error('no answer within 1 s')));
})();`;
