// Self-repair: what the store says should exist but someone removed by hand
// (`ip link del` of a bridge or a veth, `ip addr flush`, `ip link set
// nomaster`, `ip netns del`, an edited hosts file) is restored by `netplumb gc`,
// or, when it cannot be honoured any more, its records are removed; gc says
// which. Checked with the independent checker and real traffic. Also: each
// named crash point of the removal and connect paths is repaired, and the
// checker itself sees each kind of leak (it can fail).
import * as assert from 'assert';
import * as fs from 'fs';
import Database from 'better-sqlite3';
import { requireSandbox } from '../helpers/sandbox';
import { ipj, np, npOk, sandboxRecord, networkRecord, sh, snapshot, TCP_CLIENT, TCP_SERVER } from '../helpers/cli';
import { checkConsistency, readStore } from '../helpers/consistency';

function reachable(from: string, to: string): void {
  const address = sandboxRecord(to).endpoints[0].address;
  const r = np(['exec', from, '--', process.execPath, '-e', TCP_CLIENT(address, 7171)]);
  assert.strictEqual(r.status, 0, `${from} cannot reach ${to} (${address}): ${r.stderr}`);
  assert.match(r.stdout, new RegExp(`hello from ${to}`));
}

describe('e2e: gc restores what was removed by hand', function () {
  this.timeout(120000);
  let net: ReturnType<typeof networkRecord>;

  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.86.0.0/24', 'mended');
    net = networkRecord('mended');
    npOk('run', '-d', '--name', 'mserver', '--net', 'mended', '--', process.execPath, '-e', TCP_SERVER(7171));
    npOk('create', '--name', 'mclient', '--net', 'mended');
    reachable('mclient', 'mserver');
  });
  after(() => {
    np(['rm', '-f', 'mserver', 'mclient', 'mgone']);
    np(['network', 'rm', 'mended']);
  });

  it('a deleted bridge: made again with its address, its ports re-attached; traffic flows again', () => {
    sh('ip', 'link', 'del', net.device);
    assert.ok(checkConsistency().some((p) => p.includes(`bridge ${net.device} is missing`)));
    const report = npOk('gc');
    assert.match(report, new RegExp(`re-created bridge ${net.device} of network mended with address 10\\.86\\.0\\.1/24`));
    assert.match(report, /re-attached np[0-9a-f]{12} of sandbox mserver on network mended to bridge/);
    assert.match(report, /re-attached np[0-9a-f]{12} of sandbox mclient on network mended to bridge/);
    assert.deepStrictEqual(checkConsistency(), []);
    const bridge = ipj<Array<{ ifalias?: string }>>('-d', 'link', 'show', 'dev', net.device)[0];
    assert.strictEqual(bridge.ifalias, `netplumb network ${net.id}`);
    reachable('mclient', 'mserver');
  });

  it('a deleted veth: the endpoint is made again (same address and MAC), with its default route', () => {
    const ep = sandboxRecord('mclient').endpoints[0];
    sh('ip', 'link', 'del', ep.hostIfname!);
    const report = npOk('gc');
    assert.match(report, new RegExp(`re-created the link of sandbox mclient on network mended \\(${ep.hostIfname}, eth0 ${ep.address.replace(/\./g, '\\.')}/24\\)`));
    assert.deepStrictEqual(checkConsistency(), []);
    const routes = ipj<Array<{ dst: string; gateway?: string }>>('-n', 'mclient', 'route', 'show');
    assert.ok(routes.some((r) => r.dst === 'default' && r.gateway === '10.86.0.1'), JSON.stringify(routes));
    reachable('mclient', 'mserver');
  });

  it('a flushed address, a port taken off its bridge, a link set down', () => {
    const ep = sandboxRecord('mserver').endpoints[0];
    sh('ip', 'addr', 'flush', 'dev', net.device);
    sh('ip', 'link', 'set', ep.hostIfname!, 'nomaster');
    sh('ip', '-n', 'mserver', 'link', 'set', 'eth0', 'down');
    const report = npOk('gc');
    assert.match(report, new RegExp(`restored address 10\\.86\\.0\\.1/24 on bridge ${net.device}`));
    assert.match(report, new RegExp(`re-attached ${ep.hostIfname} of sandbox mserver`));
    assert.match(report, /set eth0 of sandbox mserver on network mended up again/);
    assert.deepStrictEqual(checkConsistency(), []);
    reachable('mclient', 'mserver');
  });

  it('an edited hosts file is rewritten from the store', () => {
    fs.writeFileSync('/etc/netns/mclient/hosts', '127.0.0.1 localhost\n10.86.0.200 intruder\n');
    assert.ok(checkConsistency().length > 0);
    assert.match(npOk('gc'), /rewrote \/etc\/netns\/mclient\/hosts \(it was out of date\)/);
    assert.deepStrictEqual(checkConsistency(), []);
  });

  it('nft flush ruleset: the source guard of every port is restored', () => {
    sh('nft', 'flush', 'ruleset');
    assert.ok(checkConsistency().some((p) => /is not guarded/.test(p)));
    const report = npOk('gc');
    assert.match(report, /restored the source guard of np[0-9a-f]{12} \(sandbox mserver, 10\.86\.0\.\d+\)/);
    assert.match(report, /restored the source guard of np[0-9a-f]{12} \(sandbox mclient, 10\.86\.0\.\d+\)/);
    assert.deepStrictEqual(checkConsistency(), []);
    reachable('mclient', 'mserver');
  });

  it('a deleted sandbox namespace cannot be honoured: its records and address lease go, and gc says so', () => {
    npOk('create', '--name', 'mgone', '--net', 'mended');
    const address = sandboxRecord('mgone').endpoints[0].address;
    sh('ip', 'netns', 'del', 'mgone');
    assert.match(npOk('gc'), /removed sandbox mgone \(its namespace is gone\)/);
    assert.ok(!readStore().addresses.some((a) => a.address === address), 'its address is still leased');
    assert.deepStrictEqual(checkConsistency(), []);
  });

  it('nothing to do: gc says so and changes nothing', () => {
    const before = snapshot();
    assert.strictEqual(npOk('gc'), 'nothing to remove\n');
    assert.strictEqual(snapshot(), before);
  });
});

