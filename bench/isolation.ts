// The benchmark's sandbox, the same as the tests' (test/helpers/isolation.ts):
// as root it re-runs itself inside a throwaway network, mount and UTS
// namespace and checks afterwards that the root namespace is exactly as
// before. Peers are installed before that (the package registries are reached
// through the root namespace; installing changes no network state).
import * as path from 'path';
import { prepareThrowawayNamespace, runInThrowawayNamespace } from '../test/helpers/isolation';

export const ISOLATED_ENV = 'NETPLUMB_BENCH_ISOLATED';

export function isIsolated(): boolean {
  return process.env[ISOLATED_ENV] === '1';
}

/** Re-runs this script inside the throwaway namespace and exits with its status. */
export function runIsolated(script: string, args: string[]): never {
  process.exit(runInThrowawayNamespace(script, args, ISOLATED_ENV, 'The benchmark').status);
}

/** Inside the throwaway namespace: private folders, lo up, a scratch folder (state under it). */
export function prepareSandbox(): string {
  const scratch = prepareThrowawayNamespace('netplumb-bench');
  process.env.NETPLUMB_STATE_DIR = path.join(scratch, 'state');
  return scratch;
}
