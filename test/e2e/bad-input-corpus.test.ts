// Bad input, generated (fast-check): more than a thousand malformed command
// lines (odd bytes in names, over-long names, bad CIDRs, addresses, ports,
// MTUs, options, unknown flags, networks and sandboxes) run through the CLI's
// in-process entry point (runCli), a sample of them as real processes, and
// malformed calls of the library API. Each must end in exit 1 or 2 (or a typed
// error) with one clear line and no stack trace, and change nothing: the
// SQLite file is compared after every invocation, the kernel (`ip -j`, `ip
// netns`, `nft -j`) and the runtime files every 50 and at the end. No call may
// start a shell.
import * as assert from 'assert';
import * as childProcess from 'child_process';
import * as fs from 'fs';
import fc from 'fast-check';
import { isIP } from 'net';
import { requireSandbox } from '../helpers/sandbox';
import { CLI, np, npOk } from '../helpers/cli';
import { kernelState } from '../helpers/kernel-state';
import { readStore } from '../helpers/consistency';
import { runCli } from '../../src/cli/main';
import { Runtime } from '../../src/net/runtime';
import { createNetwork, removeNetwork } from '../../src/net/network';
import { createSandbox, removeSandbox } from '../../src/net/sandbox';
import { connectNetwork, disconnectNetwork } from '../../src/net/connect';
import { NetplumbError } from '../../src/net/errors';
import { NetlinkError } from '../../src/errors';

// ---------------------------------------------------------------------------
// What is valid, decided here independently of netplumb: generators only
// yield values these reject, so every invocation must fail.
const NAME_OK = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
function octetsOk(parts: string[]): boolean {
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}
function maybeValidIpv4(s: string): boolean {
  return octetsOk(s.split('.'));
}
function maybeValidCidr(s: string): boolean {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s);
  return !!m && maybeValidIpv4(m[1]) && Number(m[2]) <= 32;
}
function maybeValidPort(s: string): boolean {
  const m = /^(?:([^:]+):)?(?:(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(tcp|udp|sctp))?$/.exec(s);
  if (!m) return false;
  if (m[1] !== undefined && !maybeValidIpv4(m[1])) return false;
  const nums = [m[2], m[3]].filter(Boolean).flatMap((x) => x!.split('-')).map(Number);
  return nums.every((n) => n >= 1 && n <= 65535);
}

const ODD = ['\u0000', '\n', '\t', ' ', '/', '\\', '$', '`', ';', '|', '&', '*', '?', '"', "'", '(', ')', '<', '>', '~', '%', ':', '@', '#', 'é', '\u202e', '🦀', '\u00ff', '..', '-'];
const oddChar = fc.constantFrom(...ODD);
const plain = fc.stringMatching(/^[a-z0-9]{0,12}$/);
/** A name with at least one character names may not have, or starting with one that may not start them. */
const oddName = fc.tuple(plain, oddChar, plain, fc.array(oddChar, { maxLength: 3 })).map(([a, o, b, more]) => `${a}${o}${b}${more.join('')}`)
  .filter((s) => !NAME_OK.test(s));
const longName = fc.integer({ min: 65, max: 4000 }).map((n) => 'n'.repeat(n));
const badName = fc.oneof(oddName, longName, fc.constant(''));
const ghost = fc.stringMatching(/^[a-z][a-z0-9]{3,10}$/).map((s) => `ghost-${s}`);
const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.stringMatching(/^[0-9./:-]{1,20}$/), fc.constantFrom('::1', 'fe80::1/64', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/', '/24', '-1'));
/** A subnet a network could be made with: dotted quad, /8 to /30, host bits zero. */
function cidrUsable(s: string): boolean {
  if (!maybeValidCidr(s)) return false;
  const [ip, len] = s.split('/');
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return Number(len) <= 30 && n % 2 ** (32 - Number(len)) === 0;
}
const badCidr = fc.oneof(junk,
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 99 })).map(([a, l]) => `10.${a}.0.0/${l}`),
  fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 8, max: 23 })).map(([h, l]) => `10.77.0.${h}/${l}`))
  .filter((s) => !cidrUsable(s));
