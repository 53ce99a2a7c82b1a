// The firewall's pure parts, without root: `-p` parsing, host-port choices,
// the sysctl formats, reservations (in memory, and in a file shared by racing
// processes), the planned transactions, and reading interval sets back.
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parsePortSpec, hostPortChoices, parseLocalPortRange, parseReservedPorts, PortSpecError } from '../../src/net/firewall/ports';
import { MemoryPortReservations, FilePortReservations } from '../../src/net/firewall/reservations';
import { PortConflictError, keysOverlap } from '../../src/net/firewall/types';
import { checkNetwork, planAddNetwork, planBase, planPublish, owner, subnetContains } from '../../src/net/firewall/plan';
import { intervalRanges, rangeText } from '../../src/net/firewall/state';
import { socketCoversIpv4 } from '../../src/net/firewall/listeners';
import { recordingBatch } from '../helpers/nft';

describe('firewall: -p parsing', () => {
  const p = (s: string) => {
    const r = parsePortSpec(s);
    return [r.protocol, r.hostIp, r.hostPorts ?? null, r.containerPorts];
  };

  it('every Docker form', () => {
    assert.deepEqual(p('80'), ['tcp', '0.0.0.0', null, [80, 80]]);
    assert.deepEqual(p('8080:80'), ['tcp', '0.0.0.0', [8080, 8080], [80, 80]]);
    assert.deepEqual(p('127.0.0.1:8080:80'), ['tcp', '127.0.0.1', [8080, 8080], [80, 80]]);
    assert.deepEqual(p('127.0.0.1::80'), ['tcp', '127.0.0.1', null, [80, 80]]);
    assert.deepEqual(p('8000-8010:80-90'), ['tcp', '0.0.0.0', [8000, 8010], [80, 90]]);
    assert.deepEqual(p('8000-8010:80'), ['tcp', '0.0.0.0', [8000, 8010], [80, 80]]);
    assert.deepEqual(p('80-90'), ['tcp', '0.0.0.0', null, [80, 90]]);
    assert.deepEqual(p('53:53/udp'), ['udp', '0.0.0.0', [53, 53], [53, 53]]);
    assert.deepEqual(p('9000/SCTP'), ['sctp', '0.0.0.0', null, [9000, 9000]]);
    assert.deepEqual(p('0:80'), ['tcp', '0.0.0.0', null, [80, 80]], 'host port 0 asks for an ephemeral one, as in Docker');
    assert.deepEqual(p(' 10.0.0.1:1-2:3-4/tcp '), ['tcp', '10.0.0.1', [1, 2], [3, 4]]);
  });

  it('one clear error per bad spec, quoting it', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /it is empty/],
      ['80/icmp', /unknown protocol "icmp"/],
      ['80/', /unknown protocol ""/],
      ['0', /container port 0 is out of range \(1-65535\)/],
      ['65536', /container port 65536 is out of range/],
      ['8080:', /the container port is missing/],
      [':80', /the host port before ":" is empty/],
      ['abc', /container port "abc" is not a port/],
      ['8080:80:90:100', /too many ":"/],
      ['::1:80:80', /too many ":"/],
      ['[::1]:80:80', /IPv6 host addresses are not supported yet/],
      ['1.2.3:80:80', /host address "1.2.3" is not an IPv4 address/],
      ['90-80', /container port range 90-80 starts after its end/],
      ['8000-8010:80-85', /the host range has 11 ports but the container range has 6/],
      ['8080:80-85', /the host range has 1 port but the container range has 6/],
      ['0-10:80', /a host port range cannot start at 0/],
      ['1.5:80', /host port "1.5" is not a port/],
    ];
    for (const [spec, message] of bad) {
      assert.throws(() => parsePortSpec(spec), (e: Error) => e instanceof PortSpecError && e.message.startsWith(`invalid port specification ${JSON.stringify(spec)}`) && message.test(e.message), spec);
    }
    assert.throws(() => parsePortSpec(80 as unknown as string), TypeError);
  });

  it('host port choices: one to one for ranges, the first free of a host range, ephemeral', () => {
    assert.deepEqual(hostPortChoices(parsePortSpec('8000-8002:80-82')).map((c) => [c.containerPort, c.choice]), [[80, { fixed: 8000 }], [81, { fixed: 8001 }], [82, { fixed: 8002 }]]);
    assert.deepEqual(hostPortChoices(parsePortSpec('8000-8010:80')).map((c) => c.choice), [{ oneOf: [8000, 8010] }]);
    assert.deepEqual(hostPortChoices(parsePortSpec('80-81')).map((c) => c.choice), [{ ephemeral: true }, { ephemeral: true }]);
  });

  it('reads ip_local_port_range and ip_local_reserved_ports', () => {
    assert.deepEqual(parseLocalPortRange('32768\t60999\n'), [32768, 60999]);
    assert.throws(() => parseLocalPortRange('60999 32768'), /not a port range/);
    assert.deepEqual([...parseReservedPorts('8080,9000-9002\n')], [8080, 9000, 9001, 9002]);
    assert.deepEqual([...parseReservedPorts('\n')], []);
    assert.throws(() => parseReservedPorts('80,x'), /cannot read "x"/);
  });
});

