// Name resolution end to end, through the CLI: members of user-defined
// networks find each other by name, hostname and alias through netplumb's DNS
// server; the default network resolves no one except through --link;
// --add-host, --dns, --dns-search and --dns-option end up in the files
// processes in the sandbox read. Oracles: glibc's getaddrinfo in a real
// process inside the sandbox (`getent hosts`), `dig`, the files as `cat` in
// the sandbox prints them, `ss` for what listens on port 53, and a DNS server
// of the test's own that logs what was forwarded to it.
//
// The host's resolv.conf is the test's (bind-mounted over /etc/resolv.conf in
// the test's private mount namespace): a loopback resolver, which containers
// cannot use, and one with no route from the isolated namespace.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, type ChildProcess } from 'child_process';
import { requireSandbox } from '../helpers/sandbox';
import { CLI, dnsListeners, ipj, networkRecord, np, npOk, refused, sh, snapshot } from '../helpers/cli';

const UPSTREAM = path.join(__dirname, '..', 'helpers', 'dns-upstream.js');
const HOST_RESOLV_CONF = 'nameserver 127.0.0.53\nnameserver 10.250.0.53\nsearch example.test\noptions edns0\n';

/** The IPv4 address of a sandbox's interface, from `ip -j` in its namespace. */
function ipOf(sandbox: string, dev = 'eth0'): string {
  const [link] = ipj<Array<{ addr_info: Array<{ family: string; local: string }> }>>('-n', sandbox, 'addr', 'show', 'dev', dev);
  return link.addr_info.find((a) => a.family === 'inet')!.local;
}

/** What `getent hosts NAME` in the sandbox answers (glibc's getaddrinfo: files, then DNS): the address, or undefined when the name does not resolve. */
function resolve(sandbox: string, name: string): string | undefined {
  const r = np(['exec', sandbox, '--', 'getent', 'hosts', name]);
  if (r.status === 2) return undefined;
  assert.strictEqual(r.status, 0, `getent hosts ${name} in ${sandbox}: exit ${r.status} ${r.stderr}`);
  return r.stdout.trim().split(/\s+/)[0];
}

/** A file as a process in the sandbox reads it. */
function fileIn(sandbox: string, file: string): string {
  return npOk('exec', sandbox, '--', 'cat', file);
}