const badIp = junk.filter((s) => !maybeValidIpv4(s));
const badPort = fc.oneof(junk, fc.integer({ min: 65536, max: 10 ** 7 }).map(String), fc.constantFrom('0', '80:0', '0:0', '80/icmp', '1-5:1-3', '80-70', 'a:b', '1.2.3.4::'))
  .filter((s) => !maybeValidPort(s));
const badMtu = fc.oneof(fc.string({ maxLength: 8 }).filter((s) => !/^\d+$/.test(s)), fc.integer({ min: 0, max: 67 }).map(String), fc.integer({ min: 65536, max: 10 ** 9 }).map(String));
const unknownFlag = fc.stringMatching(/^[a-z]{3,12}$/).filter((s) => !['name', 'net', 'network', 'hostname', 'help', 'json', 'quiet', 'force', 'subnet', 'gateway', 'driver', 'internal', 'detach', 'debug', 'version', 'format', 'output', 'filter', 'since', 'until', 'interval', 'stream', 'alias', 'link', 'publish', 'dns', 'opt'].includes(s)).map((s) => `--${s}`);

/** The existing network every sandbox-level invocation names, so that only the bad value can be what fails. */
const NET = 'corpusnet';
const SUBNET = '10.88.0.0/24';

const invocation: fc.Arbitrary<string[]> = fc.oneof<fc.Arbitrary<readonly string[]>[]>(
  badName.map((n) => ['network', 'create', '--subnet', '10.89.0.0/24', n]),
  fc.constantFrom('host', 'none', 'bridge', 'default', NET).map((n) => ['network', 'create', '--subnet', '10.89.0.0/24', n]),
  badCidr.map((c) => ['network', 'create', '--subnet', c, 'okname']),
  fc.constant(['network', 'create', '--subnet', '10.88.0.0/16', 'overlapping']),
  badIp.map((g) => ['network', 'create', '--subnet', '10.89.0.0/24', '--gateway', g, 'okname']),
  badCidr.map((r) => ['network', 'create', '--subnet', '10.89.0.0/24', '--ip-range', r, 'okname']),
  badMtu.map((m) => ['network', 'create', '--subnet', '10.89.0.0/24', '--mtu', m, 'okname']),
  fc.stringMatching(/^[a-z.]{1,20}(=[a-z0-9]{0,5})?$/).filter((o) => !o.startsWith('com.docker.network.')).map((o) => ['network', 'create', '--subnet', '10.89.0.0/24', '-o', o, 'okname']),
  fc.string({ maxLength: 10 }).filter((s) => !s.includes('=') || s.startsWith('=')).map((a) => ['network', 'create', '--subnet', '10.89.0.0/24', '--aux-address', a, 'okname']),
  fc.stringMatching(/^[a-z]{2,8}$/).filter((d) => d !== 'bridge' && d !== 'macvlan').map((d) => ['network', 'create', '-d', d, 'okname']),
  badName.map((n) => ['create', '--name', n, '--net', NET]),
  badName.filter((n) => n.length < 200 && n !== '').map((h) => ['create', '--name', 'okbox', '--net', NET, '--hostname', h]),
  badIp.map((ip) => ['create', '--name', 'okbox', '--net', NET, '--ip', ip]),
  fc.constantFrom('10.88.0.1', '10.88.0.0', '10.88.0.255', '10.99.0.5').map((ip) => ['create', '--name', 'okbox', '--net', NET, '--ip', ip]),
  badPort.map((p) => ['create', '--name', 'okbox', '--net', NET, '-p', p]),
  badIp.filter((d) => !isIP(d)).map((d) => ['create', '--name', 'okbox', '--net', NET, '--dns', d]),
  fc.oneof(junk.filter((s) => !s.includes(':')), fc.constantFrom('host:', ':1.2.3.4', 'h:1.2.3', 'h:1.2.3.4.5', 'bad host:1.2.3.4')).map((h) => ['create', '--name', 'okbox', '--net', NET, '--add-host', h]),
  fc.constantFrom('a:b:c', ':x', '').map((l) => ['create', '--name', 'okbox', '--net', NET, '--link', l]),
  oddName.map((a) => ['create', '--name', 'okbox', '--net', NET, '--network-alias', a]),
  ghost.map((g) => ['create', '--name', 'okbox', '--net', g]),
  ghost.map((g) => ['create', '--name', 'okbox', '--net', `container:${g}`]),
  fc.constantFrom('host', 'none').map((m) => ['create', '--name', 'okbox', '--net', m, '--net', NET]),
  ghost.map((g) => ['run', '--name', 'okbox', '--net', g, '--', 'true']),
  badName.filter((n) => n.length < 300).map((n) => ['run', '--name', n, '--net', NET, '--', 'true']),
  ghost.map((g) => ['rm', '-f', g]),
  ghost.map((g) => ['exec', g, '--', 'true']),
  ghost.map((g) => ['inspect', g]),
  ghost.map((g) => ['port', g]),
  ghost.map((g) => ['network', 'rm', g]),
  ghost.map((g) => ['network', 'inspect', g]),
  ghost.map((g) => ['network', 'connect', g, 'holder']),
  ghost.map((g) => ['network', 'connect', NET, g]),
  ghost.map((g) => ['network', 'disconnect', NET, g]),
  fc.constant(['network', 'connect', NET, 'holder']),
  fc.constant(['network', 'rm', NET]),
  fc.constant(['network', 'rm', 'bridge']),
  fc.stringMatching(/^[a-z ]{1,12}$/).filter((s) => Number.isNaN(Date.parse(s)) && !/^\d/.test(s)).map((t) => ['events', '--since', `x${t}`]),
  fc.stringMatching(/^[a-z]{1,8}$/).filter((f) => !['svg', 'dot', 'mermaid'].includes(f)).map((f) => ['graph', '--format', f]),
  fc.tuple(fc.constantFrom(['create'], ['ps'], ['gc'], ['network', 'ls'], ['network', 'create', 'okname'], ['rm', 'x']), unknownFlag).map(([cmd, f]) => [...cmd, f]),
  fc.stringMatching(/^[a-z]{3,10}$/).filter((c) => !['create', 'run', 'exec', 'ps', 'inspect', 'rm', 'port', 'gc', 'stats', 'events', 'graph', 'demo', 'network', 'help'].includes(c)).map((c) => [c]),
  fc.constantFrom(['network', 'create'], ['create', '--name'], ['rm'], ['exec', 'holder'], ['network', 'connect', NET], ['run', '--name', 'x']),
).map((argv) => [...argv]);

