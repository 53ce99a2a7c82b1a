// The CLI's code cache (src/cli/compile-cache.ts) on this Node: saved at the
// first start, used whole at the next, never trusted when it does not match
// or when others could have written it, and never changing what a command
// prints. `netplumb --help` loads every command's module graph, so it covers
// every file the CLI can load. Each test has its own state folder.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { np } from '../helpers/cli';

const hasBuiltIn = typeof (require('module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

describe('e2e: CLI compile cache', function () {
  this.timeout(60000);
  let state: string;
  const cacheDir = () => path.join(state, 'cache');
  const cacheFile = () => path.join(cacheDir(), `v8-${process.versions.v8}-${process.arch}.bin`);
  const help = (env: NodeJS.ProcessEnv = {}) => {
    const r = np(['--help'], { NETPLUMB_STATE_DIR: state, ...env });
    assert.strictEqual(r.status, 0, r.stderr);
    return r.stdout;
  };

  before(function () {
    if (hasBuiltIn) this.skip(); // Node's own cache is used there; its format is Node's
  });
  beforeEach(() => { state = fs.mkdtempSync(path.join(os.tmpdir(), 'np-cc-')); });
  afterEach(() => { fs.rmSync(state, { recursive: true, force: true }); });

  it('is saved at the first start (owner-only) and used whole at the next: the file is not written again', () => {
    const uncached = help({ NETPLUMB_COMPILE_CACHE: '0' });
    assert.ok(!fs.existsSync(cacheDir()), 'NETPLUMB_COMPILE_CACHE=0 must not write a cache');
    assert.strictEqual(help(), uncached);
    const first = fs.statSync(cacheFile());
    assert.strictEqual(first.mode & 0o777, 0o600);
    assert.strictEqual(fs.statSync(cacheDir()).mode & 0o777, 0o700);
    assert.ok(first.size > 100_000, `a cache of every module is larger than ${first.size} bytes`);
    // Any entry missing, stale or refused by V8 would make this start write the file anew (a new inode).
    assert.strictEqual(help(), uncached);
    assert.strictEqual(fs.statSync(cacheFile()).ino, first.ino, 'the second start rewrote the cache: some of it was not used');
    assert.deepStrictEqual(fs.readdirSync(cacheDir()), [path.basename(cacheFile())], 'no temporary file is left');
  });

  it('code that does not match is refused and replaced, and the command prints the same', () => {
    const expected = help({ NETPLUMB_COMPILE_CACHE: '0' });
    help();
    const data = fs.readFileSync(cacheFile());
    const headerEnd = 4 + data.readUInt32LE(0);
    data.fill(0x5a, headerEnd);
    fs.writeFileSync(cacheFile(), data);
    const garbled = fs.statSync(cacheFile()).ino;
    assert.strictEqual(help(), expected);
    const rewritten = fs.statSync(cacheFile());
    assert.notStrictEqual(rewritten.ino, garbled, 'garbled code must be replaced');
    assert.notDeepStrictEqual(fs.readFileSync(cacheFile()).subarray(headerEnd, headerEnd + 64), data.subarray(headerEnd, headerEnd + 64));
    // An entry made for the file as it was before (its key differs) is not used either.
    const header = JSON.parse(fs.readFileSync(cacheFile()).toString('utf8', 4, headerEnd)) as { entries: Record<string, [string, number, number]> };
    const main = Object.keys(header.entries).find((f) => f.endsWith(path.join('cli', 'network.js')))!;
    assert.ok(main, 'the cache has an entry for src/cli/network.js');
    header.entries[main][0] = 'not-the-key-of-this-file';
    const head = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(head.length);
    fs.writeFileSync(cacheFile(), Buffer.concat([length, head, fs.readFileSync(cacheFile()).subarray(headerEnd)]));
    const edited = fs.statSync(cacheFile()).ino;
    assert.strictEqual(help(), expected);
    assert.notStrictEqual(fs.statSync(cacheFile()).ino, edited, 'an entry for other source text must be compiled anew and saved');
  });

  it('a file changed since, even with its modification time put back, is compiled anew', () => {
    const expected = help({ NETPLUMB_COMPILE_CACHE: '0' });
    help();
    const before = fs.statSync(cacheFile()).ino;
    assert.strictEqual(help(), expected);
    assert.strictEqual(fs.statSync(cacheFile()).ino, before);
    // What an editor that keeps the mtime, or \`cp -p\`, leaves: the same times, a new ctime.
    const file = path.join(__dirname, '..', '..', 'src', 'cli', 'network.js');
    const st = fs.statSync(file);
    fs.utimesSync(file, st.atime, st.mtime);
    assert.strictEqual(help(), expected);
    assert.notStrictEqual(fs.statSync(cacheFile()).ino, before, 'the changed file must not be run from its old code');
  });

  it('is neither read nor written when others can write its folder or the file', () => {
    const expected = help({ NETPLUMB_COMPILE_CACHE: '0' });
    fs.mkdirSync(cacheDir(), { mode: 0o700 });
    fs.chmodSync(cacheDir(), 0o777);
    assert.strictEqual(help(), expected);
    assert.deepStrictEqual(fs.readdirSync(cacheDir()), [], 'nothing may be written to a folder others can write');
    // A file others can write is not trusted: it is replaced by one of this user's, mode 0600.
    fs.chmodSync(cacheDir(), 0o700);
    fs.writeFileSync(cacheFile(), 'planted', { mode: 0o666 });
    fs.chmodSync(cacheFile(), 0o666);
    assert.strictEqual(help(), expected);
    assert.strictEqual(fs.statSync(cacheFile()).mode & 0o777, 0o600);
  });
});
