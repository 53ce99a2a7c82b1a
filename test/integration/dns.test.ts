// The DNS server against real resolvers: containers are namespaces on a
// bridge built with the netlink API, their /etc/resolv.conf is what
// containerResolvConf() writes (bound in by `ip netns exec`), and the oracle
// is glibc's getaddrinfo in a real process (`getent`), `dig`, and `ss` for
// what listens. The "host's resolver" is a tiny DNS server the test runs in a
// namespace of its own (and one on the test namespace's loopback).
import assert from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { promises as fs, mkdirSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NetNs } from '../../src/netns';
import { Netlink } from '../../src/netlink/handle';
import {
  containerHosts, containerResolvConf, dnsServerStatus, DnsMember, DnsNetwork, ensureDnsServer, parseAddHost, parseLink,
  parseResolvConf, removeNetwork, setNetwork,
} from '../../src/net/dns';
import { freshNetns, inNetns, requireSandbox } from '../helpers/sandbox';
import { processAlive, waitFor } from '../helpers/wait';

const HELPERS = path.join(__dirname, '..', 'helpers');

interface Container { ns: NetNs; nl: Netlink; ip: string; dispose: () => Promise<void> }

/** Addresses getent printed (first column), deduplicated, sorted. */
function resolved(ns: NetNs, db: string, name: string): string[] | undefined {
  const r = inNetns(ns, 'getent', db, name);
  if (r.status !== 0) return undefined;
  return [...new Set(r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]))].sort();
}

function dig(ns: NetNs, ...args: string[]): string {
  return inNetns(ns, 'dig', '+time=2', '+tries=1', ...args).stdout;
}

/** Local addresses listening on port 53 (UDP or TCP), as `ss` sees them. */
function listeningOn53(proto: 'u' | 't'): string[] {
  const out = spawnSync('ss', ['-Hln' + proto], { encoding: 'utf8' }).stdout;
  return out.split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '').filter((a) => a.endsWith(':53'));
}

/** Starts the test's own DNS server (the "host resolver"); resolves once it listens. */
async function startUpstream(ns: NetNs | undefined, address: string, zone: Record<string, string[]>): Promise<{ proc: ChildProcess; queries: Array<{ name: string; type: string; transport: string; from: string }> }> {
  const argv = [path.join(HELPERS, 'dns-upstream.js'), '--listen', address, '--zone', JSON.stringify(zone)];
  const proc = ns ? spawn('ip', ['netns', 'exec', ns.name!, process.execPath, ...argv]) : spawn(process.execPath, argv);
  const queries: Array<{ name: string; type: string; transport: string; from: string }> = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`upstream DNS server exited (${code})`)));
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') resolve();
        else queries.push(JSON.parse(line));
      }
    });
  });
  return { proc, queries };
}

