// Shared by the command files: the runtime opened per command, the
// privilege check, the quick reconcile before changes, and option collectors.
import { readFileSync } from 'fs';
import { Runtime } from '../net/runtime';
import { collectGarbage } from '../net/gc';
import { NetplumbError } from '../net/errors';

export class UsageError extends Error {}

/** Runs a check of a command-line value; its NetplumbError becomes a usage error (exit 2). */
export function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof NetplumbError) throw new UsageError(err.message);
    throw err;
  }
}

/** CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21) in the effective set. */
export function checkPrivileges(): void {
  let eff = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    eff = m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    // no /proc: treat as unprivileged
  }
  const missing = [['CAP_NET_ADMIN', 12n], ['CAP_SYS_ADMIN', 21n]].filter(([, bit]) => (eff & (1n << (bit as bigint))) === 0n).map(([n]) => n);
  if (missing.length) throw new Error(`this needs ${missing.join(' and ')} (run it as root): netplumb changes network namespaces, links and mounts`);
}

/** Runs a command body with a runtime; `mutating` runs the quick reconcile first. */
export async function withRuntime<T>(body: (rt: Runtime) => Promise<T>, mutating = false): Promise<T> {
  checkPrivileges();
  const rt = Runtime.open({ warn: (message) => process.stderr.write(`netplumb: warning: ${message}\n`) });
  try {
    if (mutating) {
      try {
        await collectGarbage(rt, { quick: true });
      } catch (err) {
        process.stderr.write(`netplumb: warning: cleaning up after an earlier crash failed: ${(err as Error).message}\n`);
      }
    }
    return await body(rt);
  } finally {
    await rt.close();
  }
}

/** Until SIGINT or SIGTERM: long-running commands end cleanly (their loops stop, their sockets close). */
export function untilSignalled(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { signal: controller.signal, dispose: () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); } };
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** KEY=VALUE options (-o, --aux-address) into an object; a repeated key is a usage error. */
export function keyValues(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got ${JSON.stringify(item)}`);
    const key = item.slice(0, eq);
    if (key in out) throw new UsageError(`${flag} ${key} is given twice`);
    out[key] = item.slice(eq + 1);
  }
  return out;
}

export function parseMtu(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--mtu expects a number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Runs per-name actions (rm A B ...), going on past failures as docker does; failures go to stderr, exit 1. */
export async function eachName(names: string[], action: (name: string) => Promise<string | undefined>): Promise<void> {
  for (const name of names) {
    try {
      const line = await action(name);
      if (line !== undefined) process.stdout.write(`${line}\n`);
    } catch (err) {
      process.stderr.write(`netplumb: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}

/**
 * `inspect NAME...` as docker prints it: one JSON array of what was found;
 * each name not found is one error line on stderr and exit status 1.
 */
export async function printInspected<T>(names: string[], inspect: (name: string) => Promise<T>): Promise<void> {
  const found: T[] = [];
  const errors: string[] = [];
  for (const name of names) {
    try {
      found.push(await inspect(name));
    } catch (err) {
      if (!(err instanceof NetplumbError && err.code === 'ENOENT')) throw err;
      errors.push(err.message);
    }
  }
  process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
  for (const e of errors) process.stderr.write(`netplumb: ${e}\n`);
  if (errors.length) process.exitCode = 1;
}

/** The command after a sandbox name: commander keeps the `--` that separates it when options pass through. */
export function commandArgs(argv: string[]): string[] {
  const out = argv[0] === '--' ? argv.slice(1) : argv;
  if (out.length === 0) throw new UsageError('no command given (netplumb exec|run ... -- CMD [ARG...])');
  return out;
}
