// The process lock that orders DNS updates: one holder at a time, across
// processes; released by the kernel when its holder dies; a clear EBUSY when
// waiting too long.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetplumbError } from '../../../src/net/errors';
import { withProcessLock } from '../../../src/net/lock';

const LOCK_MODULE = path.join(__dirname, '..', '..', '..', 'src', 'net', 'lock.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('process lock', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-lock-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in at a time', async () => {
    const events: string[] = [];
    const holder = (name: string) => withProcessLock(dir, 'test', async () => {
      events.push(`${name} in`);
      await sleep(30);
      events.push(`${name} out`);
      return name;
    });
    assert.deepStrictEqual(await Promise.all([holder('a'), holder('b'), holder('c')]), ['a', 'b', 'c']);
    for (let i = 0; i < events.length; i += 2) {
      assert.match(events[i], / in$/);
      assert.strictEqual(events[i + 1], events[i].replace(' in', ' out'), `overlap: ${events.join(', ')}`);
    }
  });

  it('is released when the body fails', async () => {
    await assert.rejects(withProcessLock(dir, 'test', async () => { throw new Error('body failed'); }), /body failed/);
    assert.strictEqual(await withProcessLock(dir, 'test', async () => 'again', 500), 'again');
  });

  it('excludes other processes, and is free again the moment its holder is killed', async () => {
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(LOCK_MODULE)}).withProcessLock(${JSON.stringify(dir)}, 'test', () => { console.log('held'); return new Promise(() => setInterval(() => {}, 1000)); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
      });
      await assert.rejects(withProcessLock(dir, 'test', async () => 'never', 300), (err: unknown) => err instanceof NetplumbError && err.code === 'EBUSY' && /held the test lock/.test(err.message));
      child.kill('SIGKILL');
      assert.strictEqual(await withProcessLock(dir, 'test', async () => 'mine', 5000), 'mine');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('separate runtime folders have separate locks', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'np-lock-'));
    try {
      const result = await withProcessLock(dir, 'test', () => withProcessLock(other, 'test', async () => 'both', 300));
      assert.strictEqual(result, 'both');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
