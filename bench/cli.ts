// Measurements 4 and 5: the CLI as a user runs it, timed around each process.
//  4. wall time of `netplumb network create` / `network rm`, and of
//     `netplumb run --rm --net NET -- true` (with `-p` when this build can
//     publish), against `node -e 0` (what starting Node alone costs); create
//     and rm again with NETPLUMB_COMPILE_CACHE=0 (every module compiled from
//     source: what the CLI's code cache saves);
//  5. 10 and 50 concurrent `netplumb create --net NET`: total wall time, and
//     every sandbox's address read back through `ip -j addr` (no address
//     handed out twice).
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { REPO } from './peers';
import { monotonicNs, run } from './proc';
import { spread, type Spread } from './spread';

const CLI = path.join(REPO, 'dist/src/cli/main.js');

export interface CliRow { what: string; runs: number; ms?: Spread; skipped?: string; note?: string }
export interface ConcurrencyRow { concurrent: number; totalMs: number; perSandboxMs: number; addresses: number; distinct: number }

function netplumb(args: string[]): { status: number; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status ?? 1, stderr: r.stderr, stdout: r.stdout };
}

function timed(cmd: string, args: string[], what: string, env?: NodeJS.ProcessEnv): number {
  const t0 = monotonicNs();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env && { ...process.env, ...env } });
  const ns = monotonicNs() - t0;
  if (r.status !== 0) throw new Error(`${what}: exited ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`);
  return ns;
}

/** Measurement 4: median wall time of each command over `runs` runs, interleaved. */
export function measureCli(runs: number): CliRow[] {
  const node = process.execPath;
  const times = { node: [] as number[], create: [] as number[], rm: [] as number[], createCold: [] as number[], rmCold: [] as number[], run: [] as number[], runP: [] as number[] };
  const noCache = { NETPLUMB_COMPILE_CACHE: '0' };
  let publishSkip: string | undefined;
  // A network for run: created once, untimed.
  run(node, [CLI, 'network', 'create', '--subnet', '10.221.0.0/24', 'benchrun']);
  for (let r = 0; r < runs; r++) {
    times.node.push(timed(node, ['-e', '0'], 'node -e 0'));
    times.create.push(timed(node, [CLI, 'network', 'create', '--subnet', '10.220.0.0/24', 'benchcli'], 'netplumb network create'));
    times.rm.push(timed(node, [CLI, 'network', 'rm', 'benchcli'], 'netplumb network rm'));
    times.createCold.push(timed(node, [CLI, 'network', 'create', '--subnet', '10.220.0.0/24', 'benchcli'], 'netplumb network create', noCache));
    times.rmCold.push(timed(node, [CLI, 'network', 'rm', 'benchcli'], 'netplumb network rm', noCache));
    times.run.push(timed(node, [CLI, 'run', '--rm', '--net', 'benchrun', '--', 'true'], 'netplumb run --rm'));
    if (publishSkip === undefined) {
      const t0 = monotonicNs();
      const p = netplumb(['run', '--rm', '--net', 'benchrun', '-p', '18080:80', '--', 'true']);
      const ns = monotonicNs() - t0;
      if (p.status === 0) times.runP.push(ns);
      else publishSkip = `refused by this build: ${p.stderr.trim().split('\n').pop()}`;
    }
  }
  run(node, [CLI, 'network', 'rm', 'benchrun']);
  // Nothing left behind: no sandbox namespaces, no bridges of ours.
  const left = run('ip', ['netns', 'list']).trim();
  if (left) throw new Error(`netplumb run --rm left namespaces behind: ${left}`);
  const ms = (xs: number[]) => spread(xs.map((x) => x / 1e6));
  const rows: CliRow[] = [
    { what: 'node -e 0 (Node starting, for reference)', runs, ms: ms(times.node) },
    { what: 'netplumb network create', runs, ms: ms(times.create) },
    { what: 'netplumb network rm', runs, ms: ms(times.rm) },
    { what: 'netplumb network create, NETPLUMB_COMPILE_CACHE=0', runs, ms: ms(times.createCold) },
    { what: 'netplumb network rm, NETPLUMB_COMPILE_CACHE=0', runs, ms: ms(times.rmCold) },
    { what: 'netplumb run --rm --net NET -- true', runs, ms: ms(times.run) },
  ];
  rows.push(publishSkip
    ? { what: 'netplumb run --rm --net NET -p 18080:80 -- true', runs: 0, skipped: publishSkip }
    : { what: 'netplumb run --rm --net NET -p 18080:80 -- true', runs, ms: ms(times.runP) });
  return rows;
}

function startCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/** Measurement 5: `count` concurrent creates on one network; addresses read back with ip -j. */
export async function measureConcurrentCreates(count: number): Promise<ConcurrencyRow> {
  const node = process.execPath;
  run(node, [CLI, 'network', 'create', '--subnet', '10.222.0.0/24', 'benchconc']);
  const names = Array.from({ length: count }, (_, i) => `cc${count}-${i}`);
  try {
    const t0 = monotonicNs();
    const results = await Promise.all(names.map((name) => startCli(['create', '--net', 'benchconc', '--name', name])));
    const totalNs = monotonicNs() - t0;
    const failed = results.map((r, i) => [names[i], r] as const).filter(([, r]) => r.status !== 0);
    if (failed.length) throw new Error(`${failed.length} of ${count} concurrent creates failed; first: ${failed[0][0]}: ${failed[0][1].stderr.trim()}`);
    // The oracle: each sandbox's address as the kernel has it.
    const addresses = names.map((name) => {
      const links = JSON.parse(run('ip', ['-n', name, '-j', '-4', 'addr', 'show', 'eth0'])) as Array<{ addr_info: Array<{ local: string }> }>;
      return links[0]?.addr_info[0]?.local;
    });
    if (addresses.some((a) => !a)) throw new Error(`a sandbox has no IPv4 address on eth0: ${names[addresses.findIndex((a) => !a)]}`);
    const distinct = new Set(addresses).size;
    return { concurrent: count, totalMs: totalNs / 1e6, perSandboxMs: totalNs / 1e6 / count, addresses: addresses.length, distinct };
  } finally {
    await Promise.all(names.map((name) => startCli(['rm', '-f', name])));
    run(node, [CLI, 'network', 'rm', 'benchconc']);
  }
}