function dnsServerPid(): number | undefined {
  try {
    return Number(fs.readFileSync('/run/netplumb/dns.pid', 'utf8').trim());
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `netplumb ARGS...` without waiting (to run several at once). */
function npAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => { stderr += c; });
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

function removeAllSandboxes(): void {
  const left = JSON.parse(np(['ps', '--json']).stdout || '[]') as Array<{ name: string }>;
  if (left.length) np(['rm', '-f', ...left.map((s) => s.name)]);
}

describe('e2e: name resolution (DNS)', function () {
  this.timeout(60000);
  const hostResolvConf = path.join(os.tmpdir(), `netplumb-e2e-resolv-${process.pid}.conf`);
  let mounted = false;

  before(function () {
    requireSandbox(this);
    fs.writeFileSync(hostResolvConf, HOST_RESOLV_CONF);
    assert.strictEqual(sh('mount', '--bind', hostResolvConf, '/etc/resolv.conf').status, 0, 'cannot bind the test resolv.conf over /etc/resolv.conf');
    mounted = true;
    npOk('network', 'create', '--subnet', '10.71.0.0/24', 'dns1');
    npOk('network', 'create', '--subnet', '10.72.0.0/24', 'dns2');
  });
  after(function () {
    removeAllSandboxes();
    np(['network', 'rm', 'dns1', 'dns2', 'dns3']);
    if (mounted) sh('umount', '/etc/resolv.conf');
    fs.rmSync(hostResolvConf, { force: true });
  });

  it('B resolves A by name, hostname, aliases and NAME.NETWORK as soon as A is created, from the DNS server; loses them when A goes', () => {
    npOk('create', '--name', 'b', '--net', 'dns1');
    npOk('create', '--name', 'a', '--net', 'dns1', '--hostname', 'a-host', '--alias', 'web', '--network-alias', 'www');
    const a = ipOf('a');
    // The first lookup after the command returned: no waiting, no retry.
    for (const name of ['a', 'a-host', 'web', 'www', 'a.dns1']) assert.strictEqual(resolve('b', name), a, `${name} in b`);
    // From the DNS server on the gateway, not from b's /etc/hosts.
    assert.strictEqual(fileIn('b', '/etc/resolv.conf'), '# Generated by netplumb.\nnameserver 10.71.0.1\nsearch example.test\noptions edns0\n');
    assert.doesNotMatch(fileIn('b', '/etc/hosts'), /\ba\b|web/);
    assert.strictEqual(npOk('exec', 'b', '--', 'dig', '+short', '+time=2', '+tries=1', '@10.71.0.1', 'web').trim(), a);
    npOk('rm', 'a');
    for (const name of ['a', 'a-host', 'web', 'www', 'a.dns1']) assert.strictEqual(resolve('b', name), undefined, `${name} still resolves in b`);
  });

  it('names are per network: connect --alias adds a name on that network only; disconnect takes it away', () => {
    npOk('create', '--name', 'a2', '--net', 'dns1');
    npOk('create', '--name', 'c', '--net', 'dns2');
    // A name on another network does not resolve.
    assert.strictEqual(resolve('c', 'a2'), undefined);
    assert.strictEqual(resolve('b', 'c'), undefined);
    npOk('network', 'connect', '--alias', 'api', 'dns2', 'a2');
    const onDns2 = ipOf('a2', 'eth1');
    assert.strictEqual(resolve('c', 'a2'), onDns2);
    assert.strictEqual(resolve('c', 'api'), onDns2);
    assert.strictEqual(resolve('b', 'api'), undefined, 'the dns2 alias resolves on dns1');
    assert.strictEqual(resolve('b', 'a2'), ipOf('a2', 'eth0'));
    // a2, on both networks, resolves members of both.
    assert.strictEqual(resolve('a2', 'c'), ipOf('c'));
    assert.strictEqual(resolve('a2', 'b'), ipOf('b'));
    npOk('network', 'disconnect', 'dns2', 'a2');
    assert.strictEqual(resolve('c', 'a2'), undefined);
    assert.strictEqual(resolve('c', 'api'), undefined);
    assert.strictEqual(resolve('b', 'a2'), ipOf('a2', 'eth0'));
    assert.strictEqual(resolve('a2', 'c'), undefined);
  });

  it('the default network bridge resolves nothing between sandboxes except through --link; resolv.conf as Docker writes it', () => {
    npOk('create', '--name', 'd1');
    npOk('create', '--name', 'd2');
    npOk('create', '--name', 'd3', '--link', 'd1:db');
    const d1 = ipOf('d1');
    assert.strictEqual(resolve('d2', 'd1'), undefined);
    assert.strictEqual(resolve('d1', 'd2'), undefined);
    assert.strictEqual(resolve('d3', 'db'), d1);
    assert.strictEqual(resolve('d3', 'd1'), d1);
    assert.match(fileIn('d3', '/etc/hosts'), new RegExp(`^${d1.replace(/\./g, '\\.')}\\tdb d1$`, 'm'));
    // The host's resolvers less the loopback one, its search list and options.
    assert.strictEqual(fileIn('d2', '/etc/resolv.conf'), '# Generated by netplumb.\nnameserver 10.250.0.53\nsearch example.test\noptions edns0\n');
    // --dns, --dns-search and --dns-option written as given.
    npOk('create', '--name', 'd4', '--dns', '192.0.2.1', '--dns', '2001:db8::53', '--dns-search', 'corp.test', '--dns-option', 'ndots:2', '--dns-option', 'edns0');
    assert.strictEqual(fileIn('d4', '/etc/resolv.conf'), '# Generated by netplumb.\nnameserver 192.0.2.1\nnameserver 2001:db8::53\nsearch corp.test\noptions ndots:2 edns0\n');
    npOk('create', '--name', 'd5', '--dns-search', '.');
    assert.doesNotMatch(fileIn('d5', '/etc/resolv.conf'), /search/);
    // No DNS server listens on the default network's gateway.
    const bridge = networkRecord('bridge');
    assert.ok(!dnsListeners().some((l) => l.includes(`${bridge.gateway}:53`)), `${dnsListeners()}`);
  });

  it('on a user-defined network: --add-host (host-gateway), --dns-search, --dns-option in the files; --dns is where the DNS server forwards that sandbox\'s queries', async () => {
    npOk('create', '--name', 'up', '--net', 'dns1');
    const up = ipOf('up');
    npOk('exec', '-d', 'up', '--', process.execPath, UPSTREAM, '--listen', up, '--zone', JSON.stringify({ 'ext.example': ['192.0.2.10'] }));
    await waitFor('the test upstream to listen', () => sh('ip', 'netns', 'exec', 'up', 'ss', '-Hlun').stdout.includes(`${up}:53`));
    npOk('create', '--name', 'e', '--net', 'dns1', '--dns', up, '--dns-search', 'corp.test', '--dns-option', 'ndots:2',
      '--add-host', 'db:10.1.2.3', '--add-host', 'gw:host-gateway', '--add-host', 'v6:[2001:db8::1]', '--add-host', 'eq=10.1.2.4');
    const e = ipOf('e');
    assert.strictEqual(fileIn('e', '/etc/resolv.conf'), '# Generated by netplumb.\nnameserver 10.71.0.1\nsearch corp.test\noptions ndots:2\n');
    const hosts = fileIn('e', '/etc/hosts').split('\n');
    for (const line of ['127.0.0.1\tlocalhost', '10.1.2.3\tdb', '10.71.0.1\tgw', '2001:db8::1\tv6', '10.1.2.4\teq', `${e}\te`]) assert.ok(hosts.includes(line), `no line ${JSON.stringify(line)} in\n${hosts.join('\n')}`);
    assert.strictEqual(resolve('e', 'db'), '10.1.2.3');
    assert.strictEqual(resolve('e', 'gw'), '10.71.0.1');
    // Forwarded by the DNS server (from the gateway) to e's own --dns server; b has none, and the host's resolvers are out of reach.
    assert.strictEqual(resolve('e', 'ext.example'), '192.0.2.10');
    const seen = fs.readFileSync('/run/netplumb/sandboxes/up.log', 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { name: string; from: string });
    assert.ok(seen.some((q) => q.name === 'ext.example' && q.from === '10.71.0.1'), `the upstream saw: ${JSON.stringify(seen)}`);
    assert.strictEqual(resolve('b', 'ext.example'), undefined);
    // e's own names still come from the DNS server, not from its upstream.
    assert.strictEqual(resolve('e', 'b'), ipOf('b'));
  });

  it('bad name-resolution options: one clear line, exit 2, nothing changed', () => {
    refused(['create', '--name', 'x', '--dns', 'nope'], /invalid --dns value "nope": not an IPv4 or IPv6 address/, 2);
    refused(['create', '--name', 'x', '--dns', '192.0.2.1', '--dns', '192.0.2.2', '--dns', '192.0.2.3', '--dns', '192.0.2.4'], /too many --dns servers \(4\)/, 2);
    refused(['run', '--rm', '--name', 'x', '--dns-option', 'bogus', '--', 'true'], /invalid --dns-option value "bogus": unknown resolver option/, 2);
    refused(['create', '--name', 'x', '--dns-option', 'ndots:99'], /ndots takes a number from 0 to 15/, 2);
    refused(['create', '--name', 'x', '--dns-search', 'a..b'], /invalid --dns-search value "a\.\.b"/, 2);
    refused(['create', '--name', 'x', '--add-host', 'db'], /invalid --add-host value "db": expected NAME:IP/, 2);
    refused(['create', '--name', 'x', '--add-host', 'db:300.1.1.1'], /"300\.1\.1\.1" is not an IPv4 or IPv6 address, nor host-gateway/, 2);
    refused(['create', '--name', 'x', '--link', 'a:b:c'], /invalid --link value "a:b:c": expected NAME or NAME:ALIAS/, 2);
    refused(['create', '--name', 'x', '--net', 'dns1', '--alias', 'bad..name'], /invalid --alias value "bad\.\.name": it has an empty label/, 2);
    refused(['network', 'connect', '--alias', 'x..y', 'dns2', 'b'], /invalid --alias value "x\.\.y"/, 2);
  });

  it('name-resolution options the network mode cannot honour: one clear line, exit 1, nothing changed', () => {
    refused(['create', '--name', 'x', '--net', 'host', '--dns', '192.0.2.1'], /--dns cannot be used with network mode host/);
    refused(['create', '--name', 'x', '--net', 'container:b', '--add-host', 'db:10.1.1.1'], /--add-host cannot be used with network mode container/);
    refused(['create', '--name', 'x', '--net', 'none', '--add-host', 'gw:host-gateway'], /host-gateway needs a network that has the host on it/);
    refused(['create', '--name', 'x', '--net', 'dns1', '--dns', '127.0.0.1'], /--dns 127\.0\.0\.1 cannot be used on network dns1: its DNS server forwards/);
    refused(['create', '--name', 'x', '--link', 'ghost'], /sandbox ghost not found \(--link\)/);
    npOk('create', '--name', 'lo-dns', '--dns', '127.0.0.1');
    assert.match(fileIn('lo-dns', '/etc/resolv.conf'), /^nameserver 127\.0\.0\.1$/m);
    refused(['network', 'connect', 'dns1', 'lo-dns'], /--dns 127\.0\.0\.1 cannot be used on network dns1/);
  });

  it('a fault at the DNS step of create, connect and disconnect rolls back: nothing left, names as before', () => {
    const b = ipOf('b');
    for (const step of ['dns', 'after-dns']) {
      refused(['create', '--name', 'f1', '--net', 'dns1', '--alias', 'fweb'], new RegExp(`injected fault at step ${step}`), 1, { NETPLUMB_FAULT: step });
      assert.strictEqual(resolve('b', 'f1'), undefined);
      assert.strictEqual(resolve('b', 'fweb'), undefined);
    }
    npOk('create', '--name', 'g', '--net', 'dns2');
    for (const step of ['dns', 'after-dns']) {
      refused(['network', 'connect', '--alias', 'gweb', 'dns1', 'g'], new RegExp(`injected fault at step ${step}`), 1, { NETPLUMB_FAULT: step });
      assert.strictEqual(resolve('b', 'gweb'), undefined);
      assert.strictEqual(resolve('g', 'b'), undefined);
    }
    npOk('network', 'connect', '--alias', 'gweb', 'dns1', 'g');
    const g = ipOf('g', 'eth1');
    assert.strictEqual(resolve('b', 'gweb'), g);
    for (const step of ['dns', 'after-dns']) {
      refused(['network', 'disconnect', 'dns1', 'g'], new RegExp(`injected fault at step ${step}`), 1, { NETPLUMB_FAULT: step });
      assert.strictEqual(resolve('b', 'gweb'), g);
      assert.strictEqual(resolve('g', 'b'), b);
    }
  });

  it('the first member of a network whose create fails at the DNS step leaves no DNS listener behind', () => {
    npOk('network', 'create', '--subnet', '10.73.0.0/24', 'dns3');
    refused(['create', '--name', 'h1', '--net', 'dns3'], /injected fault at step after-dns/, 1, { NETPLUMB_FAULT: 'after-dns' });
    assert.ok(!dnsListeners().some((l) => l.includes('10.73.0.1:53')));
  });

  it('a DNS server that cannot listen on the gateway (another program has port 53 there) fails the command cleanly', async () => {
    let blocker: ChildProcess | undefined;
    try {
      blocker = spawn(process.execPath, ['-e', "require('dgram').createSocket('udp4').bind(53, '10.73.0.1', () => console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        blocker!.stdout!.once('data', () => resolve());
        blocker!.once('exit', (code) => reject(new Error(`the blocker exited (${code})`)));
      });
      refused(['create', '--name', 'h2', '--net', 'dns3'], /cannot listen on 10\.73\.0\.1:53 \(UDP\) for network dns3: .*another program listens there/);
    } finally {
      blocker?.kill();
    }
    // The others are still served.
    assert.strictEqual(resolve('b', 'e'), ipOf('e'));
  });

  it('gc sends every network again to a DNS server that died', async () => {
    const pid = dnsServerPid();
    assert.ok(pid && alive(pid), 'no DNS server runs');
    process.kill(pid!, 'SIGKILL');
    await waitFor('the DNS server to die', () => !alive(pid!));
    assert.strictEqual(resolve('b', 'e'), undefined);
    const report = npOk('gc');
    assert.match(report, /sent network dns1 \(\d+ members\) to the DNS server, which had to be started/);
    assert.match(report, /sent network dns2 \(\d+ members\) to the DNS server/);
    assert.strictEqual(resolve('b', 'e'), ipOf('e'));
    assert.strictEqual(resolve('b', 'gweb'), ipOf('g', 'eth1'));
    // A second run finds nothing to repair.
    assert.doesNotMatch(npOk('gc'), /DNS server/);
  });

  it('a crash after the DNS step: gc removes the half-made sandbox and its names', () => {
    const r = np(['create', '--name', 'k1', '--net', 'dns1', '--alias', 'kweb'], { NETPLUMB_CRASH: 'after-dns' });
    assert.notStrictEqual(r.status, 0);
    assert.ok(resolve('b', 'kweb'), 'the crash came before the names were sent');
    assert.match(npOk('gc'), /removed sandbox k1 \(left half-made\)/);
    assert.strictEqual(resolve('b', 'kweb'), undefined);
    assert.strictEqual(resolve('b', 'k1'), undefined);
  });

  it('sandboxes created, then removed, at the same moment: every name answers, then none', async () => {
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const results = await Promise.all(names.map((n) => npAsync(['create', '--name', n, '--net', 'dns1', '--alias', `${n}-alias`])));
    results.forEach((r, i) => assert.strictEqual(r.status, 0, `create ${names[i]}: ${r.stderr}`));
    for (const n of names) assert.strictEqual(resolve('b', `${n}-alias`), ipOf(n), `${n}-alias in b`);
    const removed = await Promise.all(names.map((n) => npAsync(['rm', n])));
    removed.forEach((r, i) => assert.strictEqual(r.status, 0, `rm ${names[i]}: ${r.stderr}`));
    for (const n of names) assert.strictEqual(resolve('b', `${n}-alias`), undefined, `${n}-alias still resolves in b`);
    assert.strictEqual(resolve('b', 'e'), ipOf('e'));
  });

  it('the DNS server is gone once the last sandbox has left', async () => {
    const pid = dnsServerPid();
    assert.ok(pid && alive(pid), 'no DNS server runs');
    const before = snapshot();
    assert.ok(JSON.parse(before).dnsListeners.length > 0);
    removeAllSandboxes();
    await waitFor('the DNS server to exit', () => !alive(pid!));
    assert.deepStrictEqual(dnsListeners(), []);
    assert.ok(!fs.existsSync('/run/netplumb/dns.sock'), 'the control socket is left');
    assert.ok(!fs.existsSync('/run/netplumb/dns.pid'), 'the pid file is left');
  });
});
