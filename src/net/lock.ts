// A mutex between netplumb processes that the kernel releases when its
// holder dies: listening on an abstract unix socket (a name, no file). A
// crashed command leaves no stale lock behind, unlike a lock file, so no
// reconciler has to break it. Abstract names belong to the network
// namespace, and every netplumb command acts from the host's; the name
// carries the runtime folder's device and inode so that separate runtime
// folders (each test run mounts its own) do not share a lock.
import { mkdirSync, statSync } from 'fs';
import * as net from 'net';
import { NetplumbError } from './errors';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listen(server: net.Server, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Runs `body` while holding the lock `name` (one per runtime folder); waits
 * for another holder to finish, at most `timeoutMs`.
 */
export async function withProcessLock<T>(runtimeDir: string, name: string, body: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o755 });
  const st = statSync(runtimeDir);
  const address = `\0netplumb-${name}:${st.dev}:${st.ino}`;
  const deadline = Date.now() + timeoutMs;
  let server: net.Server;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    server = net.createServer();
    try {
      await listen(server, address);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      if (Date.now() >= deadline) throw new NetplumbError(`another netplumb command has held the ${name} lock for ${timeoutMs / 1000} s`, 'EBUSY');
      await sleep(delay);
    }
  }
  server.unref(); // the lock never keeps the process alive by itself
  try {
    return await body();
  } finally {
    server.close();
  }
}
