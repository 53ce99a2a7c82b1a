// The native fuzz targets (native/fuzz/: attribute parser, every reply
// parser, message builder, every request encoder) built with clang's libFuzzer, AddressSanitizer and
// UndefinedBehaviorSanitizer, each run for a bounded time from its committed
// corpus (fixture seeds and every input that once crashed it). Any crash,
// sanitizer report or broken invariant fails its target's test, with the
// crashing input's path. NETPLUMB_FUZZ_SECONDS sets the time per target
// (default 20; the targets run side by side); 0 skips, as does a machine
// without clang (scripts/install-test-deps.sh installs it; CI has it).
import { strict as assert } from 'assert';
import * as path from 'path';

interface FuzzResult { name: string; ok: boolean; runs?: number; log: string; artifacts: string[] }
interface FuzzScript {
  findClang(): string | null;
  targets(): string[];
  fuzz(options: { seconds: number; parallel: boolean }): Promise<{ buildSeconds: number; fuzzSeconds: number; results: FuzzResult[] }>;
  report(results: FuzzResult[]): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const script = require(path.resolve(__dirname, '..', '..', '..', 'scripts', 'fuzz.js')) as FuzzScript;
const seconds = Number(process.env.NETPLUMB_FUZZ_SECONDS ?? 20);

describe('native fuzz targets (libFuzzer + ASan + UBSan, bounded)', function () {
  let results: Map<string, FuzzResult> | undefined;

  before(async function () {
    const why = !(seconds > 0) ? `NETPLUMB_FUZZ_SECONDS=${process.env.NETPLUMB_FUZZ_SECONDS}` : script.findClang() ? '' : 'clang++ not found (Debian clang-14 and libclang-rt-14-dev; scripts/install-test-deps.sh installs them)';
    if (why) {
      console.log(`    fuzz targets skipped: ${why}`);
      this.skip();
    }
    this.timeout(15 * 60 * 1000 + seconds * 1000);  // a cold build takes minutes on two cores
    const run = await script.fuzz({ seconds, parallel: true });
    console.log(`    fuzz targets: built in ${run.buildSeconds.toFixed(0)} s, fuzzed ${seconds} s each side by side (${run.fuzzSeconds.toFixed(0)} s)`);
    script.report(run.results);
    results = new Map(run.results.map((r) => [r.name, r]));
  });

  it('has a target for attributes, replies, the builder and the request encoders', () => {
    assert.deepEqual(script.targets(), ['attrs', 'builder', 'replies', 'requests']);
  });

  for (const name of script.targets()) {
    it(`${name}: no crash, sanitizer report or broken invariant`, () => {
      const r = results!.get(name);
      assert.ok(r, `${name} did not run`);
      assert.ok(r.ok, `${name} failed; log ${r.log}; crashing input(s): ${r.artifacts.join(', ') || 'none written'}`);
      assert.ok((r.runs ?? 0) > 0, `${name} executed no input`);
    });
  }
});