// ---------------------------------------------------------------------------
interface Captured { status: number; stdout: string; stderr: string }

/** Runs runCli with stdout and stderr captured (and a deadline: no bad input may hang). */
async function inProcess(argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  (process.stdout as { write: unknown }).write = (chunk: string | Uint8Array) => { stdout += chunk.toString(); return true; };
  (process.stderr as { write: unknown }).write = (chunk: string | Uint8Array) => { stderr += chunk.toString(); return true; };
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await Promise.race([
      runCli(argv),
      new Promise<number>((_, reject) => { timer = setTimeout(() => reject(new Error(`netplumb ${JSON.stringify(argv)} did not end within 20 s`)), 20000); }),
    ]);
    return { status, stdout, stderr };
  } finally {
    clearTimeout(timer);
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function storeState(): string {
  return JSON.stringify(readStore());
}

function runtimeFiles(): string {
  const list = (d: string) => { try { return fs.readdirSync(d).sort(); } catch { return []; } };
  return JSON.stringify({ netns: list('/run/netns'), ns: list('/run/netplumb/ns'), markers: list('/run/netplumb/sandboxes'), etc: list('/etc/netns') });
}

/** The ruleset, less its counters (the guard counts the sandboxes' own IPv6 neighbour discovery). */
function nftState(): string {
  const r = childProcess.spawnSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.replace(/"counter":\s*\{[^}]*\}/g, '"counter"') : '';
}

/** Kernel state less the IPv6 link-local local routes, which the kernel drops and adds again by itself. */
function kernelOnly(): string {
  const k = JSON.parse(kernelState(undefined)) as Record<string, Array<{ dst?: string; type?: string }>>;
  for (const key of ['routes', 'routes6']) k[key] = k[key].filter((r) => !(r.type === 'local' && r.dst?.startsWith('fe80:')));
  return JSON.stringify(k);
}

