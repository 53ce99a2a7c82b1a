// A long-running `netplumb` command (events, stats) driven from a test: its
// output read line by line as it comes, waited for, and ended with a signal.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as readline from 'readline';
import { CLI } from './cli';

export class CliStream {
  readonly lines: string[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => child.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w();
      resolve(code);
    }));
  }

  /** Starts `netplumb ARGS...`. */
  static start(args: string[]): CliStream {
    return new CliStream(spawn(process.execPath, [CLI, ...args], { stdio: 'pipe' }));
  }

  /** Waits until some line satisfies `test` (or the command exits, or the time is up: then it throws). */
  async waitFor(test: (line: string) => boolean, what: string, timeoutMs = 15000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(test);
      if (hit !== undefined) return hit;
      if (this.child.exitCode !== null) throw new Error(`netplumb exited (${this.child.exitCode}) before ${what}; stderr: ${this.stderr.trim()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.lines.length} lines; stderr: ${this.stderr.trim()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** Sends a signal and returns the exit status. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** The exit status, once it exits by itself. */
  exit(): Promise<number | null> {
    return this.exited;
  }
}
