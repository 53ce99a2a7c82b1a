// /etc/hosts contents from the records, in-place rewriting (same inode, so a
// bind mount keeps seeing it), and the undo log's order and error handling.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostsEntries, renderHosts, renderResolvConf, rewriteInPlace } from '../../../src/net/hosts';
import { UndoLog, teardownAll, withRollback } from '../../../src/net/rollback';
import { SqliteStore } from '../../../src/net/state/sqlite';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from '../../../src/net/state/store';

const net = (id: string, name: string, isDefault = false): NetworkRecord => ({
  id, name, driver: 'bridge', subnet: '10.1.0.0/24', gateway: '10.1.0.1', auxAddresses: {}, internal: false, mtu: 1500, options: {},
  device: 'np-x', isDefault, created: '', status: 'ready',
});
const sandbox = (id: string, name: string, extra: Partial<SandboxRecord> = {}): SandboxRecord => ({
  id, name, hostname: name, mode: { kind: 'networks' }, netns: name, dns: [], extraHosts: [], links: [], ports: [], processes: [], autoRemove: false,
  created: '', status: 'ready', ...extra,
});
const endpoint = (id: string, networkId: string, sandboxId: string, address: string, aliases: string[] = []): EndpointRecord => ({
  id, networkId, sandboxId, ifname: 'eth0', address, prefixlen: 24, mac: '02:42:00:00:00:00', aliases,
});

describe('hosts files', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-hosts-')); store = new SqliteStore(dir); });
  afterEach(() => { store.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('lists the sandbox itself, peers on user-defined networks with aliases, --add-host; not peers on the default network', async () => {
    await store.update((tx) => {
      tx.putNetwork(net('n1', 'web'));
      tx.putNetwork(net('n0', 'bridge', true));
      tx.putSandbox(sandbox('s1', 'a', { extraHosts: [{ host: 'db', ip: '10.9.9.9' }] }));
      tx.putSandbox(sandbox('s2', 'b'));
      tx.putSandbox(sandbox('s3', 'c'));
      tx.putEndpoint(endpoint('e1', 'n1', 's1', '10.1.0.2'));
      tx.putEndpoint(endpoint('e2', 'n1', 's2', '10.1.0.3', ['bee']));
      tx.putEndpoint(endpoint('e3', 'n0', 's1', '172.17.0.2'));
      tx.putEndpoint(endpoint('e4', 'n0', 's3', '172.17.0.3'));
    });
    const entries = await store.read((tx) => hostsEntries(tx, tx.getSandbox('a')!));
    assert.deepStrictEqual(entries, [
      { ip: '10.1.0.2', names: ['a'] },
      { ip: '172.17.0.2', names: ['a'] },
      { ip: '10.1.0.3', names: ['b', 'bee'] },
      { ip: '10.9.9.9', names: ['db'] },
    ]);
    assert.match(renderHosts(entries), /^127\.0\.0\.1\tlocalhost\n[\s\S]*10\.1\.0\.3\tb bee\n10\.9\.9\.9\tdb\n$/);
  });

  it('rewrites in place: same inode, new content, old tail cut', async () => {
    const file = path.join(dir, 'hosts');
    fs.writeFileSync(file, 'a long first version of the file\n');
    const inode = fs.statSync(file).ino;
    await rewriteInPlace(file, 'short\n');
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'short\n');
    assert.strictEqual(fs.statSync(file).ino, inode);
  });

  it('resolv.conf keeps the host\'s servers except loopback ones, or uses --dns', () => {
    const host = path.join(dir, 'resolv.conf');
    fs.writeFileSync(host, 'nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.org\n');
    assert.strictEqual(renderResolvConf([], host), '# written by netplumb\nnameserver 192.0.2.53\nsearch example.org\n');
    assert.strictEqual(renderResolvConf(['198.51.100.1'], host), '# written by netplumb\nsearch example.org\nnameserver 198.51.100.1\n');
  });
});

describe('rollback', () => {
  it('undoes newest first, goes on past a failing undo, and rethrows the original error', async () => {
    const order: string[] = [];
    await assert.rejects(withRollback(async (undo) => {
      undo.record('one', () => { order.push('one'); });
      undo.record('two', () => { throw new Error('two broke'); });
      undo.record('three', () => { order.push('three'); });
      throw new Error('step four failed');
    }), /step four failed; rolling back also failed: undo two: two broke/);
    assert.deepStrictEqual(order, ['three', 'one']);
  });
  it('forgets the log on success', async () => {
    const undo = new UndoLog();
    undo.record('x', () => { throw new Error('must not run'); });
    undo.forget();
    assert.deepStrictEqual(await undo.rollback(), []);
  });
  it('teardown runs every task and reports every failure', async () => {
    const ran: string[] = [];
    await assert.rejects(teardownAll('remove x', [
      ['a', () => { ran.push('a'); throw new Error('A'); }],
      ['b', () => { ran.push('b'); }],
      ['c', () => { ran.push('c'); throw new Error('C'); }],
    ]), /remove x: 2 steps failed: a: A; c: C/);
    assert.deepStrictEqual(ran, ['a', 'b', 'c']);
  });
});
