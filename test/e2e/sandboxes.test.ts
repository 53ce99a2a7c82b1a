// Sandboxes end to end, through the CLI, checked with ip -j, ip netns and real
// TCP traffic between sandboxes: every network mode, ip-range and gateway,
// two networks on one sandbox, /etc/hosts kept current, exit status, rm.
import * as assert from 'assert';
import * as fs from 'fs';
import { requireSandbox } from '../helpers/sandbox';
import { ipj, netnsList, networkRecord, np, npOk, sandboxRecord, sh, TCP_CLIENT, TCP_SERVER } from '../helpers/cli';

interface IpAddr { ifname: string; address?: string; link_index?: number; addr_info: Array<{ family: string; local: string; prefixlen: number }> }
interface IpRoute { dst: string; gateway?: string; dev?: string }

function addrs(ns: string, dev: string): string[] {
  return ipj<IpAddr[]>('-n', ns, 'addr', 'show', 'dev', dev).flatMap((l) => l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
}

function defaultRoute(ns: string): IpRoute | undefined {
  return ipj<IpRoute[]>('-n', ns, 'route', 'show').find((r) => r.dst === 'default');
}

/** A TCP exchange: a server in `server`, a client in `client` connecting to host:port. */
function talk(server: string, client: string, host: string, port: number): string {
  npOk('exec', '-d', server, '--', process.execPath, '-e', TCP_SERVER(port));
  return npOk('exec', client, '--', process.execPath, '-e', TCP_CLIENT(host, port)).trim();
}

describe('e2e: sandboxes', function () {
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '192.168.0.0/24', '--ip-range', '192.168.0.128/25', '--gateway', '192.168.0.1', 'my_network');
    npOk('network', 'create', '--subnet', '10.40.0.0/24', 'second');
  });
  after(function () {
    const left = (JSON.parse(np(['ps', '--json']).stdout || '[]') as Array<{ name: string; mode: { kind: string } }>);
    // Joiners first: a sandbox others join cannot go before them.
    const ordered = [...left.filter((s) => s.mode.kind === 'container'), ...left.filter((s) => s.mode.kind !== 'container')];
    for (const s of ordered) np(['rm', '-f', s.name]);
    np(['network', 'rm', 'my_network', 'second']);
  });

  it('bridge mode (default): np0 made on first use, eth0 with address, MAC and default route', () => {
    npOk('create', '--name', 'd1');
    const bridge = networkRecord('bridge');
    assert.strictEqual(bridge.device, 'np0');
    assert.strictEqual(ipj<Array<{ ifname: string }>>('link', 'show', 'np0').length, 1);
    const [eth0] = ipj<IpAddr[]>('-n', 'd1', 'addr', 'show', 'dev', 'eth0');
    const ip = eth0.addr_info.find((a) => a.family === 'inet')!;
    assert.strictEqual(`${ip.local}/${ip.prefixlen}`.split('/')[1], bridge.subnet.split('/')[1]);
    assert.strictEqual(eth0.address, `02:42:${ip.local.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':')}`);
    assert.strictEqual(defaultRoute('d1')?.gateway, bridge.gateway);
    // lo is up inside, and the host end is a port of np0.
    assert.ok(ipj<Array<{ flags: string[] }>>('-n', 'd1', 'link', 'show', 'lo')[0].flags.includes('UP'));
    const d1 = sandboxRecord('d1');
    assert.strictEqual(ipj<Array<{ master?: string }>>('link', 'show', d1.endpoints[0].hostIfname!)[0].master, 'np0');
    assert.ok(netnsList().includes('d1'));
  });

  it('two sandboxes on a user-defined network talk by IP; ip-range and gateway are honoured', () => {
    npOk('create', '--name', 'a', '--net', 'my_network');
    npOk('create', '--name', 'b', '--net', 'my_network');
    const [a] = addrs('a', 'eth0');
    const [b] = addrs('b', 'eth0');
    for (const cidr of [a, b]) {
      const last = Number(cidr.split('/')[0].split('.')[3]);
      assert.ok(cidr.startsWith('192.168.0.') && cidr.endsWith('/24') && last >= 128, `${cidr} is outside ip-range 192.168.0.128/25`);
    }
    assert.notStrictEqual(a, b);
    assert.strictEqual(defaultRoute('a')?.gateway, '192.168.0.1');
    assert.strictEqual(talk('a', 'b', a.split('/')[0], 7001), 'hello from a');
  });

  it('members find each other by name; hostname and /etc/hosts are the sandbox\'s own', () => {
    assert.strictEqual(npOk('exec', 'b', '--', 'hostname').trim(), 'b');
    const [a] = addrs('a', 'eth0');
    assert.strictEqual(npOk('exec', 'b', '--', 'getent', 'hosts', 'a').trim().split(/\s+/)[0], a.split('/')[0]);
    assert.strictEqual(talk('a', 'b', 'a', 7002), 'hello from a');
    // `ip netns exec` sees the same files, under iproute2's convention: its own name in hosts, the network's DNS server in resolv.conf.
    const [b] = addrs('b', 'eth0');
    assert.match(fs.readFileSync('/etc/netns/b/hosts', 'utf8'), new RegExp(`^${b.split('/')[0].replace(/\./g, '\\.')}\\tb$`, 'm'));
    assert.strictEqual(sh('ip', 'netns', 'exec', 'b', 'getent', 'hosts', 'a').stdout.trim().split(/\s+/)[0], a.split('/')[0]);
  });

  it('keeps names current as members join and leave', () => {
    npOk('create', '--name', 'c', '--net', 'my_network', '--network-alias', 'cee');
    const [c] = addrs('c', 'eth0');
    assert.strictEqual(npOk('exec', 'a', '--', 'getent', 'hosts', 'cee').trim().split(/\s+/)[0], c.split('/')[0]);
    assert.strictEqual(npOk('exec', 'a', '--', 'getent', 'hosts', 'c').trim().split(/\s+/)[0], c.split('/')[0]);
    npOk('rm', 'c');
    assert.strictEqual(np(['exec', 'a', '--', 'getent', 'hosts', 'cee']).status, 2);
    assert.strictEqual(np(['exec', 'a', '--', 'getent', 'hosts', 'c']).status, 2);
  });

  it('connects one sandbox to two networks; the default route moves when its network goes', () => {
    npOk('network', 'connect', '--ip', '10.40.0.50', 'second', 'b');
    assert.deepStrictEqual(addrs('b', 'eth1'), ['10.40.0.50/24']);
    assert.strictEqual(defaultRoute('b')?.gateway, '192.168.0.1');
    npOk('create', '--name', 'e', '--net', 'second');
    assert.strictEqual(talk('e', 'b', addrs('e', 'eth0')[0].split('/')[0], 7003), 'hello from e');
    // A sandbox made on both networks at once.
    npOk('create', '--name', 'f', '--net', 'second', '--net', 'my_network');
    assert.strictEqual(addrs('f', 'eth0')[0].split('.').slice(0, 3).join('.'), '10.40.0');
    assert.match(addrs('f', 'eth1')[0], /^192\.168\.0\./);
    npOk('network', 'disconnect', 'my_network', 'b');
    assert.strictEqual(sh('ip', '-n', 'b', 'link', 'show', 'eth0').status, 1, 'eth0 is still in b');
    assert.strictEqual(defaultRoute('b')?.gateway, '10.40.0.1');
    const dup = np(['network', 'connect', 'second', 'b']);
    assert.strictEqual(dup.status, 1);
    assert.match(dup.stderr, /already connected to network second/);
  });

  it('host mode: the process runs in the host namespace', () => {
    const inHost = npOk('run', '--rm', '--net', 'host', '--', 'readlink', '/proc/self/ns/net').trim();
    assert.strictEqual(inHost, fs.readlinkSync('/proc/self/ns/net'));
  });

  it('none mode: a namespace with only lo, up', () => {
    npOk('create', '--name', 'n1', '--net', 'none');
    const links = ipj<Array<{ ifname: string; flags: string[] }>>('-n', 'n1', 'link', 'show');
    assert.deepStrictEqual(links.map((l) => l.ifname), ['lo']);
    assert.ok(links[0].flags.includes('UP'));
  });

  it('container:NAME joins that sandbox\'s network namespace', () => {
    const joined = npOk('run', '--rm', '--net', 'container:a', '--', 'readlink', '/proc/self/ns/net').trim();
    assert.strictEqual(joined, `net:[${fs.statSync('/run/netns/a').ino}]`);
    npOk('create', '--name', 'j', '--net', 'container:a');
    assert.strictEqual(npOk('exec', 'j', '--', 'hostname').trim(), 'a');
    const busy = np(['rm', 'a']);
    assert.strictEqual(busy.status, 1);
    assert.match(busy.stderr, /is joined by j/);
    npOk('rm', 'j');
  });

  it('run passes the exit status through; --rm removes the sandbox afterwards', () => {
    const r = np(['run', '--rm', '--name', 'exits', '--net', 'none', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.strictEqual(r.status, 7);
    assert.strictEqual(r.stdout, 'out\n');
    assert.strictEqual(r.stderr, 'err\n');
    assert.ok(!netnsList().includes('exits'));
    const missing = np(['run', '--rm', '--net', 'none', '--', 'no-such-command-xyz']);
    assert.strictEqual(missing.status, 127);
  });

  it('ps lists sandboxes and their processes; rm refuses a running one without -f', () => {
    npOk('exec', '-d', 'd1', '--', 'sleep', '300');
    const [d1] = (JSON.parse(npOk('ps', '--json')) as Array<{ name: string; pids: number[] }>).filter((s) => s.name === 'd1');
    assert.strictEqual(d1.pids.length, 1);
    assert.match(npOk('ps'), /^SANDBOX ID\s+NAME/);
    const refused = np(['rm', 'd1']);
    assert.strictEqual(refused.status, 1);
    assert.match(refused.stderr, /^netplumb: sandbox d1 has 1 running process/);
    assert.ok(netnsList().includes('d1'));
  });

  it('rm -f removes every trace: processes, namespace, veth, files', () => {
    const d1 = sandboxRecord('d1');
    npOk('rm', '-f', 'd1');
    assert.ok(!netnsList().includes('d1'));
    assert.strictEqual(sh('ip', 'link', 'show', d1.endpoints[0].hostIfname!).status, 1, 'the host end of the veth is left');
    // Gone, or a zombie that only waits for init to reap it.
    for (const pid of d1.pids) assert.ok(!fs.existsSync(`/proc/${pid}`) || /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), `process ${pid} still runs`);
    for (const f of ['/etc/netns/d1', '/run/netplumb/ns/d1.uts', '/run/netplumb/ns/d1.mnt', '/run/netplumb/sandboxes/d1']) assert.ok(!fs.existsSync(f), `${f} is left`);
    assert.ok(!(JSON.parse(npOk('ps', '--json')) as Array<{ name: string }>).some((s) => s.name === 'd1'));
  });

  it('run -d --rm: the sandbox goes when its command ends', async () => {
    npOk('run', '-d', '--rm', '--name', 'brief', '--net', 'none', '--', 'sleep', '0.3');
    for (let i = 0; i < 100 && netnsList().includes('brief'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!netnsList().includes('brief'));
  });
});