describe('firewall: reservations', () => {
  const k = (hostPort: number, hostIp = '0.0.0.0', protocol: 'tcp' | 'udp' = 'tcp') => ({ protocol, hostIp, hostPort });

  it('overlap: same protocol and port, equal addresses or either is every address', () => {
    assert.ok(keysOverlap(k(80), k(80, '127.0.0.1')));
    assert.ok(keysOverlap(k(80, '127.0.0.1'), k(80)));
    assert.ok(!keysOverlap(k(80, '127.0.0.1'), k(80, '10.0.0.1')));
    assert.ok(!keysOverlap(k(80), k(80, '0.0.0.0', 'udp')));
    assert.ok(!keysOverlap(k(80), k(81)));
  });

  it('in memory: all or nothing, conflicts name the holder, the same owner may repeat, release', async () => {
    const r = new MemoryPortReservations();
    await r.reserve('a', [k(80), k(81)]);
    await assert.rejects(r.reserve('b', [k(82), k(80, '127.0.0.1')]), (e: Error) => e instanceof PortConflictError && /127\.0\.0\.1:80\/tcp is already in use: published by endpoint a \(0\.0\.0\.0:80\/tcp\)/.test(e.message));
    assert.deepEqual((await r.list()).map((x) => x.hostPort), [80, 81], 'b got nothing, not even 82');
    await r.reserve('a', [k(80)]);
    assert.equal((await r.list()).length, 2);
    await assert.rejects(r.reserve('b', [k(90), k(90, '127.0.0.1')]), /requested twice/);
    await r.release('a', [k(81)]);
    assert.deepEqual((await r.list()).map((x) => x.hostPort), [80]);
    await r.release('a');
    assert.deepEqual(await r.list(), []);
  });

  it('in memory, a range: kept as runs, yet conflicts, holders, partial release and listing are per port', async () => {
    const r = new MemoryPortReservations();
    const range = (first: number, n: number, ip = '0.0.0.0') => Array.from({ length: n }, (_, i) => k(first + i, ip));
    await r.reserve('a', range(20000, 10000));
    await r.reserve('b', [k(20000, '0.0.0.0', 'udp')]);
    await assert.rejects(r.reserve('c', [k(19999), k(25000, '127.0.0.1'), k(30000)]), (e: Error) => e instanceof PortConflictError
      && e.conflicts.length === 1 && /127\.0\.0\.1:25000\/tcp is already in use: published by endpoint a \(0\.0\.0\.0:25000\/tcp\)/.test(e.message));
    assert.deepEqual((await r.holders([k(19999), k(20000), k(29999, '10.0.0.1'), k(30000)])).map((x) => [x.owner, x.hostPort]), [['a', 20000], ['a', 29999]]);
    await r.release('a', [k(20001), k(25000), k(29999)]);
    const held = (await r.listOwner('a')).map((x) => x.hostPort);
    assert.equal(held.length, 9997);
    assert.deepEqual([held[0], held[1], held[held.length - 1]], [20000, 20002, 29998]);
    assert.ok(!held.includes(25000));
    await r.reserve('c', [k(25000), k(20001)]);
    await assert.rejects(r.reserve('c', [k(25001)]), /published by endpoint a/);
    await assert.rejects(r.reserve('a', range(20000, 3)), /20001\/tcp is already in use: published by endpoint c/, '20000 and 20002 a holds; 20001 is c\'s now');
    assert.equal((await r.listOwner('a')).length, 9997, 'refused as a whole, nothing added');
  });

  it('in a file: two processes racing for the same ports, only one wins, the file stays whole', async function () {
    this.timeout(30000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-res-'));
    const file = path.join(dir, 'ports.json');
    const modulePath = require.resolve('../../src/net/firewall/reservations');
    const racer = (owner: string) => new Promise<string>((resolve) => {
      const code = `const { FilePortReservations } = require(${JSON.stringify(modulePath)});
        const r = new FilePortReservations(${JSON.stringify(file)});
        (async () => { let won = 0;
          for (let p = 10000; p < 10050; p++) { try { await r.reserve(${JSON.stringify(owner)}, [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: p }]); won++; } catch (e) { if (e.name !== 'PortConflictError') throw e; } }
          console.log(won); })().catch((e) => { console.error(e); process.exit(1); });`;
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', () => resolve(out.trim()));
    });
    try {
      const [a, b] = await Promise.all([racer('a'), racer('b')]);
      assert.equal(Number(a) + Number(b), 50, `every port won exactly once (a ${a}, b ${b})`);
      const held = await new FilePortReservations(file).list();
      assert.equal(held.length, 50);
      assert.equal(new Set(held.map((h) => h.hostPort)).size, 50);
      assert.ok(!fs.existsSync(`${file}.lock`), 'the lock is released');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in a file: a lock left by a dead process is taken over', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-res-'));
    const file = path.join(dir, 'ports.json');
    try {
      fs.writeFileSync(`${file}.lock`, '999999999');
      const r = new FilePortReservations(file, 2000);
      await r.reserve('a', [k(80)]);
      assert.deepEqual((await r.list()).map((x) => x.owner), ['a']);
      assert.throws(() => new FilePortReservations('relative.json'), /absolute/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Records what a plan sends after the base table (planned in the same batch, so the sets' shapes are known). */
async function afterBase(plan: (b: ReturnType<typeof recordingBatch>['batch']) => void) {
  const alone = recordingBatch();
  await planBase(alone.batch, 'netplumb').commit();
  const { batch, sent } = recordingBatch();
  planBase(batch, 'netplumb');
  plan(batch);
  await batch.commit();
  return sent().slice(alone.sent().length);
}

describe('firewall: plan', () => {
  it('the base table is created exclusively (`nft create table`), with its sets, chains and rules in one transaction', async () => {
    const { batch, sent } = recordingBatch();
    await planBase(batch, 'netplumb').commit();
    const ops = sent().map((r) => r.op);
    assert.equal(ops[0], 'nft.table.add');
    assert.equal(sent()[0].args!.exclusive, true);
    assert.equal(ops.filter((o) => o === 'nft.set.add').length, 9);
    assert.equal(ops.filter((o) => o === 'nft.chain.add').length, 5);
    assert.equal(ops.filter((o) => o === 'nft.rule.add').length, 16);
  });

  it('a network: owner-tagged elements, exclusive where a second claim must fail, one NAT rule per subnet', async () => {
    const reqs = await afterBase((b) => planAddNetwork(b, 'netplumb', { id: 'n1', bridge: 'np-n1', subnets: ['172.18.0.0/16', '172.19.0.0/24'], icc: false, outboundNat: { snat: '192.0.2.1' } }));
    const adds = reqs.filter((r) => r.op === 'nft.setelem.add').map((r) => [r.args!.set, r.args!.exclusive ?? false]);
    assert.deepEqual(adds, [['bridges', true], ['same_bridge', true], ['subnets', false], ['bridge_subnets', true], ['no_icc', true], ['nat_subnets', false]]);
    const rules = reqs.filter((r) => r.op === 'nft.rule.add');
    assert.equal(rules.length, 2);
    assert.ok(rules.every((r) => (r.args!.userdata as Buffer).includes(Buffer.from('net:n1'))));
    assert.ok((rules[0].args!.expressions as Array<{ expr: string; type?: string }>).some((e) => e.expr === 'nat' && e.type === 'snat'));
    const internal = await afterBase((b) => planAddNetwork(b, 'netplumb', { id: 'n2', bridge: 'np-n2', subnets: ['10.1.0.0/24'], internal: true }));
    assert.equal(internal.filter((r) => r.op === 'nft.rule.add').length, 0, 'an internal network has no NAT rule');
    assert.ok(internal.some((r) => r.args!.set === 'internal'));
  });

  it('published ports: one exclusive, packed operation per map, whatever their number', async () => {
    const mappings = Array.from({ length: 1000 }, (_, i) => ({ protocol: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 20000 + i, containerIp: '10.0.0.2', containerPort: 20000 + i }));
    const reqs = await afterBase((b) => planPublish(b, 'netplumb', 'e1', [...mappings, { protocol: 'udp', hostIp: '127.0.0.1', hostPort: 53, containerIp: '10.0.0.2', containerPort: 53 }]));
    assert.ok(reqs.every((r) => r.op === 'nft.setelem.add' && r.args!.exclusive === true));
    assert.deepEqual([...new Set(reqs.map((r) => r.args!.set))], ['ports_any', 'ports_addr']);
    const any = reqs.filter((r) => r.args!.set === 'ports_any');
    assert.equal(any.reduce((n, r) => n + (r.args!.keys as Buffer).length, 0), 1000 * 8, 'packed: keys in buffers, 8 bytes each (split only to fit 64 KiB messages)');
    assert.ok(any.every((r) => (r.args!.userdata as Buffer).includes(Buffer.from('ep:e1'))));
  });

  it('checks networks before anything is planned', () => {
    const ok = { id: 'n1', bridge: 'np-n1', subnets: ['172.18.0.0/16'] };
    checkNetwork(ok);
    const bad: Array<[object, RegExp]> = [
      [{ ...ok, id: '' }, /network id/],
      [{ ...ok, id: 'a b' }, /is not an id/],
      [{ ...ok, bridge: 'a-very-long-bridge-name' }, /is not an interface name/],
      [{ ...ok, subnets: [] }, /at least one IPv4 subnet/],
      [{ ...ok, subnets: ['172.18.0.1/16'] }, /has host bits set/],
      [{ ...ok, subnets: ['fd00::/64'] }, /is not an IPv4 subnet/],
      [{ ...ok, subnets: ['10.0.0.0/8', '10.1.0.0/16'] }, /overlap/],
      [{ ...ok, outboundNat: 'sometimes' }, /outboundNat is/],
      [{ ...ok, internal: true, outboundNat: 'masquerade' }, /internal network has no outbound traffic/],
      [{ ...ok, icc: 'no' }, /icc is true or false/],
    ];
    for (const [net, message] of bad) assert.throws(() => checkNetwork(net as never), message);
  });

  it('owner tags and subnet arithmetic', () => {
    assert.deepEqual(owner.parse('ep:abc'), { kind: 'endpoint', id: 'abc' });
    assert.deepEqual(owner.parse('net:n1'), { kind: 'network', id: 'n1' });
    assert.equal(owner.parse('base'), undefined);
    assert.ok(subnetContains('10.88.0.0/24', '10.88.0.255'));
    assert.ok(!subnetContains('10.88.0.0/24', '10.88.1.0'));
  });
});

describe('firewall: reading the kernel back', () => {
  it('interval set elements become ranges with their owner, adjacent ranges included', () => {
    const el = (key: string, intervalEnd: boolean, comment?: string) => ({ key, intervalEnd, comment });
    // As the kernel dumps them: in reverse order, with the set's end element at zero.
    const ranges = intervalRanges([el('10.0.2.0', true), el('10.0.1.0', false, 'net:b'), el('10.0.1.0', true), el('10.0.0.0', false, 'net:a'), el('0.0.0.0', true), el('192.168.0.0', false, 'net:c')]);
    assert.deepEqual(ranges.map((r) => [rangeText(r), r.comment]), [['10.0.0.0/24', 'net:a'], ['10.0.1.0/24', 'net:b'], ['192.168.0.0-255.255.255.255', 'net:c']]);
  });

  it('which listening sockets take IPv4 traffic for a host address', () => {
    const s = (address: string, dualStack = false) => ({ protocol: 'tcp' as const, address, port: 80, dualStack, inode: 1 });
    assert.ok(socketCoversIpv4(s('0.0.0.0'), '127.0.0.1'));
    assert.ok(socketCoversIpv4(s('127.0.0.1'), '0.0.0.0'));
    assert.ok(!socketCoversIpv4(s('127.0.0.1'), '10.0.0.1'));
    assert.ok(socketCoversIpv4(s('::', true), '10.0.0.1'));
    assert.ok(!socketCoversIpv4(s('::'), '10.0.0.1'), 'a v6only socket on :: takes no IPv4');
    assert.ok(!socketCoversIpv4(s('::1'), '0.0.0.0'));
    assert.ok(socketCoversIpv4(s('::ffff:10.0.0.1'), '10.0.0.1'));
  });
});
