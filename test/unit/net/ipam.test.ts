// IPAM without root: subnet choice, validation of every option, round-robin
// allocation and its concurrency safety across processes on one database.
import * as assert from 'assert';
import { fork } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allocateAddress, chooseSubnet, coveringPrefix, macForAddress, parsePrefix, planNetworkIpam, type TakenPrefix } from '../../../src/net/ipam';
import { NetplumbError } from '../../../src/net/errors';
import { SqliteStore } from '../../../src/net/state/sqlite';
import type { NetworkRecord } from '../../../src/net/state/store';

const taken = (cidr: string, by = 'route'): TakenPrefix => {
  const [a, l] = cidr.split('/');
  return { prefix: coveringPrefix(a, Number(l)), by };
};

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof NetplumbError, `expected a NetplumbError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('ipam: prefixes', () => {
  it('parses an IPv4 prefix and refuses host bits, garbage and IPv6', () => {
    assert.deepStrictEqual(parsePrefix('10.1.0.0/16', 'subnet'), { cidr: '10.1.0.0/16', prefixlen: 16, first: 0x0a010000, last: 0x0a01ffff });
    rejects(() => parsePrefix('10.1.2.3/16', 'subnet'), /host bits set; the prefix is 10\.1\.0\.0\/16/);
    rejects(() => parsePrefix('10.1.0.0', 'subnet'), /not an IPv4 prefix/);
    rejects(() => parsePrefix('10.1.0.0/33', 'subnet'), /not an IPv4 prefix/);
    rejects(() => parsePrefix('300.1.0.0/16', 'subnet'), /not an IPv4 prefix/);
    rejects(() => parsePrefix('fd00::/64', 'subnet'), /only IPv4/);
  });

  it('derives a MAC from the address as Docker does', () => {
    assert.strictEqual(macForAddress('172.17.0.2'), '02:42:ac:11:00:02');
  });
});

describe('ipam: default pools', () => {
  it('takes the first pool when nothing is in the way', () => {
    assert.strictEqual(chooseSubnet([]).cidr, '172.17.0.0/16');
  });
  it('skips subnets that overlap a host route or address, and other networks', () => {
    assert.strictEqual(chooseSubnet([taken('172.17.5.0/24')]).cidr, '172.18.0.0/16');
    assert.strictEqual(chooseSubnet([taken('172.17.0.0/16'), taken('172.18.0.1/32')]).cidr, '172.19.0.0/16');
    // A /12 route covers every 172 pool: fall through to 192.168.0.0/20 slices.
    assert.strictEqual(chooseSubnet([taken('172.16.0.0/12')]).cidr, '192.168.0.0/20');
    assert.strictEqual(chooseSubnet([taken('172.16.0.0/12'), taken('192.168.1.0/24')]).cidr, '192.168.16.0/20');
  });
  it('says so when every pool is taken', () => {
    rejects(() => chooseSubnet([taken('172.16.0.0/12'), taken('192.168.0.0/16')]), /no free subnet/);
  });
});

describe('ipam: network options', () => {
  it('defaults the gateway to the first address', () => {
    assert.deepStrictEqual(planNetworkIpam({ subnet: '192.168.0.0/24' }, []), { subnet: '192.168.0.0/24', gateway: '192.168.0.1', auxAddresses: {} });
  });
  it('honours ip-range, gateway and aux addresses', () => {
    const c = planNetworkIpam({ subnet: '192.168.0.0/24', ipRange: '192.168.0.128/25', gateway: '192.168.0.254', auxAddresses: { router: '192.168.0.2' } }, []);
    assert.deepStrictEqual(c, { subnet: '192.168.0.0/24', gateway: '192.168.0.254', ipRange: '192.168.0.128/25', auxAddresses: { router: '192.168.0.2' } });
  });
  it('rejects each bad option with its own message', () => {
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', gateway: '10.0.1.1' }, []), /gateway 10\.0\.1\.1 is not in subnet 10\.0\.0\.0\/24/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', gateway: '10.0.0.0' }, []), /network address/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', gateway: '10.0.0.255' }, []), /broadcast address/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', gateway: 'x' }, []), /not an IPv4 address/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', ipRange: '10.0.1.0/25' }, []), /ip-range 10\.0\.1\.0\/25 is not inside subnet/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', ipRange: '10.0.0.0/23' }, []), /not inside subnet/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', auxAddresses: { a: '10.0.2.1' } }, []), /aux-address a=10\.0\.2\.1 is not in subnet/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', auxAddresses: { a: '10.0.0.1' } }, []), /already the gateway/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/24', auxAddresses: { a: '10.0.0.9', b: '10.0.0.9' } }, []), /already aux-address a/);
    rejects(() => planNetworkIpam({ ipRange: '10.0.0.0/25' }, []), /--ip-range needs --subnet/);
    rejects(() => planNetworkIpam({ gateway: '10.0.0.1' }, []), /--gateway needs --subnet/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/31' }, []), /too small/);
    rejects(() => planNetworkIpam({ subnet: '10.0.0.0/30', auxAddresses: { a: '10.0.0.2' } }, []), /no address left/);
  });
  it('rejects a subnet overlapping another network, naming it', () => {
    rejects(() => planNetworkIpam({ subnet: '10.1.0.0/16' }, [taken('10.1.2.0/24', 'network web')]), /subnet 10\.1\.0\.0\/16 overlaps network web \(10\.1\.2\.0\/24\)/);
  });
  it('avoids routes only when choosing, not when told', () => {
    assert.strictEqual(planNetworkIpam({}, [], [taken('172.17.0.0/16')]).subnet, '172.18.0.0/16');
    assert.strictEqual(planNetworkIpam({ subnet: '172.17.0.0/16' }, [], [taken('172.17.0.0/16')]).subnet, '172.17.0.0/16');
  });
});

describe('ipam: allocation', () => {
  let dir: string;
  let store: SqliteStore;
  const net = (over: Partial<NetworkRecord> = {}): NetworkRecord => ({
    id: 'n'.repeat(64), name: 'web', driver: 'bridge', subnet: '10.9.0.0/29', gateway: '10.9.0.1', auxAddresses: {}, internal: false,
    mtu: 1500, options: {}, device: 'np-x', isDefault: false, created: '', status: 'ready', ...over,
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-ipam-'));
    store = new SqliteStore(dir);
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands out addresses round-robin, skipping the gateway, and does not reuse a freed one at once', async () => {
    const n = net();
    await store.update((tx) => tx.putNetwork(n));
    const got = await store.update((tx) => ['a', 'b', 'c'].map((o) => allocateAddress(tx, n, o)));
    assert.deepStrictEqual(got, ['10.9.0.2', '10.9.0.3', '10.9.0.4']);
    await store.update((tx) => tx.releaseAddresses('a'));
    assert.strictEqual(await store.update((tx) => allocateAddress(tx, n, 'd')), '10.9.0.5');
    assert.strictEqual(await store.update((tx) => allocateAddress(tx, n, 'e')), '10.9.0.6');
    // The range is exhausted up to the broadcast address: wrap around to the freed one.
    assert.strictEqual(await store.update((tx) => allocateAddress(tx, n, 'f')), '10.9.0.2');
    await assert.rejects(store.update((tx) => allocateAddress(tx, n, 'g')), /no free address left on network web/);
  });

  it('allocates only inside the ip-range, and skips aux addresses', async () => {
    const n = net({ subnet: '192.168.0.0/24', ipRange: '192.168.0.128/25', auxAddresses: { r: '192.168.0.129' } });
    await store.update((tx) => tx.putNetwork(n));
    const got = await store.update((tx) => [allocateAddress(tx, n, 'a'), allocateAddress(tx, n, 'b')]);
    assert.deepStrictEqual(got, ['192.168.0.128', '192.168.0.130']);
  });

  it('validates a requested address', async () => {
    const n = net({ subnet: '10.9.0.0/24', auxAddresses: { r: '10.9.0.5' } });
    await store.update((tx) => tx.putNetwork(n));
    assert.strictEqual(await store.update((tx) => allocateAddress(tx, n, 'a', '10.9.0.77')), '10.9.0.77');
    await assert.rejects(store.update((tx) => allocateAddress(tx, n, 'b', '10.9.0.77')), /ip 10\.9\.0\.77 is already in use on network web/);
    await assert.rejects(store.update((tx) => allocateAddress(tx, n, 'b', '10.9.0.1')), /is the gateway/);
    await assert.rejects(store.update((tx) => allocateAddress(tx, n, 'b', '10.9.0.5')), /aux-address r/);
    await assert.rejects(store.update((tx) => allocateAddress(tx, n, 'b', '10.8.0.5')), /not in subnet 10\.9\.0\.0\/24/);
    await assert.rejects(store.update((tx) => allocateAddress(tx, n, 'b', '10.9.0.255')), /broadcast/);
  });

  it('a failed transaction takes nothing', async () => {
    const n = net();
    await store.update((tx) => tx.putNetwork(n));
    await assert.rejects(store.update((tx) => { allocateAddress(tx, n, 'a'); throw new Error('later step failed'); }), /later step/);
    assert.strictEqual((await store.read((tx) => tx.allocatedAddresses(n.id))).size, 0);
  });

  it('never hands out one address twice to concurrent processes', async function () {
    this.timeout(60000);
    const n = net({ subnet: '10.20.0.0/22' });
    await store.update((tx) => tx.putNetwork(n));
    const worker = path.join(__dirname, '..', '..', 'helpers', 'allocate-worker.js');
    const results = await Promise.all([0, 1, 2, 3].map((w) => new Promise<string[]>((resolve, reject) => {
      const child = fork(worker, [dir, n.id, `w${w}`, '60'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      child.on('exit', (code) => code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`worker exited ${code}`)));
    })));
    const all = results.flat();
    assert.strictEqual(all.length, 240);
    assert.strictEqual(new Set(all).size, 240, 'an address was handed out twice');
  });
});
