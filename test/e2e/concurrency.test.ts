// Concurrency: 50 `netplumb create` at once on one network, then 50 `rm` at
// once. Each command succeeds or fails cleanly (one line, exit 1); no address
// or name is handed out twice; store and kernel agree afterwards, as the
// independent checker sees them, and every sandbox's hosts file lists all the others.
import * as assert from 'assert';
import { spawn } from 'child_process';
import { requireSandbox } from '../helpers/sandbox';
import { CLI, ipj, np, npOk, snapshot } from '../helpers/cli';
import { checkConsistency, readStore } from '../helpers/consistency';

interface Result { args: string[]; status: number | null; stdout: string; stderr: string }

function start(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (status) => resolve({ args, status, stdout, stderr }));
  });
}

/** Exit 0, or exit 1 with exactly one `netplumb: ...` line and no stack trace. */
function cleanOutcome(r: Result): void {
  if (r.status === 0) return;
  assert.strictEqual(r.status, 1, `netplumb ${r.args.join(' ')} exited ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, /^netplumb: [^\n]+\n$/, `netplumb ${r.args.join(' ')}: ${r.stderr}`);
}

const N = 50;

describe('e2e: 50 parallel creates and removes on one network', function () {
  this.timeout(600000);
  let initial = '';
  before(function () {
    requireSandbox(this);
    initial = snapshot();
    // A /26: 61 addresses for 50 sandboxes and the 5 duplicate names below.
    npOk('network', 'create', '--subnet', '10.94.0.0/26', 'busy');
  });
  after(function () {
    if (!initial) return;
    for (let i = 0; i < N; i++) np(['rm', '-f', `p${i}`]);
    np(['network', 'rm', 'busy']);
  });

  it('50 creates at once (5 of them asking for a name another also asks for): each name once, each address once', async () => {
    const names = Array.from({ length: N }, (_, i) => `p${i < 45 ? i : i - 45}`); // p0..p4 asked for twice
    const results = await Promise.all(names.map((name) => start(['create', '--name', name, '--net', 'busy'])));
    results.forEach(cleanOutcome);
    const ok = results.filter((r) => r.status === 0);
    assert.strictEqual(ok.length, 45, results.filter((r) => r.status !== 0).map((r) => r.stderr).join(''));
    for (const r of results.filter((x) => x.status !== 0)) assert.match(r.stderr, /sandbox name p[0-4] is already in use|is being created by another command/);
    const store = readStore();
    const eps = store.endpoints;
    assert.strictEqual(eps.length, 45);
    assert.strictEqual(new Set(eps.map((e) => e.address)).size, 45, 'an address was handed out twice');
    assert.strictEqual(new Set(store.sandboxes.map((s) => s.name)).size, store.sandboxes.length);
    // Each sandbox holds exactly its recorded address (ip -n NAME -j addr), and no two hold the same.
    const held = store.sandboxes.map((s) => ipj<Array<{ ifname: string; addr_info: Array<{ family: string; local: string }> }>>('-n', s.name, 'addr', 'show')
      .flatMap((l) => l.addr_info.filter((a) => a.family === 'inet' && l.ifname !== 'lo').map((a) => a.local)));
    assert.ok(held.every((h) => h.length === 1), JSON.stringify(held));
    assert.strictEqual(new Set(held.flat()).size, 45);
    assert.deepStrictEqual(checkConsistency(), []);
  });

  it('50 removes at once (5 of them of a name another also removes): each succeeds or is refused cleanly', async () => {
    const names = Array.from({ length: N }, (_, i) => `p${i < 45 ? i : i - 45}`);
    const results = await Promise.all(names.map((name) => start(['rm', '-f', name])));
    results.forEach(cleanOutcome);
    const ok = results.filter((r) => r.status === 0);
    assert.ok(ok.length >= 45, results.map((r) => r.stderr).join(''));
    for (const r of results.filter((x) => x.status !== 0)) assert.match(r.stderr, /no such sandbox: p[0-4]|is being removed by another command/);
    assert.deepStrictEqual(readStore().sandboxes, []);
    assert.deepStrictEqual(readStore().addresses, []);
    assert.deepStrictEqual(checkConsistency(), []);
    npOk('network', 'rm', 'busy');
    assert.strictEqual(snapshot(), initial);
  });
});