/** Where two states first differ, with some context (the whole states are too long to read). */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `at ${i}:\n  was ${JSON.stringify(a.slice(Math.max(0, i - 150), i + 150))}\n  now ${JSON.stringify(b.slice(Math.max(0, i - 150), i + 150))}`;
}

function worldState(): string {
  return `${kernelOnly()}\n${runtimeFiles()}\n${nftState()}\n${storeState()}`;
}

/** One malformed invocation's outcome: exit 1 or 2, exactly one `netplumb: ...` line, no trace of an internal failure. */
function assertRefused(argv: string[], r: Captured): void {
  const what = `netplumb ${JSON.stringify(argv)}`;
  assert.ok(r.status === 1 || r.status === 2, `${what} exited ${r.status}: ${r.stderr}${r.stdout}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.strictEqual(lines.length, 1, `${what}: expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^netplumb: \S/, `${what}: ${lines[0]}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |TypeError|ReferenceError|Cannot read prop|is not a function|undefined|\[object Object\]/, `${what}: ${r.stderr}`);
}

/** Records every child_process call made while `body` runs: none may start a shell. */
async function watchingChildProcesses<T>(body: () => Promise<T>): Promise<{ result: T; calls: Array<{ fn: string; file: string; shell: unknown }> }> {
  const calls: Array<{ fn: string; file: string; shell: unknown }> = [];
  // The module object itself (an `import *` namespace is read-only): the product reads its functions from it at each call.
  const mod = require('child_process') as Record<string, (...a: unknown[]) => unknown>;
  const names = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'];
  const saved = new Map(names.map((n) => [n, mod[n]]));
  for (const n of names) {
    const original = saved.get(n)!;
    mod[n] = function (this: unknown, ...args: unknown[]) {
      const opts = args.find((a, i) => i > 0 && a && typeof a === 'object' && !Array.isArray(a)) as { shell?: unknown } | undefined;
      calls.push({ fn: n, file: String(args[0]), shell: n === 'exec' || n === 'execSync' ? true : opts?.shell });
      return original.apply(this, args);
    };
  }
  try {
    return { result: await body(), calls };
  } finally {
    for (const n of names) mod[n] = saved.get(n)!;
  }
}

describe('e2e: a generated corpus of bad input changes nothing', function () {
  this.timeout(0);

  before(async function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', SUBNET, NET);
    npOk('create', '--name', 'holder', '--net', NET);
    // The kernel takes a moment to bring a new bridge and its port to operstate UP: let it, before the states are compared.
    for (let i = 0; i < 200; i++) {
      const links = JSON.parse(childProcess.spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }).stdout) as Array<{ ifname: string; operstate: string }>;
      if (links.filter((l) => l.ifname !== 'lo').every((l) => l.operstate === 'UP')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  after(function () {
    np(['rm', '-f', 'holder', 'okbox']);
    np(['network', 'rm', NET]);
  });

  it('1,200 malformed command lines through the in-process entry point: exit 1 or 2, one line, nothing changed, no shell', async () => {
    const corpus = fc.sample(invocation, { numRuns: 1200, seed: 4242 });
    const before = worldState();
    let store = storeState();
    const tally = new Map<number, number>();
    const kinds = new Set<string>();
    const { calls } = await watchingChildProcesses(async () => {
      for (let i = 0; i < corpus.length; i++) {
        const argv = corpus[i];
        const r = await inProcess(argv);
        assertRefused(argv, r);
        tally.set(r.status, (tally.get(r.status) ?? 0) + 1);
        kinds.add(r.stderr.replace(/"[^"]*"|'[^']*'|\S*\d\S*/g, '_').slice(0, 40));
        const now = storeState();
        if (now !== store) assert.fail(`netplumb ${JSON.stringify(argv)} changed the store ${firstDifference(store, now)}`);
        store = now;
        if (i % 50 === 49) {
          const world = worldState();
          if (world !== before) assert.fail(`the kernel or files changed by invocation ${i - 49}..${i} (last: ${JSON.stringify(argv)}) ${firstDifference(before, world)}`);
        }
      }
    });
    console.log(`      exit 1: ${tally.get(1) ?? 0}, exit 2: ${tally.get(2) ?? 0}; ${kinds.size} kinds of message; ${calls.length} child processes started, none through a shell`);
    assert.ok(kinds.size >= 30, `the corpus reaches only ${kinds.size} kinds of error`);
    assert.strictEqual(worldState(), before);
    for (const c of calls) assert.ok(!c.shell, `${c.fn}(${c.file}) started a shell`);
    for (const c of calls) assert.doesNotMatch(c.file, /(^|\/)(ba|da|z)?sh$/, `${c.fn}(${c.file}) ran a shell`);
  });

  it('a sample of 25 as real processes: the same outcome', () => {
    const corpus = fc.sample(invocation, { numRuns: 200, seed: 77 }).filter((a) => !a.some((x) => x.includes('\u0000'))).slice(0, 25);
    const before = worldState();
    for (const argv of corpus) {
      const r = childProcess.spawnSync(process.execPath, [CLI, ...argv], { encoding: 'utf8', timeout: 30000 });
      assertRefused(argv, { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr });
    }
    assert.strictEqual(worldState(), before);
  });

  it('400 malformed library calls: a typed error each (NetplumbError, TypeError, RangeError, NetlinkError), nothing changed', async () => {
    const rt = Runtime.open({ warn: () => undefined });
    const anything = fc.anything({ maxDepth: 2 });
    const call = fc.oneof(
      fc.tuple(fc.oneof(badName, anything), badCidr).map(([name, subnet]) => ({ fn: 'createNetwork', args: [{ name, subnet }] })),
      fc.tuple(anything, anything).map(([name, internal]) => ({ fn: 'createNetwork', args: [{ name, subnet: 'not-a-subnet', internal }] })),
      fc.tuple(badCidr, anything).map(([subnet, mtu]) => ({ fn: 'createNetwork', args: [{ name: 'apinet', subnet, mtu }] })),
      // networks is never left out (that would mean the default network: a valid call).
      fc.tuple(fc.oneof(badName, anything), fc.oneof(anything.filter((v) => v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))), ghost.map((g) => [g])))
        .map(([name, networks]) => ({ fn: 'createSandbox', args: [{ name, networks }] })),
      fc.tuple(anything, badIp).map(([hostname, ip]) => ({ fn: 'createSandbox', args: [{ name: 'apibox', networks: [NET], ip, hostname }] })),
      anything.filter((o) => !(o && typeof o === 'object' && !Array.isArray(o))).map((o) => ({ fn: 'createSandbox', args: [o] })),
      fc.tuple(fc.oneof(ghost, anything), fc.oneof(ghost, anything)).map(([a, b]) => ({ fn: 'connectNetwork', args: [a, b] })),
      fc.tuple(fc.oneof(ghost, anything), fc.oneof(ghost, anything)).map(([a, b]) => ({ fn: 'disconnectNetwork', args: [a, b] })),
      fc.oneof(ghost, anything).map((a) => ({ fn: 'removeSandbox', args: [a] })),
      fc.oneof(ghost, anything).map((a) => ({ fn: 'removeNetwork', args: [a] })),
    );
    const fns: Record<string, (...a: any[]) => Promise<unknown>> = {
      createNetwork: (o) => createNetwork(rt, o), createSandbox: (o) => createSandbox(rt, o),
      connectNetwork: (a, b) => connectNetwork(rt, a, b), disconnectNetwork: (a, b) => disconnectNetwork(rt, a, b),
      removeSandbox: (a) => removeSandbox(rt, a), removeNetwork: (a) => removeNetwork(rt, a),
    };
    const before = worldState();
    try {
      for (const c of fc.sample(call, { numRuns: 400, seed: 99 })) {
        const what = `${c.fn}(${JSON.stringify(c.args, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))})`;
        let error: unknown;
        try {
          await fns[c.fn](...c.args);
        } catch (err) {
          error = err;
        }
        assert.ok(error, `${what} succeeded`);
        assert.ok(error instanceof NetplumbError || error instanceof TypeError || error instanceof RangeError || error instanceof NetlinkError, `${what} threw ${String(error)}`);
        assert.doesNotMatch((error as Error).message, /Cannot read prop|is not a function|is not iterable|Cannot convert/, `${what}: ${(error as Error).message}`);
        assert.doesNotMatch((error as Error).message, /\n/, `${what}: more than one line`);
      }
    } finally {
      await rt.close();
    }
    assert.strictEqual(worldState(), before);
  });
});
