// The firewall with real traffic, in a world of namespaces built with the
// netlink API (see helpers/fw-topology.ts): a host with two bridge networks
// and three containers, and a LAN neighbour behind the host's uplink. Every
// path users care about is checked by a TCP or UDP exchange and by what the
// server saw as the peer; each protection has a control showing that without
// its rule the traffic would pass. The suite runs with br_netfilter off (a
// plain host) and on (a host where Docker loaded it), when the kernel has it.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { NftablesFirewall } from '../../src/net/firewall';
import { requireSandbox } from '../helpers/sandbox';
import { nftJson } from '../helpers/nft';
import { buildTopology, C1, C2, C3, HOST_IP, LAN_IP, NET_A, NET_B, type Topology } from '../helpers/fw-topology';
import { probe, startServer, tcp, udp } from '../helpers/traffic';
import type { NetNs } from '../../src/netns';

function sh(ns: NetNs, ...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns.name!, ...args], { encoding: 'utf8' });
}

/** Packets a counting rule in the container's own namespace saw: what reached it, whatever the client learnt. */
function arrivalCounter(ns: NetNs, match: string): () => number {
  execFileSync('ip', ['netns', 'exec', ns.name!, 'nft', '-f', '-'], {
    input: `table ip probe {\n chain pre {\n  type filter hook prerouting priority -400;\n  ${match} counter\n }\n}\n`,
  });
  return () => {
    const j = nftJson(ns, 'list', 'table', 'ip', 'probe');
    const r = j.nftables.find((o) => 'rule' in o)!.rule as { expr: Array<Record<string, { packets: number }>> };
    return r.expr.find((e) => 'counter' in e)!.counter.packets;
  };
}

/** Removes the base rule of a chain whose text contains `needle` (nft as the tool, to build a control). */
function deleteRule(host: NetNs, chain: string, needle: string): void {
  const text = sh(host, 'nft', '-a', 'list', 'chain', 'inet', 'netplumb', chain);
  const line = text.split('\n').find((l) => l.includes(needle));
  assert.ok(line, `no rule with ${needle} in ${chain}:\n${text}`);
  const handle = /# handle (\d+)/.exec(line!)![1];
  sh(host, 'nft', 'delete', 'rule', 'inet', 'netplumb', chain, 'handle', handle);
}

const brnfAvailable = fs.existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables');

