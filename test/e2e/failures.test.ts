// Every bad input is one clear line, exit 1 (2 for usage), and changes
// nothing; a failure injected between steps leaves nothing behind; a crash
// part-way is repaired by `netplumb gc`; not root is a clear refusal.
import * as assert from 'assert';
import * as fs from 'fs';
import { requireSandbox } from '../helpers/sandbox';
import { netnsList, np, npOk, refused, sh, snapshot } from '../helpers/cli';

describe('e2e: bad input changes nothing', function () {
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.60.0.0/24', 'taken');
    npOk('create', '--name', 'holder', '--net', 'taken', '--ip', '10.60.0.10');
  });
  after(function () {
    np(['rm', '-f', 'holder']);
    np(['network', 'rm', 'taken']);
  });

  it('overlapping subnet', () => refused(['network', 'create', '--subnet', '10.60.0.0/16', 'other'], /subnet 10\.60\.0\.0\/16 overlaps network taken \(10\.60\.0\.0\/24\)/));
  it('gateway outside the subnet', () => refused(['network', 'create', '--subnet', '10.61.0.0/24', '--gateway', '10.62.0.1', 'other'], /gateway 10\.62\.0\.1 is not in subnet 10\.61\.0\.0\/24/));
  it('ip-range outside the subnet', () => refused(['network', 'create', '--subnet', '10.61.0.0/24', '--ip-range', '10.61.1.0/25', 'other'], /ip-range 10\.61\.1\.0\/25 is not inside subnet 10\.61\.0\.0\/24/));
  it('aux address outside the subnet', () => refused(['network', 'create', '--subnet', '10.61.0.0/24', '--aux-address', 'r=10.9.9.9', 'other'], /aux-address r=10\.9\.9\.9 is not in subnet/));
  it('malformed subnet', () => refused(['network', 'create', '--subnet', '10.61.0.0/33', 'other'], /not an IPv4 prefix/));
  it('duplicate network name', () => refused(['network', 'create', '--subnet', '10.63.0.0/24', 'taken'], /network with name taken already exists/));
  it('reserved network name', () => refused(['network', 'create', 'host'], /reserved/));
  it('unknown driver and driver option', () => {
    refused(['network', 'create', '-d', 'overlay', 'other'], /unknown network driver "overlay"/);
    refused(['network', 'create', '-o', 'color=blue', 'other'], /unknown option color for the bridge driver/);
    refused(['network', 'create', '-d', 'macvlan', 'other'], /needs -o parent=DEVICE/);
  });
  it('network name too long', () => refused(['network', 'create', 'n'.repeat(65)], /is 65 characters long; at most 64/));
  it('unknown network', () => refused(['create', '--name', 'x1', '--net', 'nowhere'], /network nowhere not found/));
  it('duplicate sandbox name', () => refused(['create', '--name', 'holder', '--net', 'taken'], /sandbox name holder is already in use/));
  it('sandbox name too long', () => refused(['create', '--name', 's'.repeat(64)], /is 64 characters long; at most 63/));
  it('invalid sandbox name', () => refused(['create', '--name', '../etc'], /invalid sandbox name/));
  it('address already in use', () => refused(['create', '--name', 'x2', '--net', 'taken', '--ip', '10.60.0.10'], /ip 10\.60\.0\.10 is already in use on network taken/));
  it('address outside the network, and the gateway', () => {
    refused(['create', '--name', 'x3', '--net', 'taken', '--ip', '10.70.0.10'], /ip 10\.70\.0\.10 is not in subnet 10\.60\.0\.0\/24/);
    refused(['create', '--name', 'x3', '--net', 'taken', '--ip', '10.60.0.1'], /is the gateway of network taken/);
  });
  it('conflicting network modes', () => refused(['create', '--name', 'x4', '--net', 'host', '--net', 'taken'], /cannot be combined/));
  it('unknown sandbox for container: mode, exec and rm', () => {
    refused(['create', '--name', 'x5', '--net', 'container:ghost'], /sandbox ghost not found/);
    refused(['exec', 'ghost', '--', 'true'], /no such sandbox: ghost/);
    refused(['rm', 'ghost'], /no such sandbox: ghost/);
  });
  it('publishing a port without a firewall driver is refused, not pretended', () => refused(['create', '--name', 'x6', '--net', 'taken', '-p', '8080:80'], /cannot publish ports: this build of netplumb has no firewall driver/));
  it('malformed port spec', () => refused(['create', '--name', 'x7', '-p', '80:70000'], /invalid container port "70000"/));
  it('usage errors exit 2', () => {
    refused(['network', 'create', '--bogus', 'x'], /unknown option '--bogus'/, 2);
    refused(['network', 'create'], /missing required argument 'name'/, 2);
    refused(['network', 'create', '--aux-address', 'noequals', '--subnet', '10.64.0.0/24', 'x'], /--aux-address expects KEY=VALUE/, 2);
  });
});

