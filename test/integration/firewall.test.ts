// The firewall's kernel state, checked through `nft -j` and iproute2: the
// ruleset it builds, conflicts and bad input refused with nothing changed, a
// kernel refusal rolled back, cleanup that leaves nothing, gc, 1,000 ports in
// one publication, listening sockets compared with `ss`, and coexistence with
// another firewall whose FORWARD policy is drop.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { NftablesFirewall, FirewallError, PortConflictError, PortSpecError, MemoryPortReservations, listListeningSockets, type FirewallNetwork } from '../../src/net/firewall';
import { requireSandbox } from '../helpers/sandbox';
import { nftJson, nftApply } from '../helpers/nft';
import { buildTopology, C1, C2, HOST_IP, LAN_IP, NET_A, NET_B, type Topology } from '../helpers/fw-topology';
import { probe, startServer, tcp, udp } from '../helpers/traffic';
import type { NetNs } from '../../src/netns';

const netA: FirewallNetwork = { id: 'neta', bridge: NET_A.bridge, subnets: [NET_A.subnet] };
const netB: FirewallNetwork = { id: 'netb', bridge: NET_B.bridge, subnets: [NET_B.subnet] };

/** The whole ruleset as `nft -j` prints it: the oracle for "nothing changed". */
function ruleset(ns: NetNs): string {
  return JSON.stringify(nftJson(ns).nftables.filter((o) => !('metainfo' in o)));
}

function elements(ns: NetNs, map: string): unknown[] {
  const j = nftJson(ns, 'list', 'map', 'inet', 'netplumb', map);
  return ((j.nftables.find((o) => 'map' in o)!.map as { elem?: unknown[] }).elem) ?? [];
}

function tableExists(ns: NetNs): boolean {
  return nftJson(ns, 'list', 'tables').nftables.some((o) => 'table' in o && o.table.name === 'netplumb' && o.table.family === 'inet');
}

function sysctl(ns: NetNs, key: string): string {
  return execFileSync('ip', ['netns', 'exec', ns.name!, 'sysctl', '-n', key], { encoding: 'utf8' }).trim();
}

/** Pids whose parent is this process: a publication must start none (no userland proxy). */
function childPids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  }).map(Number);
}