describe('DNS server (integration)', function () {
  this.timeout(60000);
  let host: Netlink;
  let tmp: string;
  let hostResolvConf: string;
  const containers: Record<string, Container> = {};
  let upstreamNs: Awaited<ReturnType<typeof freshNetns>>;
  const upstreams: ChildProcess[] = [];
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let ownDns: Awaited<ReturnType<typeof startUpstream>>;
  const opts = () => ({ hostResolvConf });

  const net1 = (members: DnsMember[]): DnsNetwork => ({ id: 'n1', name: 'net1', subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }], members });
  const net2 = (members: DnsMember[]): DnsNetwork => ({ id: 'n2', name: 'net2', subnets: [{ subnet: '10.89.1.0/24', gateway: '10.89.1.1' }], members });
  const A: DnsMember = { id: 'ca', name: 'alpha', aliases: ['db', 'primary'], ipv4: '10.89.0.2' };
  const B: DnsMember = { id: 'cb', name: 'bravo', ipv4: '10.89.0.3' };
  const C: DnsMember = { id: 'cc', name: 'charlie', hostname: 'charlie-host', ipv4: '10.89.1.2' };

  async function attach(key: string, bridge: string, ip: string, gateway: string): Promise<void> {
    const c = await freshNetns(`d${key}`);
    const veth = `vd${key}${process.pid % 1000}`;
    await host.linkAdd({ name: veth, kind: 'veth', peer: { name: 'eth0', netns: c.ns } });
    await host.linkSet(veth, { master: bridge, up: true });
    await c.nl.linkSet('lo', { up: true });
    await c.nl.linkSet('eth0', { up: true });
    await c.nl.addrAdd('eth0', `${ip}/24`);
    await c.nl.routeAdd({ dst: 'default', gateway });
    // what `ip netns exec` binds over /etc/resolv.conf: the file the networking layer would write
    mkdirSync(`/etc/netns/${c.ns.name}`, { recursive: true });
    writeFileSync(`/etc/netns/${c.ns.name}/resolv.conf`, containerResolvConf({ embeddedServers: [gateway], host: parseResolvConf('') }).content);
    containers[key] = { ...c, ip };
  }

  before(async function () {
    requireSandbox(this);
    host = await Netlink.open();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'netplumb-dns-'));
    hostResolvConf = path.join(tmp, 'resolv.conf');
    for (const [br, cidr] of [['npdns1', '10.89.0.1/24'], ['npdns2', '10.89.1.1/24']]) {
      await host.linkAdd({ name: br, kind: 'bridge' });
      await host.addrAdd(br, cidr);
      await host.linkSet(br, { up: true });
    }
    await attach('A', 'npdns1', '10.89.0.2', '10.89.0.1');
    await attach('B', 'npdns1', '10.89.0.3', '10.89.0.1');
    await attach('C', 'npdns2', '10.89.1.2', '10.89.1.1');
    // the host's resolver lives in a namespace of its own, reached over a veth
    upstreamNs = await freshNetns('dU');
    const vu = `vdU${process.pid % 1000}`;
    await host.linkAdd({ name: vu, kind: 'veth', peer: { name: 'eth0', netns: upstreamNs.ns } });
    await host.addrAdd(vu, '10.89.9.1/29');
    await host.linkSet(vu, { up: true });
    await upstreamNs.nl.linkSet('lo', { up: true });
    await upstreamNs.nl.linkSet('eth0', { up: true });
    await upstreamNs.nl.addrAdd('eth0', '10.89.9.2/29');
    await upstreamNs.nl.addrAdd('eth0', '10.89.9.3/29');
    const many = Array.from({ length: 60 }, (_, i) => `192.0.2.${i + 1}`);
    upstream = await startUpstream(upstreamNs.ns, '10.89.9.2', { 'example.test': ['192.0.2.10'], 'big.test': many, 'delta.example': ['192.0.2.77'] });
    // a second resolver, for a container's own --dns
    ownDns = await startUpstream(upstreamNs.ns, '10.89.9.3', { 'example.test': ['198.51.100.7'] });
    upstreams.push(upstream.proc, ownDns.proc);
    await fs.writeFile(hostResolvConf, 'nameserver 10.89.9.2\n');
  });

  afterEach(async () => {
    await removeNetwork('n1').catch(() => false);
    await removeNetwork('n2').catch(() => false);
    await waitFor('the DNS server to leave', async () => (await dnsServerStatus()) === undefined);
  });

  after(async () => {
    for (const p of upstreams) p.kill('SIGTERM');
    for (const c of Object.values(containers)) {
      await fs.rm(`/etc/netns/${c.ns.name}`, { recursive: true, force: true }); // what attach() made
      await c.dispose();
    }
    await upstreamNs?.dispose();
    for (const l of ['npdns1', 'npdns2', `vdU${process.pid % 1000}`]) await host?.linkDel(l).catch(() => undefined);
    host?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('B resolves A by name, alias and NAME.NETWORK right after setNetwork, and its address back to its name; loses them when A leaves', async () => {
    await setNetwork(net1([A, B]), opts());
    const b = containers.B.ns;
    // no waiting: the first query after setNetwork resolved must already answer
    assert.deepStrictEqual(resolved(b, 'ahostsv4', 'alpha'), ['10.89.0.2']);
    assert.deepStrictEqual(resolved(b, 'ahostsv4', 'db'), ['10.89.0.2']);
    assert.deepStrictEqual(resolved(b, 'hosts', 'primary'), ['10.89.0.2']);
    assert.deepStrictEqual(resolved(b, 'ahostsv4', 'alpha.net1'), ['10.89.0.2']);
    assert.match(inNetns(b, 'getent', 'hosts', '10.89.0.2').stdout, /^10\.89\.0\.2\s+alpha\.net1$/m);
    assert.deepStrictEqual([...listeningOn53('u'), ...listeningOn53('t')].sort(), ['10.89.0.1:53', '10.89.0.1:53']);

    await setNetwork(net1([B]), opts());
    assert.strictEqual(resolved(b, 'ahostsv4', 'alpha'), undefined, 'alpha still resolves after it left');
    assert.strictEqual(resolved(b, 'ahostsv4', 'db'), undefined, 'the alias still resolves after alpha left');
    // the name was forwarded: the host's resolver was asked and said NXDOMAIN
    await waitFor('the query to reach the upstream log', () => upstream.queries.some((q) => q.name === 'alpha' && q.from === '10.89.9.1'));
  });

  it("names of another network do not resolve, and a client from another network is refused", async () => {
    await setNetwork(net1([A, B]), opts());
    await setNetwork(net2([C]), opts());
    assert.deepStrictEqual(resolved(containers.C.ns, 'ahostsv4', 'charlie-host'), ['10.89.1.2']);
    assert.strictEqual(resolved(containers.B.ns, 'ahostsv4', 'charlie'), undefined);
    assert.strictEqual(resolved(containers.B.ns, 'ahostsv4', 'charlie.net2'), undefined);
    assert.strictEqual(resolved(containers.C.ns, 'ahostsv4', 'alpha'), undefined);
    assert.strictEqual(inNetns(containers.C.ns, 'getent', 'hosts', '10.89.0.2').status, 2, 'PTR of another network answered');
    // C asks net1's server directly (the host routes it): refused, not answered
    assert.match(dig(containers.C.ns, '@10.89.0.1', 'alpha'), /status: REFUSED/);
    assert.match(dig(containers.A.ns, '@10.89.0.1', 'alpha'), /status: NOERROR/);
  });

  it('a container on two networks resolves the names of both', async () => {
    const a2: DnsMember = { id: 'ca', name: 'alpha', ipv4: '10.89.1.9' }; // A "network connect"ed to net2 (the address is only data here)
    await setNetwork(net1([A, B]), opts());
    await setNetwork(net2([C, a2]), opts());
    assert.match(dig(containers.A.ns, '@10.89.0.1', '+short', 'charlie'), /^10\.89\.1\.2$/m);
    assert.strictEqual(dig(containers.B.ns, '@10.89.0.1', '+short', 'charlie').trim(), '');
  });

  it("forwards other names to the host's resolver, over TCP when the answer was truncated", async () => {
    await setNetwork(net1([A, B]), opts());
    const b = containers.B.ns;
    assert.deepStrictEqual(resolved(b, 'ahostsv4', 'example.test'), ['192.0.2.10']);
    assert.strictEqual(resolved(b, 'ahostsv4', 'nowhere.test'), undefined);
    // 60 addresses do not fit in 512 bytes: the resolver sees TC and asks again over TCP, and we pass it on over TCP
    assert.strictEqual(resolved(b, 'ahostsv4', 'big.test')?.length, 60);
    await waitFor('a TCP query for big.test at the upstream', () => upstream.queries.some((q) => q.name === 'big.test' && q.transport === 'tcp'));
    assert.match(dig(b, '@10.89.0.1', '+notcp', '+ignore', '+noedns', 'big.test'), /flags: qr[^;]* tc/);
    // our own names are never sent upstream
    await new Promise((r) => setTimeout(r, 100)); // let the upstream's log of the queries above arrive
    const asked = upstream.queries.length;
    assert.deepStrictEqual(resolved(b, 'ahostsv4', 'alpha'), ['10.89.0.2']);
    assert.deepStrictEqual(resolved(b, 'ahostsv4', 'example.test'), ['192.0.2.10']);
    await waitFor('the query for example.test in the upstream log', () => upstream.queries.length > asked);
    assert.deepStrictEqual(upstream.queries.slice(asked).map((q) => q.name), ['example.test']);
  });

  it("reaches a resolver on the host's loopback (127.0.0.53) and follows changes to the host's resolv.conf", async () => {
    const stub = await startUpstream(undefined, '127.0.0.53', { 'example.test': ['203.0.113.5'] });
    upstreams.push(stub.proc);
    await setNetwork(net1([A, B]), opts());
    assert.deepStrictEqual(resolved(containers.B.ns, 'ahostsv4', 'example.test'), ['192.0.2.10']);
    await fs.writeFile(hostResolvConf, 'nameserver 127.0.0.53\n');
    try {
      await waitFor('the new host resolver to be used', () => resolved(containers.B.ns, 'ahostsv4', 'example.test')?.[0] === '203.0.113.5');
      await waitFor('the query at the loopback resolver', () => stub.queries.some((q) => q.name === 'example.test'));
    } finally {
      await fs.writeFile(hostResolvConf, 'nameserver 10.89.9.2\n');
      stub.proc.kill('SIGTERM');
    }
  });

  it("sends a container's queries to its own --dns servers, and keeps resolving container names for it", async () => {
    await setNetwork(net1([A, { ...B, dns: ['10.89.9.3'] }]), opts());
    assert.deepStrictEqual(resolved(containers.B.ns, 'ahostsv4', 'example.test'), ['198.51.100.7']);
    assert.deepStrictEqual(resolved(containers.B.ns, 'ahostsv4', 'alpha'), ['10.89.0.2']);
    assert.deepStrictEqual(resolved(containers.A.ns, 'ahostsv4', 'example.test'), ['192.0.2.10']);
  });

  it('answers all of a burst of 1,000 queries while containers join and leave', async () => {
    await setNetwork(net1([A, B]), opts());
    const burst = spawn('ip', ['netns', 'exec', containers.B.ns.name!, process.execPath, path.join(HELPERS, 'dns-burst.js'), '10.89.0.1', 'alpha', '10.89.0.2', '1000', '50', '3000']);
    let out = '';
    burst.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => burst.on('exit', resolve));
    let running = true;
    void exited.then(() => (running = false));
    let changes = 0;
    while (running) {
      const extra = Array.from({ length: (changes % 5) + 1 }, (_, i): DnsMember => ({ id: `tmp${i}`, name: `tmp${i}`, ipv4: `10.89.0.${100 + i}` }));
      await setNetwork(net1(changes % 2 ? [A, B, ...extra] : [B, ...extra, A]), opts());
      changes++;
    }
    assert.strictEqual(await exited, 0);
    const result = JSON.parse(out) as { sent: number; answered: number; correct: number };
    assert.deepStrictEqual({ sent: result.sent, answered: result.answered, correct: result.correct }, { sent: 1000, answered: 1000, correct: 1000 });
    assert.ok(changes >= 3, `membership changed only ${changes} times during the burst`);
  });

  it('starts one server for concurrent callers, and the server is gone when no network needs it', async () => {
    const started = await Promise.all(Array.from({ length: 4 }, () => ensureDnsServer(opts())));
    const pid = started[0].pid;
    assert.ok(started.every((s) => s.pid === pid), `several servers answered: ${started.map((s) => s.pid).join(' ')}`);
    // Only servers in this test's own network namespace: /proc shows every
    // process on the machine, including other test runs' servers.
    const ownNetns = await fs.readlink('/proc/self/ns/net');
    const daemons = async () => {
      const pids: number[] = [];
      for (const p of await fs.readdir('/proc')) {
        if (!/^\d+$/.test(p)) continue;
        const cmd = await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
        if (!cmd.includes('dns/daemon.js')) continue;
        if ((await fs.readlink(`/proc/${p}/ns/net`).catch(() => '')) === ownNetns) pids.push(Number(p));
      }
      return pids;
    };
    await waitFor('the extra servers to leave', async () => (await daemons()).length === 1);
    assert.deepStrictEqual(await daemons(), [pid]);
    await setNetwork(net1([A, B]), opts());
    await setNetwork(net2([C]), opts());
    assert.strictEqual(await removeNetwork('n1'), true);
    assert.ok(processAlive(pid), 'the server left while it still served net2');
    assert.deepStrictEqual(listeningOn53('u'), ['10.89.1.1:53']);
    assert.strictEqual(await removeNetwork('n2'), true);
    await waitFor('the server to exit', () => !processAlive(pid));
    assert.deepStrictEqual([...listeningOn53('u'), ...listeningOn53('t')], []);
    await assert.rejects(fs.stat('/run/netplumb/dns.sock'), { code: 'ENOENT' });
    assert.strictEqual(await removeNetwork('n2'), false);
    assert.strictEqual(await dnsServerStatus(), undefined, 'removeNetwork started a server');
  });

  it('rejects a bad network with one clear error and changes nothing', async () => {
    await setNetwork(net1([A, B]), opts());
    const before = await dnsServerStatus();
    await assert.rejects(setNetwork({ ...net1([A]), members: [{ ...A, ipv4: '10.89.5.2' }] }, opts()), /member ca: ipv4: 10\.89\.5\.2 is not in any of the network's IPv4 subnets/);
    await assert.rejects(setNetwork({ id: 'n3', name: 'net3', subnets: [{ subnet: '10.89.7.0/24', gateway: '10.89.7.1' }], members: [] }, opts()), {
      code: 'EADDRNOTAVAIL',
      message: /cannot listen on 10\.89\.7\.1:53 \(UDP\) for network net3: .*the gateway address must be on a host interface/,
    });
    await assert.rejects(setNetwork({ id: 'n4', name: 'net4', subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }], members: [] }, opts()), {
      code: 'EADDRINUSE',
      message: 'cannot serve network net4: its gateway 10.89.0.1 is already served for network net1',
    });
    assert.deepStrictEqual(await dnsServerStatus(), before);
    assert.deepStrictEqual(resolved(containers.B.ns, 'ahostsv4', 'alpha'), ['10.89.0.2']);
  });

  it('writes --add-host (host-gateway too), --link and the own name into /etc/hosts, and --dns/--dns-search/--dns-option into resolv.conf, as getent sees them', async () => {
    const c = containers.C;
    const dir = `/etc/netns/${c.ns.name}`;
    const savedResolv = await fs.readFile(`${dir}/resolv.conf`, 'utf8');
    try {
      await fs.writeFile(`${dir}/hosts`, containerHosts({
        hostname: 'charlie-host',
        name: 'charlie',
        addresses: [c.ip],
        gateway: '10.89.1.1',
        extraHosts: [parseAddHost('gw:host-gateway'), parseAddHost('legacy-db=192.0.2.99')],
        links: [{ ...parseLink('alpha:olddb'), ip: '10.89.0.2' }],
      }));
      assert.deepStrictEqual(resolved(c.ns, 'ahostsv4', 'gw'), ['10.89.1.1']);
      assert.deepStrictEqual(resolved(c.ns, 'ahostsv4', 'legacy-db'), ['192.0.2.99']);
      assert.deepStrictEqual(resolved(c.ns, 'ahostsv4', 'olddb'), ['10.89.0.2']);
      assert.deepStrictEqual(resolved(c.ns, 'ahostsv4', 'charlie'), ['10.89.1.2']);
      // the default bridge: no embedded server, the --dns servers go straight into resolv.conf
      const rc = containerResolvConf({ dns: ['10.89.1.1'], dnsSearch: ['example'], dnsOptions: ['ndots:2'], host: parseResolvConf('nameserver 127.0.0.53\n') });
      await fs.writeFile(`${dir}/resolv.conf`, rc.content);
      // glibc applies the options: with ndots:2 and search "example", "delta" is asked as "delta.example" first
      await setNetwork(net2([C]), opts());
      assert.deepStrictEqual(resolved(c.ns, 'ahostsv4', 'delta'), ['192.0.2.77']); // "delta" -> "delta.example" via the search list
    } finally {
      await fs.rm(`${dir}/hosts`, { force: true });
      await fs.writeFile(`${dir}/resolv.conf`, savedResolv);
    }
  });
});
