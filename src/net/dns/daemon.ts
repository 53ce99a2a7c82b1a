// The DNS server process. Started detached by ensureDnsServer(), at most one
// per runtime folder; exits by itself when it serves no network.
//   node daemon.js --runtime-dir /run/netplumb [--resolv-conf /etc/resolv.conf]
//
// Only one may run: it holds a lock that the kernel drops when the process
// dies, an abstract unix socket named after the runtime folder's device and
// inode (unlike a pid file, a crashed server leaves no stale lock behind).
// Exit status: 0 done, 1 failed (reason on stderr), 3 another server holds
// the lock.
import { promises as fs, statSync } from 'fs';
import * as net from 'net';
import { controlSocketPath, ControlReply, ControlRequest, DEFAULT_RUNTIME_DIR, EXITING, LineReader, pidFilePath } from './control';
import { DnsServer, DnsServerError } from './server';

/** A server that was started but never given a network (its starter died) leaves after this long. */
const IDLE_EXIT_MS = 10_000;
/** How long to wait for an exiting predecessor to let go of the lock. */
const LOCK_WAIT_MS = 3000;

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString()} netplumb-dns[${process.pid}]: ${line}\n`);
}

function listen(server: net.Server, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Whether a server answers on the control socket (then there is no need to wait for the lock). */
function controlAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    sock.on('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('error', () => resolve(false));
  });
}

/** Takes the one-server lock; undefined when another live server holds it. */
async function takeLock(runtimeDir: string): Promise<net.Server | undefined> {
  const st = statSync(runtimeDir);
  const name = `\0netplumb-dns-lock:${st.dev}:${st.ino}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const lock = net.createServer();
    try {
      await listen(lock, name);
      lock.unref();
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      // a running server: leave now; one on its way out: wait for it to let go
      if (Date.now() >= deadline || (await controlAnswers(controlSocketPath(runtimeDir)))) return undefined;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function main(): Promise<void> {
  const runtimeDir = arg('--runtime-dir') ?? DEFAULT_RUNTIME_DIR;
  const hostResolvConf = arg('--resolv-conf');
  process.chdir('/');
  process.umask(0o077); // the control socket and pid file: root only
  await fs.mkdir(runtimeDir, { recursive: true, mode: 0o755 });
  const lock = await takeLock(runtimeDir);
  if (!lock) {
    log('another DNS server holds the lock; leaving');
    process.exit(3);
  }
  const socketPath = controlSocketPath(runtimeDir);
  const pidPath = pidFilePath(runtimeDir);
  await fs.rm(socketPath, { force: true }); // left by a server that crashed: we hold the lock, so it is no one's
  const dns = new DnsServer({ hostResolvConf, log });
  const control = net.createServer();
  /** Set once the server has decided to stop: later requests get EXITING. */
  let exiting = false;
  /** Set when the reply being written is the last one: the exit follows it. */
  let exitAfterReply = false;
  let shuttingDown = false;
  let queue: Promise<unknown> = Promise.resolve();

  const exit = async (why: string) => {
    exiting = true;
    if (shuttingDown) return;
    shuttingDown = true;
    clearTimeout(idle);
    log(`exiting: ${why}`);
    control.close();
    await fs.rm(socketPath, { force: true });
    await fs.rm(pidPath, { force: true });
    await dns.close();
    process.exit(0);
  };

  const idle = setTimeout(() => {
    if (dns.networkCount === 0) void exit('no network was given');
  }, IDLE_EXIT_MS);

  const handle = async (req: ControlRequest): Promise<ControlReply> => {
    if (exiting) return { id: req.id, ok: false, error: { code: EXITING, message: 'the DNS server is exiting (it serves no network)' } };
    switch (req.op) {
      case 'ping':
        return { id: req.id, ok: true, pid: process.pid };
      case 'status':
        return {
          id: req.id,
          ok: true,
          pid: process.pid,
          networks: dns.networks().map((n) => ({ id: n.id, name: n.name, gateways: n.subnets.map((s) => s.gateway), members: n.members.length })),
        };
      case 'setNetwork':
        await dns.setNetwork(req.network);
        clearTimeout(idle);
        return { id: req.id, ok: true };
      case 'removeNetwork': {
        if (typeof req.networkId !== 'string') throw new TypeError('removeNetwork: networkId must be a string');
        const removed = await dns.removeNetwork(req.networkId);
        if (dns.networkCount === 0) {
          // decided now, inside the queue, so no setNetwork can slip in between
          exiting = true;
          exitAfterReply = true;
        }
        return { id: req.id, ok: true, removed };
      }
      default:
        throw new DnsServerError('EINVAL', `unknown operation ${JSON.stringify((req as { op?: unknown }).op)}`);
    }
  };

  control.on('connection', (sock) => {
    const lines = new LineReader();
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk) => {
      for (const line of lines.push(chunk)) {
        let req: ControlRequest;
        try {
          req = JSON.parse(line) as ControlRequest;
          if (typeof req !== 'object' || req === null || typeof req.id !== 'number') throw new Error('expected {"id":N,"op":...}');
        } catch (err) {
          sock.write(`${JSON.stringify({ id: -1, ok: false, error: { code: 'EINVAL', message: `bad request: ${(err as Error).message}` } })}\n`);
          continue;
        }
        // one request at a time across all connections: the exit decision must not race a setNetwork
        const run = queue.then(() => handle(req)).catch(
          (err: Error & { code?: string }): ControlReply => ({
            id: req.id,
            ok: false,
            error: { code: err instanceof DnsServerError ? err.code : err instanceof RangeError || err instanceof TypeError ? 'EINVAL' : (err.code ?? 'EIO'), message: err.message },
          }),
        );
        queue = run;
        void run.then((reply) => {
          const last = exitAfterReply;
          exitAfterReply = false;
          const after = () => last && void exit('it serves no network');
          if (sock.destroyed) after();
          else sock.write(`${JSON.stringify(reply)}\n`, after);
        });
      }
    });
  });
  await listen(control, socketPath);
  await fs.writeFile(pidPath, `${process.pid}\n`);
  process.on('SIGTERM', () => void exit('SIGTERM'));
  process.on('SIGINT', () => void exit('SIGINT'));
  log(`listening for control requests on ${socketPath}`);
}

main().catch((err: Error) => {
  log(`cannot start: ${err.message}`);
  process.exit(1);
});