describe('e2e: each named crash point of removals and connects is repaired', function () {
  this.timeout(120000);
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.85.0.0/24', 'points');
    npOk('network', 'create', '--subnet', '10.84.0.0/24', 'points2');
    npOk('create', '--name', 'pbox', '--net', 'points');
    npOk('create', '--name', 'ppeer', '--net', 'points', '--net', 'points2');
  });
  after(() => {
    np(['rm', '-f', 'pbox', 'ppeer', 'pvictim']);
    np(['network', 'rm', 'points', 'points2', 'pspare']);
  });

  const crash = (step: string, ...args: string[]) => {
    const r = np(args, { NETPLUMB_CRASH: step });
    // np() reports a death by signal as status -1.
    assert.strictEqual(r.status, -1, `netplumb ${args.join(' ')} was not killed at ${step}: ${r.status} ${r.stderr}`);
  };

  for (const [step, args, expect, how, setup] of [
    ['after-connect', ['network', 'connect', 'points2', 'pbox'], /removed the endpoint of sandbox pbox on network points2 \(its connect was interrupted\)/, 'gc'],
    ['disconnect-marked', ['network', 'disconnect', 'points2', 'ppeer'], /disconnected sandbox ppeer from network points2 \(the disconnect was interrupted\)/, 'next'],
    ['disconnect-link', ['network', 'disconnect', 'points2', 'ppeer'], /disconnected sandbox ppeer from network points2/, 'gc', ['network', 'connect', 'points2', 'ppeer']],
  ] as Array<[string, string[], RegExp, string, string[] | undefined]>) {
    it(`${args.join(' ')} killed at ${step}: ${how === 'gc' ? 'gc' : 'the next mutating command'} finishes or undoes it`, () => {
      if (setup) npOk(...setup);
      crash(step, ...args);
      assert.ok(checkConsistency().length > 0, 'the crash left nothing to repair');
      if (how === 'gc') assert.match(npOk('gc'), expect);
      else {
        assert.strictEqual(np(['network', 'ls']).status, 0); // not mutating: repairs nothing
        assert.ok(checkConsistency().length > 0);
        npOk('create', '--name', 'pvictim', '--net', 'points');
        npOk('rm', 'pvictim');
      }
      assert.deepStrictEqual(checkConsistency(), []);
    });
  }

  it('rm killed after marking: gc finishes it', () => {
    npOk('create', '--name', 'pvictim', '--net', 'points');
    crash('rm-marked', 'rm', 'pvictim');
    assert.match(npOk('gc'), /removed sandbox pvictim \(its removal was interrupted\)/);
    assert.deepStrictEqual(checkConsistency(), []);
  });

  for (const step of ['network-rm-marked', 'network-rm-objects']) {
    it(`network rm killed at ${step}: the next command finishes it`, () => {
      npOk('network', 'create', '--subnet', '10.83.0.0/24', 'pspare');
      crash(step, 'network', 'rm', 'pspare');
      assert.ok(readStore().networks.some((n) => n.name === 'pspare' && n.status === 'removing'));
      npOk('create', '--name', 'pvictim', '--net', 'points');
      npOk('rm', 'pvictim');
      assert.ok(!readStore().networks.some((n) => n.name === 'pspare'));
      assert.deepStrictEqual(checkConsistency(), []);
    });
  }
});

