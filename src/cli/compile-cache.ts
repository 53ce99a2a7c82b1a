// A V8 code cache for the CLI's modules, so that a command does not parse
// and compile the same hundred-odd files again on every start. Node 22.1 and
// later have one built in (module.enableCompileCache), used when present.
// On Node 20 this file does the same job: each CommonJS file of this package
// (its own and its dependencies) is compiled with the code V8 saved for it
// the last time, and code is saved at exit for the files that had none, after
// the command ran, so it covers the functions the command used, not only the
// files' top level.
//
// Never wrong, at worst slower: an entry is used only for the file it was
// made from as it was then: same device, inode, size, modification and
// change time (ctime, which every write sets and no one can set back short of
// turning the clock back; hashing the text instead cost 2-10 ms a start),
// and the same length of text; V8 itself refuses code from
// another V8 version or other flags (the file is then written anew), the file
// is replaced by rename (never seen half-written), and any failure to read or
// write it only means compiling as usual. The cache lives in the state folder
// (NETPLUMB_STATE_DIR or /var/lib/netplumb)/cache and is used only when it and
// its folder belong to this user and nobody else can write them: loading
// compiled code from a file others can change would let them run code as
// root. NETPLUMB_COMPILE_CACHE=0 turns it off.
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import Module = require('module');
import { stateDir } from '../net/paths';

/** The parts of Node's CommonJS loader this uses (public since Node 0.x, but not in @types/node). */
interface Loader {
  prototype: { _compile(this: NodeModule, content: string, filename: string, format?: string): unknown };
  wrap(source: string): string;
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
  enableCompileCache?: (dir: string) => unknown;
}

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..') + path.sep;

/** One file: a 4-byte header length, the JSON header, then the code of each entry. */
interface Header { entries: Record<string, [hash: string, offset: number, length: number]> }

function trusted(st: fs.Stats, uid: number): boolean {
  return st.uid === uid && (st.mode & 0o022) === 0;
}

function readCache(file: string, uid: number): { header: Header; data: Buffer } | undefined {
  let fd: number;
  try { fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW); } catch { return undefined; }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !trusted(st, uid)) return undefined;
    const data = Buffer.allocUnsafe(st.size);
    if (fs.readSync(fd, data, 0, st.size, 0) !== st.size || st.size < 4) return undefined;
    const headerLength = data.readUInt32LE(0);
    const header = JSON.parse(data.toString('utf8', 4, 4 + headerLength)) as Header;
    return { header, data: data.subarray(4 + headerLength) };
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The cache folder, in a state folder that already exists: a command that
 * made none (refused, or only reading) must not leave one behind.
 */
function makeCacheDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function writeCache(file: string, entries: Map<string, { hash: string; code: Buffer }>): void {
  const header: Header = { entries: {} };
  let offset = 0;
  for (const [filename, { hash, code }] of entries) {
    header.entries[filename] = [hash, offset, code.length];
    offset += code.length;
  }
  const head = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length);
  makeCacheDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([length, head, ...[...entries.values()].map((e) => e.code)]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Installs the cache for the rest of this process (a no-op when turned off or not safe to use). */
export function enableCompileCache(): void {
  if (process.env.NETPLUMB_COMPILE_CACHE === '0') return;
  const uid = process.geteuid?.();
  if (uid === undefined) return;
  const dir = path.join(stateDir(), 'cache');
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || !trusted(st, uid)) return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    // Made (0700) when there is something to save.
  }
  const loader = Module as unknown as Loader;
  if (typeof loader.enableCompileCache === 'function') {
    try { makeCacheDir(dir); loader.enableCompileCache(dir); } catch { /* compile as usual (no state folder yet) */ }
    return;
  }

  const file = path.join(dir, `v8-${process.versions.v8}-${process.arch}.bin`);
  const stored = readCache(file, uid);
  const old = stored?.header.entries ?? {};
  /** Files compiled without usable code: their code is saved at exit. */
  const pending = new Map<string, { hash: string; script: vm.Script }>();

  const compile = loader.prototype._compile;
  const mainModule = require.main;
  loader.prototype._compile = function (this: NodeModule, content: string, filename: string, format?: string): unknown {
    // Only this package's CommonJS files; a file with import() needs Node's own compile (its import hook).
    if ((format !== undefined && format !== 'commonjs') || !filename.startsWith(PACKAGE_ROOT) || content.startsWith('#!') || content.includes('import('))
      return compile.call(this, content, filename, format);
    let hash: string;
    try {
      const st = fs.statSync(filename, { bigint: true });
      hash = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${content.length}`;
    } catch {
      return compile.call(this, content, filename, format);
    }
    const entry = old[filename];
    const cachedData = stored && entry && entry[0] === hash ? stored.data.subarray(entry[1], entry[1] + entry[2]) : undefined;
    const script = new vm.Script(loader.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) pending.set(filename, { hash, script });

    // What Node's own require gives a module.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const mod = this;
    const require = ((id: string) => mod.require(id)) as NodeJS.Require;
    const resolve = ((request: string, options?: { paths?: string[] }) => loader._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
    resolve.paths = (request: string) => loader._resolveLookupPaths(request, mod);
    require.resolve = resolve;
    require.main = mainModule;
    require.extensions = loader._extensions as NodeJS.Require['extensions'];
    require.cache = loader._cache as NodeJS.Require['cache'];
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    if (pending.size === 0) return;
    try {
      const entries = new Map<string, { hash: string; code: Buffer }>();
      if (stored)
        for (const [filename, [hash, offset, length]] of Object.entries(old))
          if (!pending.has(filename)) entries.set(filename, { hash, code: stored.data.subarray(offset, offset + length) });
      for (const [filename, { hash, script }] of pending) entries.set(filename, { hash, code: script.createCachedData() });
      writeCache(file, entries);
    } catch {
      // Not saved: the next start compiles as usual.
    }
  });
}
