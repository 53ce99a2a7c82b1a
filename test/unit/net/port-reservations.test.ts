// Host-port reservations in the SQLite state store, without root: overlap
// rules (0.0.0.0 covers every address), a conflict names its holder and
// changes nothing, release of some or all, the (protocol, port) index used by
// the lookups (SQLite's own query plan is the oracle), and processes racing
// for the same ports: exactly one wins.
import * as assert from 'assert';
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../../src/net/state/sqlite';
import { StorePortReservations } from '../../../src/net/state/port-reservations';
import { PortConflictError, type HostPortKey } from '../../../src/net/firewall/types';

const key = (hostPort: number, hostIp = '0.0.0.0', protocol: HostPortKey['protocol'] = 'tcp'): HostPortKey => ({ protocol, hostIp, hostPort });

describe('port reservations in the state store', () => {
  let dir: string;
  let store: SqliteStore;
  let r: StorePortReservations;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-resv-'));
    store = new SqliteStore(dir);
    r = new StorePortReservations(store);
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The table as SQLite holds it, read with a connection of our own. */
  function rows(): Array<{ protocol: string; host_ip: string; host_port: number; owner: string }> {
    const db = new Database(path.join(dir, 'netplumb.db'), { readonly: true });
    try {
      return db.prepare('SELECT protocol, host_ip, host_port, owner FROM port_reservations ORDER BY protocol, host_port, host_ip').all() as never;
    } finally {
      db.close();
    }
  }

  it('reserves, lists by owner and releases', async () => {
    await r.reserve('e1', [key(8080), key(53, '127.0.0.1', 'udp')]);
    await r.reserve('e2', [key(8081)]);
    assert.deepStrictEqual(rows(), [
      { protocol: 'tcp', host_ip: '0.0.0.0', host_port: 8080, owner: 'e1' },
      { protocol: 'tcp', host_ip: '0.0.0.0', host_port: 8081, owner: 'e2' },
      { protocol: 'udp', host_ip: '127.0.0.1', host_port: 53, owner: 'e1' },
    ]);
    assert.deepStrictEqual((await r.listOwner('e1')).map((x) => x.hostPort).sort(), [53, 8080]);
    await r.release('e1', [key(8080)]);
    assert.deepStrictEqual((await r.listOwner('e1')).map((x) => x.hostPort), [53]);
    await r.release('e1');
    assert.deepStrictEqual(rows().map((x) => x.owner), ['e2']);
    assert.deepStrictEqual((await r.list()).map((x) => x.owner), ['e2']);
  });

  it('refuses overlapping keys of another owner, naming the holder, and changes nothing', async () => {
    await r.reserve('e1', [key(8080, '127.0.0.1')]);
    const before = rows();
    for (const clash of [key(8080, '127.0.0.1'), key(8080)]) {
      await assert.rejects(r.reserve('e2', [key(9000), clash]), (err: Error) => {
        assert.ok(err instanceof PortConflictError);
        assert.match(err.message, /host port .*:8080\/tcp is already in use: published by endpoint e1 \(127\.0\.0\.1:8080\/tcp\)/);
        return true;
      });
      assert.deepStrictEqual(rows(), before, 'a refused reservation must not take 9000 either');
    }
    // Another address, another protocol, another port: no overlap.
    await r.reserve('e2', [key(8080, '10.0.0.1'), key(8080, '127.0.0.1', 'udp'), key(8081, '127.0.0.1')]);
    await assert.rejects(r.reserve('e3', [key(8080)]), /10\.0\.0\.1:8080\/tcp|127\.0\.0\.1:8080\/tcp/);
  });

  it('keeps what the owner already holds and refuses a key asked twice', async () => {
    await r.reserve('e1', [key(8080)]);
    await r.reserve('e1', [key(8080), key(8081)]);
    assert.deepStrictEqual(rows().map((x) => x.host_port), [8080, 8081]);
    await assert.rejects(r.reserve('e2', [key(7000), key(7000, '127.0.0.1')]), /requested twice/);
    assert.deepStrictEqual(rows().map((x) => x.host_port), [8080, 8081]);
  });

  it('holders() finds exactly the overlapping reservations of 1,000 keys', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => key(20000 + i));
    await r.reserve('big', many);
    await r.reserve('other', [key(20500, '127.0.0.1', 'udp'), key(30000)]);
    const found = await r.holders([key(19999), key(20000, '127.0.0.1'), key(20999), key(21000), key(20500, '0.0.0.0', 'udp')]);
    assert.deepStrictEqual(found.map((x) => `${x.owner} ${x.protocol} ${x.hostPort}`).sort(), ['big tcp 20000', 'big tcp 20999', 'other udp 20500']);
  });

  it('the lookups use the (protocol, port) index, as SQLite\'s query plan shows', () => {
    const db = new Database(path.join(dir, 'netplumb.db'), { readonly: true });
    try {
      const plan = db.prepare('EXPLAIN QUERY PLAN SELECT protocol, host_ip, host_port, owner FROM port_reservations WHERE protocol = ? AND host_port BETWEEN ? AND ?').all('tcp', 1, 2) as Array<{ detail: string }>;
      assert.match(plan.map((p) => p.detail).join('\n'), /USING INDEX port_reservations_by_port \(protocol=\? AND host_port>\? AND host_port<\?\)/);
    } finally {
      db.close();
    }
  });

  it('two processes racing for the same ports: exactly one gets them', async function () {
    this.timeout(30000);
    const worker = path.join(__dirname, '..', '..', 'helpers', 'reserve-worker.js');
    const run = (owner: string, first: number) => new Promise<string>((resolve, reject) => {
      const child = fork(worker, [dir, owner, String(first), '200'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`worker exited ${code}`))));
    });
    for (let round = 0; round < 5; round++) {
      const base = 40000 + round * 1000;
      // Overlapping ranges: 200 ports each, 100 shared.
      const results = await Promise.all([run(`a${round}`, base), run(`b${round}`, base + 100)]);
      assert.deepStrictEqual([...results].sort(), ['conflict 100', 'ok'], `round ${round}: ${results.join(', ')}`);
      const winner = results[0] === 'ok' ? `a${round}` : `b${round}`;
      const held = rows().filter((x) => x.host_port >= base && x.host_port < base + 300);
      assert.strictEqual(held.length, 200);
      assert.ok(held.every((x) => x.owner === winner));
    }
  });
});