describe('firewall kernel state', function () {
  this.timeout(120000);
  let t: Topology;
  let fw: NftablesFirewall;
  let reservations: MemoryPortReservations;

  before(function () {
    requireSandbox(this);
  });

  beforeEach(async () => {
    t = await buildTopology();
    reservations = new MemoryPortReservations();
    fw = await NftablesFirewall.open({ netns: t.host.ns, reservations });
  });

  afterEach(async () => {
    fw?.close();
    await t?.dispose();
  });

  it('builds one inet table with its base chains at the right hooks and priorities; nft reads every rule back', async () => {
    await fw.addNetwork(netA);
    const objs = nftJson(t.host.ns).nftables;
    const tables = objs.filter((o) => 'table' in o).map((o) => `${o.table.family} ${o.table.name}`);
    assert.deepEqual(tables, ['inet netplumb']);
    const chains = objs.filter((o) => 'chain' in o).map((o) => o.chain).map((c) => `${c.name} ${c.type} ${c.hook} ${c.prio} ${c.policy}`).sort();
    assert.deepEqual(chains, [
      'forward filter forward 0 accept', 'nat_output nat output -100 accept', 'nat_postrouting nat postrouting 100 accept',
      'nat_prerouting nat prerouting -100 accept', 'raw_prerouting filter prerouting -300 accept',
    ]);
    const text = execFileSync('ip', ['netns', 'exec', t.host.ns.name!, 'nft', 'list', 'table', 'inet', 'netplumb'], { encoding: 'utf8' });
    for (const line of [
      'table inet netplumb {\n\tcomment "netplumb:firewall-v1"',
      'dnat ip to meta l4proto . ip daddr . th dport map @ports_addr',
      'fib daddr type local meta nfproto ipv4 dnat ip to meta l4proto . th dport map @ports_any',
      'iifname != @bridges ip daddr @nat_subnets counter packets 0 bytes 0 drop',
      'ct status dnat oifname . ip saddr @bridge_subnets masquerade',
      `ip saddr ${NET_A.subnet} oifname != "${NET_A.bridge}" masquerade comment "net:neta"`,
      'iifname @bridges oifname @bridges ct status dnat accept',
      `"${NET_A.bridge}" comment "net:neta"`,
    ]) assert.ok(text.includes(line), `nft shows: ${line}\n${text}`);
    assert.equal(sysctl(t.host.ns, `net.ipv4.conf.${NET_A.bridge}.route_localnet`), '1');
    assert.equal(sysctl(t.host.ns, `net.ipv4.conf.up0.route_localnet`), '0', 'route_localnet only on netplumb bridges');
    assert.equal(sysctl(t.host.ns, 'net.ipv4.conf.all.route_localnet'), '0');
    assert.deepEqual((await fw.listNetworks()).map((n) => [n.id, n.bridge, n.subnets, n.outboundNat]), [['neta', 'np0', ['10.88.0.0/24'], 'masquerade']]);
  });

  it('concurrent ensureBase from two handles makes one table with one set of rules', async () => {
    const other = await NftablesFirewall.open({ netns: t.host.ns });
    try {
      const made = await Promise.all([fw.ensureBase(), other.ensureBase(), fw.ensureBase()]);
      assert.equal(made.filter(Boolean).length, 1);
      const rules = nftJson(t.host.ns).nftables.filter((o) => 'rule' in o);
      assert.equal(rules.length, 16, 'the base rules once');
    } finally {
      other.close();
    }
  });

  it('refuses a table of the same name that netplumb did not make, and never changes it', async () => {
    nftApply(t.host.ns, 'table inet netplumb {\n chain c {\n  type filter hook forward priority 0;\n }\n}\n');
    const before = ruleset(t.host.ns);
    await assert.rejects(fw.addNetwork(netA), (e: Error) => e instanceof FirewallError && /was not made by netplumb/.test(e.message));
    assert.equal(ruleset(t.host.ns), before);
  });

  it('publishing a port already published, or bound by a listening socket, fails with a clear message and changes nothing', async () => {
    await fw.addNetwork(netA);
    await fw.addNetwork(netB);
    await fw.publish('ep1', { containerIp: C1, ports: ['8080:80', '127.0.0.1:8090:80', '5353:53/udp'] });
    t.children.push(await startServer(t.host.ns, 'svc', { tcp: [9090], udp: [5300] }), await startServer(t.host.ns, 'lo', { tcp: [9191], host: '127.0.0.1' }));
    const before = ruleset(t.host.ns);
    const held = JSON.stringify(await reservations.list());
    const refused: Array<[string[], RegExp]> = [
      [['8080:80'], /host port 0\.0\.0\.0:8080\/tcp is already in use: published by endpoint ep1/],
      [['127.0.0.1:8080:80'], /127\.0\.0\.1:8080\/tcp is already in use: published by endpoint ep1 \(0\.0\.0\.0:8080\/tcp\)/],
      [['8090:80'], /0\.0\.0\.0:8090\/tcp is already in use: published by endpoint ep1 \(127\.0\.0\.1:8090\/tcp\)/],
      [['5353:53/udp'], /5353\/udp is already in use/],
      [['9090:80'], /0\.0\.0\.0:9090\/tcp is already in use: a listening tcp socket on 0\.0\.0\.0:9090/],
      [['5300:53/udp'], /5300\/udp is already in use: a listening udp socket/],
      [['9191:80'], /a listening tcp socket on 127\.0\.0\.1:9191/],
      [['127.0.0.1:9191:80'], /a listening tcp socket on 127\.0\.0\.1:9191/],
      [['8082:80', '8082:81'], /8082\/tcp is already in use: requested twice/],
      [['7000:80', '8080:80'], /8080\/tcp is already in use/],
    ];
    for (const [ports, message] of refused) {
      await assert.rejects(fw.publish('ep2', { containerIp: C2, ports }), (e: Error) => e instanceof PortConflictError && message.test(e.message), `${ports} -> ${message}`);
      assert.equal(ruleset(t.host.ns), before, `${ports}: the ruleset is unchanged`);
      assert.equal(JSON.stringify(await reservations.list()), held, `${ports}: no reservation left`);
    }
    // Not conflicts: another protocol on a bound port, another address than a socket bound to 127.0.0.1.
    await fw.publish('ep2', { containerIp: C2, ports: ['5300:53/tcp', `${HOST_IP}:9191:80`] });
    assert.equal(elements(t.host.ns, 'ports_addr').length, 2);
  });

  it('each bad input gets one clear error and changes nothing', async () => {
    await fw.addNetwork(netA);
    await fw.addNetwork({ ...netB, internal: true });
    const before = ruleset(t.host.ns);
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => fw.publish('ep1', { containerIp: C1, ports: ['80/icmp'] }), /invalid port specification "80\/icmp": unknown protocol/],
      [() => fw.publish('ep1', { containerIp: C1, ports: ['8000-8010:80-85'] }), /host range has 11 ports but the container range has 6/],
      [() => fw.publish('ep1', { containerIp: C1, ports: ['70000:80'] }), /host port 70000 is out of range/],
      [() => fw.publish('ep1', { containerIp: C1, ports: ['[::1]:80:80'] }), /IPv6 host addresses are not supported yet/],
      [() => fw.publish('ep1', { containerIp: C1, ports: ['10.0.0.300:80:80'] }), /not an IPv4 address/],
      [() => fw.publish('ep1', { containerIp: C1, ports: ['192.168.77.1:80:80'] }), /192\.168\.77\.1 is not an address of this host/],
      [() => fw.publish('ep1', { containerIp: '10.99.0.2', ports: ['80'] }), /10\.99\.0\.2 is not on any netplumb network/],
      [() => fw.publish('ep1', { containerIp: '10.89.0.2', ports: ['80'] }), /network netb is internal/],
      [() => fw.publish('bad id!', { containerIp: C1, ports: ['80'] }), /endpoint id: "bad id!" is not an id/],
      [() => fw.publish('ep1', { containerIp: C1, ports: [] }), /at least one port/],
      [() => fw.addNetwork({ ...netA, id: 'netc' }), /bridge np0 already belongs to network neta/],
      [() => fw.addNetwork({ id: 'netc', bridge: 'npc', subnets: ['10.77.0.0/24'] }), /bridge npc does not exist/],
      [() => fw.addNetwork({ id: 'netc', bridge: 'up0', subnets: ['10.77.0.0/24'] }), /up0 is a veth, not a bridge/],
      [() => fw.addNetwork(netA), /network neta is already in the firewall/],
      [() => fw.addNetwork({ id: 'netc', bridge: 'npc', subnets: ['10.77.0.1/24'] }), /has host bits set/],
      [() => fw.addNetwork({ id: 'netc', bridge: 'npc', subnets: ['10.77.0.0/24'], outboundNat: { snat: 'nope' } }), /outboundNat is/],
      [() => fw.removeNetwork('nope'), /network nope: the firewall has nothing of it/],
    ];
    for (const [call, message] of cases) {
      await assert.rejects(call(), (e: Error) => message.test(e.message), String(message));
      assert.equal(ruleset(t.host.ns), before, `${message}: unchanged`);
    }
    assert.throws(() => { throw new PortSpecError('x', 'y'); }, /invalid port specification "x": y/);
    // A subnet that overlaps another network's.
    await t.host.nl.linkAdd({ name: 'npc', kind: 'bridge' });
    await assert.rejects(fw.addNetwork({ id: 'netc', bridge: 'npc', subnets: ['10.88.0.128/25'] }), /subnet 10\.88\.0\.128\/25 overlaps 10\.88\.0\.0\/24 of network neta/);
    assert.equal(ruleset(t.host.ns), before);
    assert.equal(sysctl(t.host.ns, 'net.ipv4.conf.npc.route_localnet'), '0');
  });

  it('a transaction the kernel refuses part-way is rolled back whole: no element, no reservation, route_localnet restored', async () => {
    await fw.addNetwork(netA);
    // A mapping netplumb's store does not know (made with nft, no owner): the kernel refuses the exclusive add.
    nftApply(t.host.ns, 'add element inet netplumb ports_any { tcp . 8085 : 10.88.0.9 . 1 }\n');
    const before = ruleset(t.host.ns);
    await assert.rejects(fw.publish('ep1', { containerIp: C1, ports: ['8084:80', '8085:80'] }), (e: Error) => e instanceof PortConflictError && /8085\/tcp is already in use/.test(e.message));
    assert.equal(ruleset(t.host.ns), before, '8084 was not added either');
    assert.deepEqual(await reservations.list(), []);
    // addNetwork: a bridge . subnet element already there makes its transaction fail.
    await t.host.nl.linkAdd({ name: 'npc', kind: 'bridge' });
    nftApply(t.host.ns, 'add element inet netplumb bridge_subnets { "npc" . 10.77.0.0/24 }\n');
    const before2 = ruleset(t.host.ns);
    await assert.rejects(fw.addNetwork({ id: 'netc', bridge: 'npc', subnets: ['10.77.0.0/24'] }), /File exists|EEXIST/);
    assert.equal(ruleset(t.host.ns), before2);
    assert.equal(sysctl(t.host.ns, 'net.ipv4.conf.npc.route_localnet'), '0', 'route_localnet set back');
  });

  it('unpublish and removeNetwork leave nothing behind; the last network takes the table with it', async () => {
    await fw.addNetwork(netA);
    await fw.addNetwork({ ...netB, icc: false });
    await fw.publish('ep1', { containerIp: C1, ports: ['8080:80', '127.0.0.1:8081:80', '53:53/udp', '9000-9002:9000-9002/sctp'] });
    assert.equal(elements(t.host.ns, 'ports_any').length, 5);
    assert.equal(elements(t.host.ns, 'ports_addr').length, 1);
    await assert.rejects(fw.removeNetwork('neta'), /network neta still has published ports of endpoint ep1: unpublish them first/);
    const removed = await fw.unpublish('ep1');
    assert.equal(removed.length, 6);
    assert.deepEqual([elements(t.host.ns, 'ports_any'), elements(t.host.ns, 'ports_addr')], [[], []]);
    assert.deepEqual(await reservations.list(), []);
    assert.deepEqual(await fw.unpublish('ep1'), [], 'nothing published: nothing to do');
    // The store and the kernel disagree: an element removed by hand; another process's handle with its own (empty) store.
    await fw.publish('ep2', { containerIp: C2, ports: ['8080:80', '8081:80'] });
    nftApply(t.host.ns, 'delete element inet netplumb ports_any { tcp . 8080 }\n');
    assert.deepEqual(await fw.unpublish('ep2'), [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8081 }]);
    await fw.publish('ep3', { containerIp: C2, ports: ['8082:80'] });
    const elsewhere = await NftablesFirewall.open({ netns: t.host.ns });
    assert.deepEqual(await elsewhere.unpublish('ep3'), [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8082 }]);
    elsewhere.close();
    assert.deepEqual([elements(t.host.ns, 'ports_any'), elements(t.host.ns, 'ports_addr')], [[], []]);
    await fw.removeNetwork('netb');
    const text = execFileSync('ip', ['netns', 'exec', t.host.ns.name!, 'nft', 'list', 'table', 'inet', 'netplumb'], { encoding: 'utf8' });
    assert.ok(!text.includes('netb') && !text.includes(NET_B.bridge) && !text.includes(NET_B.subnet), text);
    assert.equal(sysctl(t.host.ns, `net.ipv4.conf.${NET_B.bridge}.route_localnet`), '0');
    await fw.removeNetwork('neta');
    assert.equal(tableExists(t.host.ns), false);
    assert.equal(ruleset(t.host.ns), '[]');
  });

  it('reconcile (gc) removes exactly what belongs to networks and endpoints that no longer exist', async () => {
    await fw.addNetwork(netA);
    await fw.addNetwork(netB);
    t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [80] }));
    await fw.publish('ep1', { containerIp: C1, ports: ['8080:80'] });
    await fw.publish('ep2', { containerIp: C2, ports: ['8081:80'] });
    await reservations.reserve('ep-crashed', [{ protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 7777 }]);
    const r = await fw.reconcile({ networks: ['neta'], endpoints: ['ep1'] });
    assert.deepEqual({ ...r, endpoints: r.endpoints.sort() }, { networks: ['netb'], endpoints: ['ep-crashed', 'ep2'], tableRemoved: false });
    const text = execFileSync('ip', ['netns', 'exec', t.host.ns.name!, 'nft', 'list', 'table', 'inet', 'netplumb'], { encoding: 'utf8' });
    assert.ok(text.includes('ep:ep1') && !text.includes('ep:ep2') && !text.includes('net:netb') && text.includes('net:neta'), text);
    assert.deepEqual((await reservations.list()).map((x) => x.owner), ['ep1']);
    assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 8080)]), [`c1 ${LAN_IP}`], 'what is kept still works');
    const all = await fw.reconcile({ networks: [], endpoints: [] });
    assert.equal(all.tableRemoved, true);
    assert.equal(tableExists(t.host.ns), false);
  });

  it('1,000 ports as one range: one transaction of map elements, no process started, first and last reachable, 10,000 listed', async () => {
    await fw.addNetwork(netA);
    t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [20000, 20999], udp: [20500] }));
    const before = childPids();
    const ports = await fw.publish('ep1', { containerIp: C1, ports: ['20000-20999:20000-20999', '20000-20999:20000-20999/udp'] });
    assert.deepEqual(childPids(), before, 'no userland proxy: no process per port');
    assert.equal(ports.length, 2000);
    assert.equal(elements(t.host.ns, 'ports_any').length, 2000);
    assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 20000), tcp(HOST_IP, 20999), udp(HOST_IP, 20500)]), [`c1 ${LAN_IP}`, `c1 ${LAN_IP}`, `c1 ${LAN_IP}`]);
    const rules = nftJson(t.host.ns).nftables.filter((o) => 'rule' in o).length;
    assert.equal(rules, 17, 'the base rules and one NAT rule: no rule per port');
    await fw.publish('ep2', { containerIp: C2, ports: ['30000-37999:30000-37999'] });
    assert.equal((await fw.listPublished()).length, 10000);
    assert.equal(nftJson(t.host.ns).nftables.filter((o) => 'rule' in o).length, 17);
  });

  it('sees the listening sockets `ss` sees', async () => {
    t.children.push(await startServer(t.host.ns, 'a', { tcp: [7100, 7101], udp: [7102] }), await startServer(t.host.ns, 'b', { tcp: [7103], host: '127.0.0.1' }));
    const ours = (await listListeningSockets(t.host.ns)).map((s) => `${s.protocol} ${s.address}:${s.port}`).sort();
    const ss = execFileSync('ip', ['netns', 'exec', t.host.ns.name!, 'ss', '-H', '-ltun'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)
      .map((l) => l.trim().split(/\s+/)).map((f) => `${f[0]} ${f[4].replace(/^\[?(.*?)\]?:(\d+)$/, '$1:$2').replace(/^\*:/, '0.0.0.0:')}`).sort();
    assert.deepEqual(ours, ss);
    assert.ok(ours.includes('tcp 127.0.0.1:7103') && ours.includes('udp 0.0.0.0:7102'));
  });

  it('coexistence: reports a FORWARD policy of drop in another table, never changes it, and is satisfied once the narrow accepts are there', async () => {
    nftApply(t.host.ns, 'table ip filter {\n chain FORWARD {\n  type filter hook forward priority 0; policy drop;\n }\n}\n');
    const foreign = () => JSON.stringify(nftJson(t.host.ns, 'list', 'table', 'ip', 'filter'));
    const untouched = foreign();
    await fw.addNetwork(netA);
    t.children.push(await startServer(t.lan.ns, 'lan', { tcp: [7000] }), await startServer(t.c1.ns, 'c1', { tcp: [80] }));
    await fw.publish('ep1', { containerIp: C1, ports: ['8080:80'] });
    assert.equal(foreign(), untouched, 'netplumb never edits another table');
    const problems = await fw.coexistence();
    assert.equal(problems.length, 1);
    assert.equal(problems[0].kind, 'forward-policy-drop');
    assert.equal(problems[0].where, 'table ip filter chain FORWARD');
    assert.match(problems[0].message, /policy drop and does not accept traffic to or from netplumb's bridges/);
    assert.match(problems[0].remedy!, /iptables -I FORWARD -i np\+ -j ACCEPT/);
    assert.deepEqual(probe(t.c1.ns, [tcp(LAN_IP, 7000)], 1000), ['TIMEOUT'], 'the report is true: traffic does not flow');
    assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 8080)], 1000), ['TIMEOUT']);
    // The administrator adds the narrow accepts (as iptables-nft would write them for `-i np+` / `-o np+`).
    nftApply(t.host.ns, 'add rule ip filter FORWARD iifname "np*" accept\nadd rule ip filter FORWARD oifname "np*" ct state related,established accept\nadd rule ip filter FORWARD oifname "np*" ct status dnat accept\n');
    assert.deepEqual(await fw.coexistence(), []);
    assert.deepEqual(probe(t.c1.ns, [tcp(LAN_IP, 7000)]), [`lan ${HOST_IP}`]);
    assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 8080)]), [`c1 ${LAN_IP}`]);
    nftApply(t.host.ns, 'add chain ip filter DOCKER-USER\n');
    assert.deepEqual((await fw.coexistence()).map((p) => p.kind), ['docker']);
  });
});
