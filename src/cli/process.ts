// Running a command in a sandbox in the foreground or detached: stdio and exit
// status pass through; signals sent to netplumb go on to the command.
import type { ChildProcess } from 'child_process';
import { openSync, closeSync } from 'fs';
import { constants } from 'os';
import { spawnInSandbox } from '../net/processes';
import { logFile } from '../net/paths';
import { recordProcess } from '../net/sandbox';
import { recordContainerStart, recordContainerStop } from '../net/record';
import { processStart, type Runtime } from '../net/runtime';
import type { SandboxRecord } from '../net/state/store';

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGINT', 'SIGQUIT', 'SIGWINCH'];

/** Waits for a child; its exit status, or 128 + the signal number that ended it (as a shell reports it). */
export function exitStatus(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

/** Resolves once the child runs (its pid is known); rejects when it could not be started. */
function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => resolve());
  });
}

/**
 * Runs argv in the sandbox with this terminal; returns its exit status. With
 * `lifecycle` (`run`, not `exec`), its event log gets container.start once
 * the command runs and container.stop with its exit status.
 */
export async function runForeground(sb: SandboxRecord, argv: string[], lifecycle?: Runtime): Promise<number> {
  const child = spawnInSandbox(sb, argv, { stdio: 'inherit' });
  const status = exitStatus(child);
  status.catch(() => undefined); // awaited below; a spawn failure is reported by spawned()
  await spawned(child);
  if (lifecycle) await recordContainerStart(lifecycle, sb);
  // From a terminal, ^C and ^\ reach the command directly (same process group): forward them only otherwise.
  const fromTerminal = new Set<NodeJS.Signals>(process.stdin.isTTY ? ['SIGINT', 'SIGQUIT'] : []);
  const handlers = FORWARDED.map((signal) => {
    const handler = () => { if (!fromTerminal.has(signal) && child.pid) { try { process.kill(child.pid, signal); } catch { /* gone */ } } };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    const code = await status;
    if (lifecycle) await recordContainerStop(lifecycle, sb, code);
    return code;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/**
 * Starts argv detached, output to /run/netplumb/sandboxes/NAME.log; records
 * it; returns its pid. With `announce` (`run -d`, not `exec -d`) the event
 * log gets container.start.
 */
export async function runDetached(rt: Runtime, sb: SandboxRecord, argv: string[], announce = false): Promise<number> {
  const out = openSync(logFile(sb.name), 'a', 0o600);
  try {
    const child = spawnInSandbox(sb, argv, { stdio: ['ignore', out, out], detached: true });
    await spawned(child);
    const pid = child.pid!;
    child.unref();
    await recordProcess(rt, sb.id, pid, processStart(pid) ?? '');
    if (announce) await recordContainerStart(rt, sb);
    return pid;
  } finally {
    closeSync(out);
  }
}
