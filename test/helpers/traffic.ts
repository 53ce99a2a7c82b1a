// Real traffic for firewall tests: one server process per namespace that
// answers TCP connections and UDP datagrams on several ports with "NAME PEER",
// and one client process per batch of probes (run concurrently), so a test
// can check a dozen paths for the cost of one process start.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import type { NetNs } from '../../src/netns';

export interface Listener {
  tcp?: number[];
  udp?: number[];
  /** Bind address (default all). */
  host?: string;
}

/** Starts `node` in ns answering "NAME PEER-ADDRESS" on every port; resolves when all listen. */
export function startServer(ns: NetNs, name: string, ports: Listener): Promise<ChildProcess> {
  const code = `
    const net = require('net'), dgram = require('dgram');
    const name = ${JSON.stringify(name)}, host = ${JSON.stringify(ports.host ?? '0.0.0.0')};
    const tcp = ${JSON.stringify(ports.tcp ?? [])}, udp = ${JSON.stringify(ports.udp ?? [])};
    let pending = tcp.length + udp.length;
    const ready = () => { if (--pending === 0) console.log('ready'); };
    for (const p of tcp) net.createServer((s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress.replace('::ffff:', '')); }).listen(p, host, ready);
    for (const p of udp) { const s = dgram.createSocket('udp4'); s.on('message', (m, r) => s.send(name + ' ' + r.address, r.port, r.address)); s.bind(p, host, ready); }
    if (pending === 0) console.log('ready');`;
  const child = spawn('ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`server ${name} exited ${c}`)));
  });
}

export interface Probe {
  proto: 'tcp' | 'udp';
  host: string;
  port: number;
}

/** Runs the probes from ns (undefined: this namespace) at once; each answer is the server's reply, 'TIMEOUT' or 'ERROR CODE'. */
export function probe(ns: Pick<NetNs, 'name'> | undefined, probes: Probe[], timeoutMs = 1500): string[] {
  const code = `
    const net = require('net'), dgram = require('dgram');
    const probes = ${JSON.stringify(probes)};
    const one = (p) => new Promise((done) => {
      const t = setTimeout(() => { done('TIMEOUT'); try { s.destroy ? s.destroy() : s.close(); } catch {} }, ${timeoutMs});
      const finish = (v) => { clearTimeout(t); done(v); };
      let s;
      if (p.proto === 'tcp') {
        let d = '';
        s = net.connect(p.port, p.host);
        s.on('data', (x) => d += x); s.on('end', () => finish(d)); s.on('error', (e) => finish('ERROR ' + e.code));
      } else {
        s = dgram.createSocket('udp4');
        s.on('message', (m) => { finish(String(m)); s.close(); });
        s.on('error', (e) => finish('ERROR ' + e.code));
        s.send('?', p.port, p.host);
      }
    });
    Promise.all(probes.map(one)).then((r) => { console.log(JSON.stringify(r)); process.exit(0); });`;
  const [cmd, args] = ns ? ['ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code]] : [process.execPath, ['-e', code]];
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs + 10000 });
  if (r.status !== 0) throw new Error(`probe client failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
}

export const tcp = (host: string, port: number): Probe => ({ proto: 'tcp', host, port });
export const udp = (host: string, port: number): Probe => ({ proto: 'udp', host, port });
