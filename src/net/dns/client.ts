// What the networking layer calls: start the DNS server on demand, tell it
// about a network's members, take a network away. Talks the control protocol
// (control.ts) over RUNTIME_DIR/dns.sock.
import { spawn } from 'child_process';
import { closeSync, mkdirSync, openSync, promises as fs } from 'fs';
import * as net from 'net';
import * as path from 'path';
import { controlSocketPath, ControlReply, DEFAULT_RUNTIME_DIR, DnsServerError, EXITING, LineReader, logFilePath, ServedNetwork } from './control';
import { DnsNetwork, validateDnsNetwork } from './network';
import { HOST_RESOLV_CONF } from './resolvconf';

export interface DnsClientOptions {
  /** Where the control socket, pid file and log live. Default /run/netplumb. */
  runtimeDir?: string;
  /** The host resolv.conf a newly started server forwards to. Default /etc/resolv.conf. */
  hostResolvConf?: string;
  /** How long to wait for a server to start and answer. Default 5000 ms. */
  timeoutMs?: number;
}

export interface DnsServerStatus {
  pid: number;
  networks: ServedNetwork[];
}

const DAEMON = path.join(__dirname, 'daemon.js');
/** Codes meaning "no server (or one on its way out) is there": start one and ask again. */
const NO_SERVER = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', EXITING]);

let nextId = 1;