describe('e2e: the consistency checker sees each kind of leak', function () {
  this.timeout(60000);
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.82.0.0/24', 'checked');
    npOk('create', '--name', 'cbox', '--net', 'checked');
    assert.deepStrictEqual(checkConsistency(), []);
  });
  after(() => {
    np(['rm', '-f', 'cbox']);
    np(['network', 'rm', 'checked']);
  });

  const sees = (make: () => void, undo: () => void, pattern: RegExp) => {
    make();
    try {
      const problems = checkConsistency();
      assert.ok(problems.some((p) => pattern.test(p)), `expected ${pattern}, got ${JSON.stringify(problems)}`);
    } finally {
      undo();
    }
    assert.deepStrictEqual(checkConsistency(), []);
  };

  it('a veth with a netplumb name and no endpoint', () => sees(() => sh('ip', 'link', 'add', 'np0123456789ab', 'type', 'veth', 'peer', 'name', 'xpeer'), () => sh('ip', 'link', 'del', 'np0123456789ab'), /veth np0123456789ab belongs to 0 endpoints/));
  it('a namespace without a sandbox', () => sees(() => sh('ip', 'netns', 'add', 'strayns'), () => sh('ip', 'netns', 'del', 'strayns'), /namespace strayns has no sandbox/));
  it('a namespace file under /run/netplumb/ns', () => sees(() => fs.writeFileSync('/run/netplumb/ns/stray.uts', ''), () => fs.rmSync('/run/netplumb/ns/stray.uts'), /file \/run\/netplumb\/ns\/stray.uts has no sandbox/));
  it('a folder under /etc/netns', () => sees(() => fs.mkdirSync('/etc/netns/strayetc'), () => fs.rmdirSync('/etc/netns/strayetc'), /folder \/etc\/netns\/strayetc has no sandbox/));
  it('a missing address inside a sandbox', () => {
    const ep = sandboxRecord('cbox').endpoints[0];
    sees(() => sh('ip', '-n', 'cbox', 'addr', 'flush', 'dev', 'eth0'), () => sh('ip', '-n', 'cbox', 'addr', 'add', `${ep.address}/24`, 'dev', 'eth0'), /sandbox cbox: eth0 lacks/);
  });
  it('an address lease without its endpoint, and a record left marked', () => {
    const file = `${process.env.NETPLUMB_STATE_DIR}/netplumb.db`;
    const net = networkRecord('checked');
    const db = new Database(file);
    try {
      sees(() => db.prepare('INSERT INTO addresses (network_id, address, owner) VALUES (?, ?, ?)').run(net.id, '10.82.0.99', 'f'.repeat(64)),
        () => db.prepare('DELETE FROM addresses WHERE address = ?').run('10.82.0.99'), /address 10\.82\.0\.99 is leased to ffffffffffff, which is no endpoint/);
      const row = db.prepare('SELECT data FROM sandboxes WHERE name = ?').get('cbox') as { data: string };
      sees(() => db.prepare('UPDATE sandboxes SET data = ? WHERE name = ?').run(JSON.stringify({ ...JSON.parse(row.data), status: 'removing' }), 'cbox'),
        () => db.prepare('UPDATE sandboxes SET data = ? WHERE name = ?').run(row.data, 'cbox'), /sandbox cbox is still marked removing/);
    } finally {
      db.close();
    }
  });
});