describe('e2e: failure part-way leaves nothing behind', function () {
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.65.0.0/24', 'faulty');
    npOk('create', '--name', 'peer', '--net', 'faulty');
  });
  after(function () {
    np(['rm', '-f', 'peer']);
    np(['network', 'rm', 'faulty']);
  });

  for (const step of ['after-netns', 'after-namespaces', 'after-veth', 'after-addresses', 'after-state']) {
    it(`create with a fault injected ${step} rolls back`, () => {
      refused(['create', '--name', 'victim', '--net', 'faulty', '--net', 'bridge'], new RegExp(`injected fault at step ${step}`), 1, { NETPLUMB_FAULT: step });
      assert.doesNotMatch(fs.readFileSync('/etc/netns/peer/hosts', 'utf8'), /victim/);
    });
  }
  for (const step of ['after-bridge', 'after-network']) {
    it(`network create with a fault injected ${step} rolls back`, () => {
      refused(['network', 'create', '--subnet', '10.66.0.0/24', 'halfway'], new RegExp(`injected fault at step ${step}`), 1, { NETPLUMB_FAULT: step });
    });
  }
  it('network connect with a fault injected after the veth rolls back', () => {
    npOk('network', 'create', '--subnet', '10.67.0.0/24', 'second2');
    try {
      refused(['network', 'connect', 'second2', 'peer'], /injected fault at step after-veth/, 1, { NETPLUMB_FAULT: 'after-veth' });
    } finally {
      npOk('network', 'rm', 'second2');
    }
  });
});

describe('e2e: gc repairs a crash', function () {
  before(function () { requireSandbox(this); });

  it('removes what a command killed part-way left: namespace, veth, files, records', () => {
    npOk('network', 'create', '--subnet', '10.68.0.0/24', 'crashy');
    try {
      const before = snapshot();
      const r = np(['create', '--name', 'crashed', '--net', 'crashy'], { NETPLUMB_CRASH: 'after-addresses' });
      assert.notStrictEqual(r.status, 0);
      assert.ok(netnsList().includes('crashed'), 'the crash should have left the namespace');
      assert.match(sh('ip', '-o', 'link', 'show').stdout, /np[0-9a-f]{12}/, 'the crash should have left the veth');
      const report = npOk('gc');
      assert.match(report, /removed sandbox crashed \(left half-made\)/);
      assert.strictEqual(snapshot(), before);
    } finally {
      np(['network', 'rm', 'crashy']);
    }
  });

  it('removes tagged links and sandbox namespaces that have no record', () => {
    npOk('network', 'create', '--subnet', '10.69.0.0/24', 'orphaned');
    npOk('create', '--name', 'lost', '--net', 'orphaned');
    const [net] = JSON.parse(npOk('network', 'inspect', '--json', 'orphaned'));
    const before = snapshot();
    // Lose the records, as if the state folder had been wiped.
    const stateDir = process.env.NETPLUMB_STATE_DIR!;
    const saved = `${stateDir}.saved`;
    fs.cpSync(stateDir, saved, { recursive: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
    try {
      const report = npOk('gc');
      assert.match(report, new RegExp(`deleted bridge ${net.device}`));
      assert.match(report, /removed the namespaces and files of sandbox lost/);
      assert.ok(!netnsList().includes('lost'));
      assert.strictEqual(sh('ip', 'link', 'show', net.device).status, 1);
      assert.strictEqual(sh('ip', '-o', 'link', 'show').stdout.match(/np[0-9a-f]{12}/), null);
      assert.deepStrictEqual(fs.readdirSync('/run/netplumb/ns'), []);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
      fs.renameSync(saved, stateDir);
    }
    assert.notStrictEqual(snapshot(), before);
    // With the records back, gc sees the sandbox's namespace gone and drops its records; rm of the network works.
    assert.match(npOk('gc'), /removed sandbox lost \(its namespace is gone\)/);
    npOk('network', 'rm', 'orphaned');
  });
});

describe('e2e: privileges', function () {
  before(function () { requireSandbox(this); });
  it('without CAP_NET_ADMIN: a clear message, exit 1', () => {
    const r = sh('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, require.resolve('../../src/cli/main.js'), 'network', 'ls');
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stderr, /^netplumb: this needs CAP_NET_ADMIN and CAP_SYS_ADMIN \(run it as root\)/);
  });
});