for (const brNetfilter of [false, true]) {
  describe(`firewall with real traffic (br_netfilter ${brNetfilter ? 'on' : 'off'})`, function () {
    this.timeout(120000);
    let t: Topology;
    let fw: NftablesFirewall;

    before(function () {
      requireSandbox(this);
      if (brNetfilter && !brnfAvailable) {
        console.log('    (skipped: this kernel has no br_netfilter, so there is no bridged-NAT mode to test)');
        this.skip();
      }
    });

    beforeEach(async () => {
      t = await buildTopology();
      if (brnfAvailable) await t.host.nl.sysctlSet('net.bridge.bridge-nf-call-iptables', brNetfilter ? 1 : 0);
      fw = await NftablesFirewall.open({ netns: t.host.ns });
    });

    afterEach(async () => {
      fw?.close();
      await t?.dispose();
    });

    async function twoNetworks(a: Partial<Parameters<NftablesFirewall['addNetwork']>[0]> = {}, b: Partial<Parameters<NftablesFirewall['addNetwork']>[0]> = {}) {
      const netA = { id: 'neta', bridge: NET_A.bridge, subnets: [NET_A.subnet], ...a };
      const netB = { id: 'netb', bridge: NET_B.bridge, subnets: [NET_B.subnet], ...b };
      await fw.addNetwork(netA);
      await fw.addNetwork(netB);
      await fw.configureEndpointPort(t.ports.c1, netA);
      await fw.configureEndpointPort(t.ports.c2, netA);
      await fw.configureEndpointPort(t.ports.c3, netB);
    }

    it('outbound: a container reaches a LAN host that has no route back only through masquerade, seen as the host', async () => {
      await t.host.nl.sysctlSet('net.ipv4.ip_forward', 1);
      t.children.push(await startServer(t.lan.ns, 'lan', { tcp: [7000], udp: [7001] }));
      assert.deepEqual(probe(t.c1.ns, [tcp(LAN_IP, 7000)]), ['TIMEOUT'], 'control: without NAT the answer has no way back');
      await twoNetworks();
      assert.deepEqual(probe(t.c1.ns, [tcp(LAN_IP, 7000), udp(LAN_IP, 7001)]), [`lan ${HOST_IP}`, `lan ${HOST_IP}`]);
      assert.deepEqual(probe(t.c3.ns, [tcp(LAN_IP, 7000)]), [`lan ${HOST_IP}`]);
    });

    it('a published TCP and UDP port is reachable from the LAN, the host (its address and 127.0.0.1), the same network, another network and the container itself', async () => {
      await twoNetworks();
      t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [80], udp: [53] }));
      const published = await fw.publish('ep-c1', { containerIp: C1, ports: ['8080:80', '5353:53/udp'] });
      assert.deepEqual(published.map((p) => `${p.hostIp}:${p.hostPort}/${p.protocol}->${p.containerIp}:${p.containerPort}`), ['0.0.0.0:8080/tcp->10.88.0.2:80', '0.0.0.0:5353/udp->10.88.0.2:53']);
      const both = [tcp(HOST_IP, 8080), udp(HOST_IP, 5353)];
      // From outside the client's own address is kept: the container sees who connected.
      assert.deepEqual(probe(t.lan.ns, both), [`c1 ${LAN_IP}`, `c1 ${LAN_IP}`]);
      // The host itself: no proxy, DNAT in the output path; from 127.0.0.1 masqueraded to the bridge's address.
      assert.deepEqual(probe(t.host.ns, [...both, tcp('127.0.0.1', 8080), udp('127.0.0.1', 5353)]),
        [`c1 ${HOST_IP}`, `c1 ${HOST_IP}`, `c1 ${NET_A.gateway}`, `c1 ${NET_A.gateway}`]);
      // Same network and the container itself (hairpin): masqueraded so the reply comes back through the host.
      assert.deepEqual(probe(t.c2.ns, both), [`c1 ${NET_A.gateway}`, `c1 ${NET_A.gateway}`]);
      assert.deepEqual(probe(t.c1.ns, both), [`c1 ${NET_A.gateway}`, `c1 ${NET_A.gateway}`]);
      // Another network, through the host address.
      assert.deepEqual(probe(t.c3.ns, both), [`c1 ${NET_A.gateway}`, `c1 ${NET_A.gateway}`]);
      // A port that is not published is refused by the host itself.
      assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 8089)]), ['ERROR ECONNREFUSED']);
    });

    it('a range and an ephemeral port, reported as the kernel holds them', async () => {
      await twoNetworks();
      await t.host.nl.sysctlSet('net.ipv4.ip_local_port_range', '41000 41010');
      await t.host.nl.sysctlSet('net.ipv4.ip_local_reserved_ports', '41000-41001');
      // A host socket already listening on 41002 must be skipped too.
      t.children.push(await startServer(t.host.ns, 'host', { tcp: [41002] }));
      t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [80, 9000, 9001, 9002] }));
      const r = await fw.publish('ep-c1', { containerIp: C1, ports: ['19000-19002:9000-9002', '80'] });
      assert.deepEqual(r.map((p) => [p.hostPort, p.containerPort]), [[19000, 9000], [19001, 9001], [19002, 9002], [41003, 80]]);
      assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 19000), tcp(HOST_IP, 19002), tcp(HOST_IP, 41003)]), [`c1 ${LAN_IP}`, `c1 ${LAN_IP}`, `c1 ${LAN_IP}`]);
      const listed = await fw.listPublished('ep-c1');
      assert.deepEqual(listed.map((p) => p.hostPort).sort(), [19000, 19001, 19002, 41003]);
      const map = nftJson(t.host.ns, 'list', 'map', 'inet', 'netplumb', 'ports_any').nftables.find((o) => 'map' in o)!.map as { elem: unknown[] };
      assert.equal(map.elem.length, 4, 'nft -j shows the four elements');
    });

    it('a port published on 127.0.0.1 is not reachable from the LAN, even routed at the host; without the protection it would be', async () => {
      await twoNetworks();
      t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [80] }));
      await fw.publish('ep-c1', { containerIp: C1, ports: ['127.0.0.1:8081:80'] });
      assert.deepEqual(probe(t.host.ns, [tcp('127.0.0.1', 8081)]), [`c1 ${NET_A.gateway}`]);
      assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 8081)]), ['ERROR ECONNREFUSED'], 'not on the host address');
      // The LAN neighbour sends to 127.0.0.1 at the host's MAC (moby#45610).
      const n = t.lan.ns.name!;
      execFileSync('sh', ['-c', `ip -n ${n} route del local 127.0.0.0/8 dev lo table local && ip -n ${n} route del local 127.0.0.1 dev lo table local && ip -n ${n} route add 127.0.0.1/32 via ${HOST_IP} && ip netns exec ${n} sysctl -qw net.ipv4.conf.all.route_localnet=1`]);
      const arrived = arrivalCounter(t.c1.ns, `ip saddr ${LAN_IP} tcp dport 80`);
      assert.deepEqual(probe(t.lan.ns, [tcp('127.0.0.1', 8081)], 1000), ['TIMEOUT']);
      assert.equal(arrived(), 0, 'nothing reached the container');
      // Control: without the loopback-destination drop, the SYN is DNATed to the container.
      deleteRule(t.host.ns, 'raw_prerouting', 'ip daddr 127.0.0.0/8');
      probe(t.lan.ns, [tcp('127.0.0.1', 8081)], 1000);
      assert.ok(arrived() > 0, 'control: without the rule the LAN reaches the 127.0.0.1-only port');
    });

    it('an unpublished container port is not reachable from the LAN even with a route to the subnet; without the protection it would be', async () => {
      await twoNetworks();
      t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [9000] }));
      await t.lan.nl.routeAdd({ dst: NET_A.subnet, gateway: HOST_IP });
      assert.deepEqual(probe(t.lan.ns, [tcp(C1, 9000)], 1000), ['TIMEOUT']);
      deleteRule(t.host.ns, 'raw_prerouting', '@nat_subnets');
      assert.deepEqual(probe(t.lan.ns, [tcp(C1, 9000)]), [`c1 ${LAN_IP}`], 'control: the rule is what stopped it');
    });

    it('networks are isolated from each other, both ways; the drop rule counts it', async () => {
      await twoNetworks();
      t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [80] }), await startServer(t.c3.ns, 'c3', { tcp: [80] }));
      assert.deepEqual(probe(t.c2.ns, [tcp(C1, 80)]), [`c1 ${C2}`], 'same network: direct');
      assert.deepEqual(probe(t.c3.ns, [tcp(C1, 80)], 1000), ['TIMEOUT']);
      assert.deepEqual(probe(t.c1.ns, [tcp(C3, 80)], 1000), ['TIMEOUT']);
      const fwd = nftJson(t.host.ns, 'list', 'chain', 'inet', 'netplumb', 'forward').nftables.filter((o) => 'rule' in o);
      const isolation = fwd[fwd.length - 1].rule as { expr: Array<Record<string, { packets?: number }>> };
      assert.ok(isolation.expr.find((e) => 'counter' in e)!.counter.packets! >= 2, 'the isolation rule dropped them');
    });

    it('icc=false: containers of the network reach each other neither directly nor through published ports (as Docker); others still can', async () => {
      await twoNetworks({ icc: false });
      const links = JSON.parse(execFileSync('bridge', ['-n', t.host.ns.name!, '-j', '-d', 'link', 'show'], { encoding: 'utf8' })) as Array<{ ifname: string; isolated?: boolean; hairpin?: boolean }>;
      const flag = (name: string) => links.find((l) => l.ifname === name);
      assert.equal(flag(t.ports.c1)?.isolated, true);
      assert.equal(flag(t.ports.c2)?.isolated, true);
      assert.equal(flag(t.ports.c3)?.isolated, false);
      assert.equal(flag(t.ports.c1)?.hairpin, false);
      assert.equal(flag(t.ports.c3)?.hairpin, brNetfilter, 'hairpin only where br_netfilter bridges the flow');
      t.children.push(await startServer(t.c1.ns, 'c1', { tcp: [80] }));
      await fw.publish('ep-c1', { containerIp: C1, ports: ['8080:80'] });
      assert.deepEqual(probe(t.c2.ns, [tcp(C1, 80), tcp(HOST_IP, 8080)], 1000), ['TIMEOUT', 'TIMEOUT']);
      assert.deepEqual(probe(t.c3.ns, [tcp(HOST_IP, 8080)]), [`c1 ${NET_A.gateway}`], 'another network reaches the published port');
      assert.deepEqual(probe(t.lan.ns, [tcp(HOST_IP, 8080)]), [`c1 ${LAN_IP}`]);
      // Control: the same network with icc on.
      await fw.unpublish('ep-c1');
      await fw.removeNetwork('neta');
      await fw.addNetwork({ id: 'neta', bridge: NET_A.bridge, subnets: [NET_A.subnet] });
      for (const p of [t.ports.c1, t.ports.c2]) await fw.configureEndpointPort(p, { icc: true });
      await fw.publish('ep-c1', { containerIp: C1, ports: ['8080:80'] });
      assert.deepEqual(probe(t.c2.ns, [tcp(C1, 80), tcp(HOST_IP, 8080)]), [`c1 ${C2}`, `c1 ${NET_A.gateway}`]);
    });

    it('--internal: no way out, no way in, no masquerade rule, no published ports', async () => {
      await twoNetworks({}, { internal: true });
      t.children.push(await startServer(t.lan.ns, 'lan', { tcp: [7000] }), await startServer(t.c3.ns, 'c3', { tcp: [80] }));
      await t.lan.nl.routeAdd({ dst: NET_B.subnet, gateway: HOST_IP });
      assert.deepEqual(probe(t.c3.ns, [tcp(LAN_IP, 7000), tcp(C1, 80)], 1000), ['TIMEOUT', 'TIMEOUT']);
      assert.deepEqual(probe(t.lan.ns, [tcp(C3, 80)], 1000), ['TIMEOUT']);
      const post = sh(t.host.ns, 'nft', 'list', 'chain', 'inet', 'netplumb', 'nat_postrouting');
      assert.ok(!post.includes(NET_B.subnet), 'no masquerade for the internal subnet');
      await assert.rejects(fw.publish('ep-c3', { containerIp: C3, ports: ['8080:80'] }), /network netb is internal/);
      // Control: the LAN server is reachable from the other, non-internal network.
      assert.deepEqual(probe(t.c1.ns, [tcp(LAN_IP, 7000)]), [`lan ${HOST_IP}`]);
    });

    it('outbound NAT off (routed) and SNAT to a fixed address', async () => {
      await t.host.nl.addrAdd('up0', '192.168.50.9/24');
      await twoNetworks({ outboundNat: 'none' }, { outboundNat: { snat: '192.168.50.9' } });
      t.children.push(await startServer(t.lan.ns, 'lan', { tcp: [7000] }), await startServer(t.c1.ns, 'c1', { tcp: [80] }));
      await t.lan.nl.routeAdd({ dst: NET_A.subnet, gateway: HOST_IP });
      assert.deepEqual(probe(t.c1.ns, [tcp(LAN_IP, 7000)]), [`lan ${C1}`], 'routed: the LAN sees the container');
      assert.deepEqual(probe(t.lan.ns, [tcp(C1, 80)]), [`c1 ${LAN_IP}`], 'routed: the LAN reaches it directly');
      assert.deepEqual(probe(t.c3.ns, [tcp(LAN_IP, 7000)]), ['lan 192.168.50.9']);
    });
  });
}
