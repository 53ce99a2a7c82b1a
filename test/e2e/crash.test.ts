// Crash consistency: real `kill -9` of the netplumb CLI at random moments of
// create, run, rm, network connect/disconnect/create/rm; afterwards either
// `netplumb gc`, or the next mutating command, brings kernel and store back
// into agreement, as an independent checker (the SQLite file read directly,
// `ip -j`, `ip netns`, mountinfo, the files, `nft -j`) sees them: no leaked
// link, namespace, mount, file, address lease, name or record.
//
// Every run does 20 seeded kills (about a minute); the stress mode does 200
// with a random seed:  NETPLUMB_STRESS=1 npm test -- --grep crash
// (NETPLUMB_STRESS_KILLS=N and NETPLUMB_STRESS_SEED=S choose the count and
// the seed; a failure names both, to replay it).
import * as assert from 'assert';
import { spawn } from 'child_process';
import { requireSandbox } from '../helpers/sandbox';
import { CLI, np, npOk, snapshot } from '../helpers/cli';
import { checkConsistency, readStore } from '../helpers/consistency';

const STRESS = !!process.env.NETPLUMB_STRESS;
const KILLS = Number(process.env.NETPLUMB_STRESS_KILLS ?? (STRESS ? 200 : 20));
const SEED = Number(process.env.NETPLUMB_STRESS_SEED ?? (STRESS ? Date.now() % 2 ** 31 : 9009));

/** A small seeded generator (mulberry32): the same seed gives the same kills. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome { killed: boolean; ms: number; status: number | null }

/** Starts `netplumb ARGS...` and SIGKILLs it after `delay` ms unless it has ended. */
function runAndKill(args: string[], delay: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => { killed = child.kill('SIGKILL'); }, delay);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ killed: killed && status === null, ms: Date.now() - started, status });
    });
  });
}

const NAMES = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
const MAIN = 'crashnet';
const SECOND = 'crashnet2';
const SPARE = 'crashnet3';

type Op = { label: string; args: string[] };

/** The kinds of command killed, in turn. */
const KINDS = ['create', 'network connect', 'network disconnect', 'rm -f', 'run -d', 'network create', 'network rm', 'run --rm'] as const;
type Kind = typeof KINDS[number];

/**
 * A command of this kind, on names chosen at random among those it can act
 * on (read straight from the store); what it needs is made first, without a
 * kill (a sandbox to remove or connect, a connection to undo, a spare network).
 */
function prepareOp(kind: Kind, rand: () => number): Op {
  const pick = <T>(list: T[]) => list[Math.floor(rand() * list.length)];
  const state = () => {
    const store = readStore();
    const byName = new Map(store.sandboxes.map((s) => [s.name, s]));
    const second = store.networks.find((n) => n.name === SECOND)!;
    const present = NAMES.filter((n) => byName.has(n));
    const onSecond = present.filter((n) => store.endpoints.some((e) => e.sandboxId === byName.get(n)!.id && e.networkId === second.id));
    return { absent: NAMES.filter((n) => !byName.has(n)), present, onSecond, offSecond: present.filter((n) => !onSecond.includes(n)), spare: store.networks.some((n) => n.name === SPARE) };
  };
  let st = state();
  const needSandbox = () => { if (!st.present.length) { npOk('create', '--name', pick(st.absent), '--net', MAIN); st = state(); } };
  switch (kind) {
    case 'create':
    case 'run -d':
    case 'run --rm': {
      if (!st.absent.length) { npOk('rm', '-f', pick(st.present)); st = state(); }
      const name = pick(st.absent);
      if (kind === 'create') return { label: kind, args: ['create', '--name', name, '--net', MAIN, ...(rand() < 0.3 ? ['--net', SECOND] : [])] };
      if (kind === 'run -d') return { label: kind, args: ['run', '-d', '--name', name, '--net', MAIN, '--', 'sleep', '600'] };
      return { label: kind, args: ['run', '--rm', '--name', name, '--net', MAIN, '--', 'true'] };
    }
    case 'rm -f':
      needSandbox();
      return { label: kind, args: ['rm', '-f', pick(st.present)] };
    case 'network connect':
      needSandbox();
      if (!st.offSecond.length) { npOk('network', 'disconnect', SECOND, pick(st.onSecond)); st = state(); }
      return { label: kind, args: ['network', 'connect', SECOND, pick(st.offSecond)] };
    case 'network disconnect':
      needSandbox();
      if (!st.onSecond.length) { npOk('network', 'connect', SECOND, pick(st.offSecond)); st = state(); }
      return { label: kind, args: ['network', 'disconnect', SECOND, pick(st.onSecond)] };
    case 'network create':
      if (st.spare) npOk('network', 'rm', SPARE);
      return { label: kind, args: ['network', 'create', '--subnet', '10.93.0.0/24', SPARE] };
    case 'network rm':
      if (!st.spare) npOk('network', 'create', '--subnet', '10.93.0.0/24', SPARE);
      return { label: kind, args: ['network', 'rm', SPARE] };
  }
}