/** One request on its own connection. Rejects with DnsServerError (code ENOENT/ECONNREFUSED when no server runs). */
function request(runtimeDir: string, body: Record<string, unknown>, timeoutMs: number): Promise<ControlReply> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const sock = net.connect(controlSocketPath(runtimeDir));
    const lines = new LineReader();
    let done = false;
    const finish = (err: Error | undefined, reply?: ControlReply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new DnsServerError('ETIMEDOUT', `the DNS server did not answer ${String(body.op)} within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(`${JSON.stringify({ ...body, id })}\n`));
    sock.on('error', (err: NodeJS.ErrnoException) => finish(new DnsServerError(err.code ?? 'EIO', `cannot reach the DNS server at ${controlSocketPath(runtimeDir)}: ${err.message}`)));
    sock.on('close', () => finish(new DnsServerError('ECONNRESET', 'the DNS server closed the connection before answering')));
    sock.on('data', (chunk) => {
      for (const line of lines.push(chunk)) {
        const reply = JSON.parse(line) as ControlReply;
        if (reply.id !== id) continue;
        if (reply.ok) finish(undefined, reply);
        else finish(new DnsServerError(reply.error?.code ?? 'EIO', reply.error?.message ?? 'the DNS server failed'));
      }
    });
  });
}

function settings(options: DnsClientOptions) {
  return {
    runtimeDir: options.runtimeDir ?? DEFAULT_RUNTIME_DIR,
    hostResolvConf: options.hostResolvConf ?? HOST_RESOLV_CONF,
    timeoutMs: options.timeoutMs ?? 5000,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function logTail(file: string): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.trim().split('\n').slice(-3).join('\n');
  } catch {
    return '';
  }
}

/**
 * Makes sure a DNS server runs and answers: returns its pid, and whether this
 * call started it. Concurrent callers (several CLI invocations) end up with
 * the same single server: a started server that finds another holding the
 * lock leaves at once, and every caller waits for whichever one answers.
 */
export async function ensureDnsServer(options: DnsClientOptions = {}): Promise<{ pid: number; started: boolean }> {
  const { runtimeDir, hostResolvConf, timeoutMs } = settings(options);
  const deadline = Date.now() + timeoutMs;
  let child: { exited: boolean; code: number | null } | undefined;
  let started = false;
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    try {
      const reply = await request(runtimeDir, { op: 'ping' }, Math.max(100, deadline - Date.now()));
      return { pid: reply.pid!, started };
    } catch (err) {
      if (!(err instanceof DnsServerError) || !NO_SERVER.has(err.code)) throw err;
    }
    if (child?.exited && child.code !== 0 && child.code !== 3) {
      const tail = await logTail(logFilePath(runtimeDir));
      throw new DnsServerError('ESRCH', `the DNS server failed to start (exit status ${child.code})${tail ? `:\n${tail}` : ''}`);
    }
    if (Date.now() >= deadline) {
      const tail = await logTail(logFilePath(runtimeDir));
      throw new DnsServerError('ETIMEDOUT', `the DNS server did not start within ${timeoutMs} ms${tail ? `:\n${tail}` : ''}`);
    }
    if (!child || child.exited) {
      child = startDaemon(runtimeDir, hostResolvConf);
      started = true;
    }
    await sleep(delay);
  }
}

function startDaemon(runtimeDir: string, hostResolvConf: string): { exited: boolean; code: number | null } {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o755 });
  const logFd = openSync(logFilePath(runtimeDir), 'a', 0o600);
  const state = { exited: false, code: null as number | null };
  try {
    const proc = spawn(process.execPath, [DAEMON, '--runtime-dir', runtimeDir, '--resolv-conf', hostResolvConf], {
      detached: true, // its own session: it outlives this CLI call and its terminal
      stdio: ['ignore', logFd, logFd],
      cwd: '/',
    });
    proc.on('exit', (code) => {
      state.exited = true;
      state.code = code;
    });
    proc.on('error', () => {
      state.exited = true;
      state.code = -1;
    });
    proc.unref();
  } finally {
    closeSync(logFd);
  }
  return state;
}

/**
 * Tells the DNS server (started if needed) everything about one network: its
 * subnets and gateways, and all its members. Call it whenever membership
 * changes (a container joins, leaves, is renamed, gets an alias): it replaces
 * the previous description atomically, with no restart and no query dropped.
 * Resolves once the new names answer, with started: true when this call had
 * to start a server (it knows only this network then: after a crash, send the
 * other networks again). Throws RangeError/TypeError for a bad
 * description (before anything is sent), DnsServerError otherwise (e.g.
 * EADDRNOTAVAIL when the gateway is not on a host interface).
 */
export async function setNetwork(network: DnsNetwork, options: DnsClientOptions = {}): Promise<{ started: boolean }> {
  const checked = validateDnsNetwork(network);
  const { runtimeDir, timeoutMs } = settings(options);
  const deadline = Date.now() + timeoutMs;
  let started = false;
  for (;;) {
    started = (await ensureDnsServer(options)).started || started;
    try {
      await request(runtimeDir, { op: 'setNetwork', network: checked }, timeoutMs);
      return { started };
    } catch (err) {
      // the server was on its way out (its last network just went): start another and ask again
      if (!(err instanceof DnsServerError) || !NO_SERVER.has(err.code) || Date.now() >= deadline) throw err;
    }
  }
}

/**
 * Stops serving a network. Never starts a server: with none running there is
 * nothing to remove, and it returns false, as it does for an unknown id. When
 * the last network goes, the server exits.
 */
export async function removeNetwork(networkId: string, options: DnsClientOptions = {}): Promise<boolean> {
  if (typeof networkId !== 'string' || networkId.length === 0) throw new TypeError('removeNetwork: expected a network id');
  const { runtimeDir, timeoutMs } = settings(options);
  try {
    const reply = await request(runtimeDir, { op: 'removeNetwork', networkId }, timeoutMs);
    return reply.removed === true;
  } catch (err) {
    if (err instanceof DnsServerError && NO_SERVER.has(err.code)) return false;
    throw err;
  }
}

/** What the running server serves, or undefined when none runs. */
export async function dnsServerStatus(options: DnsClientOptions = {}): Promise<DnsServerStatus | undefined> {
  const { runtimeDir, timeoutMs } = settings(options);
  try {
    const reply = await request(runtimeDir, { op: 'status' }, timeoutMs);
    return { pid: reply.pid!, networks: reply.networks ?? [] };
  } catch (err) {
    if (err instanceof DnsServerError && NO_SERVER.has(err.code)) return undefined;
    throw err;
  }
}
