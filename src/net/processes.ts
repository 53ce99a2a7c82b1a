// The processes of a sandbox, found the way `ip netns pids` finds them: every
// process whose /proc/PID/ns/mnt (or net) is the sandbox's namespace. Also
// starting processes inside a sandbox through the netplumb-enter helper.
import { spawn, type ChildProcess, type StdioOptions } from 'child_process';
import { promises as fsp, readFileSync, statSync } from 'fs';
import { NETNS_DIR } from '../netns';
import { helperPath, mntFile, utsFile } from './paths';
import { ownerAlive } from './runtime';
import type { SandboxRecord } from './state/store';

/** Namespace inodes that identify a sandbox's processes. */
function sandboxInodes(sb: SandboxRecord): { mnt?: number; net?: number } {
  const ino = (file: string) => { try { return statSync(file).ino; } catch { return undefined; } };
  const out: { mnt?: number; net?: number } = {};
  if (sb.mode.kind !== 'host') out.mnt = ino(mntFile(sb.name));
  // A joiner (container:X) shares X's network namespace: only its mount namespace is its own.
  if ((sb.mode.kind === 'networks' || sb.mode.kind === 'none') && sb.netns) out.net = ino(`${NETNS_DIR}/${sb.netns}`);
  return out;
}

/** Pids of the processes running in a sandbox (`ip netns pids NAME`, plus its mount namespace's). */
export async function sandboxProcesses(sb: SandboxRecord): Promise<number[]> {
  const found = new Set<number>(sb.processes.filter(ownerAlive).map((p) => p.pid));
  const { mnt, net } = sandboxInodes(sb);
  if (mnt !== undefined || net !== undefined) {
    for (const entry of await fsp.readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid) continue;
      try {
        if ((mnt !== undefined && statSync(`/proc/${pid}/ns/mnt`).ino === mnt) || (net !== undefined && statSync(`/proc/${pid}/ns/net`).ino === net)) found.add(pid);
      } catch {
        // exited meanwhile, or a kernel thread
      }
    }
  }
  return [...found].sort((a, b) => a - b);
}

/** Alive and not a zombie (a zombie is waiting only for its parent to reap it). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGKILLs the processes and waits until they are gone (up to 10 s). */
export async function killProcesses(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
  }
  for (let i = 0; i < 1000; i++) {
    const alive = pids.filter(isRunning);
    if (alive.length === 0) return;
    await sleep(10);
  }
  throw new Error(`processes ${pids.join(', ')} did not end after SIGKILL`);
}

export interface SpawnOptions {
  stdio?: StdioOptions;
  detached?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a command inside a sandbox: `nsenter --net=/run/netns/NS --uts=... --mount=... CMD`
 * (`ip netns exec NAME CMD` with the sandbox's hostname and /etc files). In
 * host mode the command runs as it is. The returned child is the command
 * itself once the helper has exec'd, so its exit status and signals are the command's.
 */
export function spawnInSandbox(sb: SandboxRecord, argv: string[], options: SpawnOptions = {}): ChildProcess {
  const spawnOptions = { stdio: options.stdio ?? 'inherit', detached: options.detached ?? false, env: options.env ?? process.env };
  if (sb.mode.kind === 'host') return spawn(argv[0], argv.slice(1), spawnOptions);
  const args = ['exec', '--netns', `${NETNS_DIR}/${sb.netns}`, '--uts', utsFile(sb.name), '--mnt', mntFile(sb.name), '--cwd', process.cwd(), '--', ...argv];
  return spawn(helperPath(), args, spawnOptions);
}
