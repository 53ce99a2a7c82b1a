// The undo log of a multi-step operation: each step records how to undo it
// as soon as it is done; a failure undoes them all, newest first, going on
// past errors. Also the test-only fault hook (NETPLUMB_FAULT=STEP throws at
// the named step, to check that a failure part-way leaves nothing behind).
import { TeardownError } from './errors';

export class UndoLog {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> | void }> = [];

  /** Records the undo of a step just done. */
  record(what: string, undo: () => Promise<void> | void): void {
    this.steps.push({ what, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Undoes every step, newest first; returns the undos that failed (the rest still ran). */
  async rollback(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.steps.length) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (err) {
        errors.push(new Error(`undo ${step.what}: ${(err as Error).message}`));
      }
    }
    return errors;
  }

  /** The operation succeeded: nothing to undo. */
  forget(): void {
    this.steps.length = 0;
  }
}

/**
 * Runs `body` with a fresh undo log; on failure rolls back and rethrows the
 * original error (with the undo failures appended, when any).
 */
export async function withRollback<T>(body: (undo: UndoLog) => Promise<T>): Promise<T> {
  const undo = new UndoLog();
  try {
    const result = await body(undo);
    undo.forget();
    return result;
  } catch (err) {
    const undoErrors = await undo.rollback();
    if (undoErrors.length && err instanceof Error) err.message += `; rolling back also failed: ${undoErrors.map((e) => e.message).join('; ')}`;
    throw err;
  }
}

/** Runs every task even when some fail; throws one TeardownError listing all failures. */
export async function teardownAll(what: string, tasks: Array<[string, () => Promise<void> | void]>): Promise<void> {
  const errors: Error[] = [];
  for (const [step, task] of tasks) {
    try {
      await task();
    } catch (err) {
      errors.push(new Error(`${step}: ${(err as Error).message}`));
    }
  }
  if (errors.length) throw new TeardownError(what, errors);
}

/**
 * Test-only hooks at named steps: NETPLUMB_FAULT=STEP throws there (the
 * command rolls back); NETPLUMB_CRASH=STEP kills the process there with
 * SIGKILL (nothing rolls back: what is left is for `netplumb gc`).
 */
export function faultPoint(step: string): void {
  if (process.env.NETPLUMB_CRASH === step) process.kill(process.pid, 'SIGKILL');
  if (process.env.NETPLUMB_FAULT === step) throw new Error(`injected fault at step ${step} (NETPLUMB_FAULT)`);
}