describe('e2e: kill -9 at random moments, then gc or the next command', function () {
  this.timeout(0);
  let initial = '';

  before(function () {
    requireSandbox(this);
    initial = snapshot();
    npOk('network', 'create', '--subnet', '10.91.0.0/24', MAIN);
    npOk('network', 'create', '--subnet', '10.92.0.0/24', SECOND);
  });
  after(function () {
    if (!initial) return;
    for (const name of NAMES) np(['rm', '-f', name]);
    np(['rm', '-f', 'probe']);
    for (const net of [MAIN, SECOND, SPARE]) np(['network', 'rm', net]);
  });

  it(`${KILLS} kills (seed ${SEED}) each leave kernel and store in agreement once repaired`, async () => {
    const rand = prng(SEED);
    // How long a command takes: kills land between the end of Node's start-up and the end of the command.
    const t0 = Date.now();
    npOk('--version');
    const startup = Date.now() - t0;
    const typical = new Map<string, number>();
    let kills = 0;
    const byOp = new Map<string, number>();
    for (let i = 0; kills < KILLS && i < KILLS * 10; i++) {
      const op = prepareOp(KINDS[kills % KINDS.length], rand);
      // The machine's load changes while the test runs: the window follows the command's last run, and starts
      // no later than half-way through it (a start-up measured on a busier moment must not push every kill past the end).
      const span = typical.get(op.label) ?? startup * 3;
      const low = Math.min(startup * 0.7, span * 0.5);
      const delay = Math.round(low + rand() * Math.max(50, span - low));
      const outcome = await runAndKill(op.args, delay);
      if (!outcome.killed) {
        typical.set(op.label, outcome.ms);
        continue;
      }
      kills++;
      byOp.set(op.label, (byOp.get(op.label) ?? 0) + 1);
      const where = `seed ${SEED}, kill ${kills}: \`netplumb ${op.args.join(' ')}\` killed after ${delay} ms`;
      if (kills % 2 === 0) {
        const report = np(['gc']);
        assert.strictEqual(report.status, 0, `${where}; gc failed: ${report.stderr}`);
        assert.deepStrictEqual(checkConsistency(), [], `${where}; gc said:\n${report.stdout}`);
      } else {
        // The next mutating command repairs the store and kernel by itself (its quick reconcile);
        // hosts files of other networks are gc's, so they are checked after the gc below.
        const r = np(['create', '--name', 'probe', '--net', MAIN]);
        assert.strictEqual(r.status, 0, `${where}; the next command failed: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /warning/, `${where}: ${r.stderr}`);
        npOk('rm', 'probe');
        const problems = checkConsistency().filter((p) => !/hosts (lacks|lists)/.test(p));
        assert.deepStrictEqual(problems, [], where);
        assert.strictEqual(np(['gc']).status, 0);
        assert.deepStrictEqual(checkConsistency(), [], `${where}; after gc`);
      }
    }
    console.log(`      kills by command: ${[...byOp].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    assert.strictEqual(kills, KILLS, `only ${kills} of ${KILLS} commands were still running when their kill came`);
    // Every kind of command was killed (8 kinds, in turn).
    for (const kind of KINDS.slice(0, Math.min(KILLS, KINDS.length))) assert.ok(byOp.get(kind), `no kill landed in ${kind}: ${JSON.stringify([...byOp])}`);
  });

  it('and everything can still be removed, leaving the machine as it was', () => {
    for (const name of NAMES) np(['rm', '-f', name]);
    for (const net of [MAIN, SECOND, SPARE]) np(['network', 'rm', net]);
    npOk('gc');
    assert.deepStrictEqual(checkConsistency(), []);
    assert.strictEqual(snapshot(), initial);
  });
});
