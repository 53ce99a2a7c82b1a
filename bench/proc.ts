// Running the peers: commands whose failure stops the benchmark with the
// command's own words, and long-lived drivers spoken to line by line.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import * as readline from 'readline';

/** Runs a command to completion; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: options.input, env: options.env, maxBuffer: 256 << 20 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** A child process read line by line. */
export class LineProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | undefined;
  private ended = false;
  private stderr = '';
  readonly exited: Promise<number>;

  constructor(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    const rl = readline.createInterface({ input: this.child.stdout });
    rl.on('line', (line) => this.push(line));
    rl.on('close', () => { this.ended = true; this.push(null); });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? 1)));
    this.child.stdin.on('error', () => undefined);
  }

  private push(line: string | null): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w(line);
    } else if (line !== null) {
      this.lines.push(line);
    }
  }

  /** The next line; throws (with stderr) when the process ended instead. */
  async nextLine(what: string): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return queued;
    const line = this.ended ? null : await new Promise<string | null>((resolve) => { this.waiting = resolve; });
    if (line === null) {
      const code = await this.exited;
      throw new Error(`${what}: exited ${code} before answering: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    return line;
  }

  async nextJson<T>(what: string): Promise<T> {
    const line = await this.nextLine(what);
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new Error(`${what}: expected JSON, got ${JSON.stringify(line)}`);
    }
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  endInput(): void {
    this.child.stdin.end();
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** CLOCK_MONOTONIC in nanoseconds, as the drivers and the floor report it. */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}
