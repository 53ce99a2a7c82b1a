// The whole netplumb firewall as nf_tables objects in one table of its own
// (`table inet netplumb`), and the batch operations that add and remove a
// network's and an endpoint's share of it. Per-network state and published
// ports are set and map elements carrying their owner in their comment, so
// the rules never change as networks and ports come and go, and a packet
// costs the same hash lookups whether 1 or 10,000 ports are published.
//
//   table inet netplumb {                                  comment "netplumb:firewall-v1"
//     set bridges      { type ifname }                     every netplumb bridge
//     set same_bridge  { type ifname . ifname }            (br . br) per network: intra-network forwarding
//     set bridge_subnets { type ifname . ipv4_addr; flags interval }  (br . subnet): hairpin
//     set internal     { type ifname }                     --internal bridges
//     set no_icc       { type ifname . ifname }            icc=false networks
//     set subnets      { type ipv4_addr; flags interval }  every network's subnets (which network a container address is on)
//     set nat_subnets  { type ipv4_addr; flags interval }  subnets behind NAT: not reachable directly from outside
//     map ports_addr   { type inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service }  -p IP:HOSTPORT:CPORT
//     map ports_any    { type inet_proto . inet_service : ipv4_addr . inet_service }              -p HOSTPORT:CPORT
//     chain raw_prerouting  { type filter hook prerouting priority raw
//       iifname != "lo" ip daddr 127.0.0.0/8 drop          127.0.0.1-published ports stay local (moby#45610)
//       iifname != "lo" ip saddr 127.0.0.0/8 drop          (route_localnet is on for netplumb bridges)
//       iifname != @bridges ip daddr @nat_subnets drop }   no direct access to containers from outside
//     chain nat_prerouting  { type nat hook prerouting priority dstnat
//       dnat ip to meta l4proto . ip daddr . th dport map @ports_addr
//       fib daddr type local dnat ip to meta l4proto . th dport map @ports_any }
//     chain nat_output      { type nat hook output priority dstnat;  the same two rules: the host itself, 127.0.0.1 included }
//     chain nat_postrouting { type nat hook postrouting priority srcnat
//       oifname @bridges ip saddr 127.0.0.0/8 masquerade                 host -> 127.0.0.1:PORT -> container
//       ct status dnat oifname . ip saddr @bridge_subnets masquerade     hairpin: replies come back through the host
//       ip saddr SUBNET oifname != BRIDGE masquerade     comment "net:ID"  outbound, one rule per NATed network }
//     chain forward         { type filter hook forward priority filter
//       ct state established,related accept
//       iifname . oifname @no_icc drop                                  icc=false, published ports included (as Docker)
//       iifname . oifname @same_bridge accept
//       iifname @internal drop; oifname @internal drop
//       iifname @bridges oifname @bridges ct status dnat accept          published ports of other networks
//       iifname @bridges oifname @bridges drop }                         isolation between networks
//   }
import { isIPv4 } from 'net';
import { NftBatch } from '../../nft/batch';
import { rule } from '../../nft/rule';
import type { ElementSpec, Family, SetRef } from '../../nft/types';
import type { FirewallNetwork, HostPortKey, PortMapping } from './types';

export const FAMILY: Family = 'inet';
/** The table comment's owner part: the layout version, so an older layout is recognised. */
export const LAYOUT = 'firewall-v1';
/** The comment of rules that belong to the base ruleset. */
export const BASE_OWNER = 'base';

export const SETS = {
  bridges: 'bridges',
  sameBridge: 'same_bridge',
  bridgeSubnets: 'bridge_subnets',
  internal: 'internal',
  noIcc: 'no_icc',
  subnets: 'subnets',
  natSubnets: 'nat_subnets',
  portsAddr: 'ports_addr',
  portsAny: 'ports_any',
} as const;

export const CHAINS = {
  raw: 'raw_prerouting',
  prerouting: 'nat_prerouting',
  output: 'nat_output',
  postrouting: 'nat_postrouting',
  forward: 'forward',
} as const;

/** Owner tags in comments: "net:ID" and "ep:ID". */
export const owner = {
  network: (id: string) => `net:${id}`,
  endpoint: (id: string) => `ep:${id}`,
  parse(comment: string | undefined): { kind: 'network' | 'endpoint'; id: string } | undefined {
    const m = /^(net|ep):(.+)$/.exec(comment ?? '');
    return m ? { kind: m[1] === 'net' ? 'network' : 'endpoint', id: m[2] } : undefined;
  },
};

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Network and endpoint ids: 1-64 of [A-Za-z0-9_.-], starting alphanumeric. */
export function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || !ID.test(id)) throw new RangeError(`${what}: ${JSON.stringify(id)} is not an id (1-64 characters of A-Z a-z 0-9 _ . -, starting with a letter or digit)`);
}

export function setRef(table: string, name: string): SetRef {
  return { family: FAMILY, table, name };
}

/** Adds the table, its sets and maps, its chains and base rules (`nft create table`: fails if it exists). */
export function planBase(batch: NftBatch, table: string): NftBatch {
  const t = { family: FAMILY, table };
  const chain = (name: string) => ({ ...t, chain: name });
  const tag = BASE_OWNER;
  batch.addTable({ family: FAMILY, name: table, owner: LAYOUT, exclusive: true });
  batch.addSet({ ...t, name: SETS.bridges, type: 'ifname', comment: 'netplumb bridges' });
  batch.addSet({ ...t, name: SETS.sameBridge, type: ['ifname', 'ifname'], comment: 'bridge . bridge of every network' });
  batch.addSet({ ...t, name: SETS.bridgeSubnets, type: ['ifname', 'ipv4_addr'], flags: ['interval'], comment: 'bridge . subnet of every network' });
  batch.addSet({ ...t, name: SETS.internal, type: 'ifname', comment: 'bridges of --internal networks' });
  batch.addSet({ ...t, name: SETS.noIcc, type: ['ifname', 'ifname'], comment: 'bridge . bridge of icc=false networks' });
  batch.addSet({ ...t, name: SETS.subnets, type: 'ipv4_addr', flags: ['interval'], comment: 'subnets of every network' });
  batch.addSet({ ...t, name: SETS.natSubnets, type: 'ipv4_addr', flags: ['interval'], comment: 'subnets behind NAT' });
  batch.addSet({ ...t, name: SETS.portsAddr, type: ['inet_proto', 'ipv4_addr', 'inet_service'], map: ['ipv4_addr', 'inet_service'], comment: 'ports published on one host address' });
  batch.addSet({ ...t, name: SETS.portsAny, type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'], comment: 'ports published on every host address' });

  batch.addChain({ ...t, name: CHAINS.raw, hook: 'prerouting', type: 'filter', priority: 'raw' });
  batch.addChain({ ...t, name: CHAINS.prerouting, hook: 'prerouting', type: 'nat', priority: 'dstnat' });
  batch.addChain({ ...t, name: CHAINS.output, hook: 'output', type: 'nat', priority: 'dstnat' });
  batch.addChain({ ...t, name: CHAINS.postrouting, hook: 'postrouting', type: 'nat', priority: 'srcnat' });
  batch.addChain({ ...t, name: CHAINS.forward, hook: 'forward', type: 'filter', priority: 'filter', policy: 'accept' });

  // Before connection tracking and NAT: what must never reach a container or the host's loopback.
  batch.addRule(chain(CHAINS.raw), rule().iifname('lo', '!=').ipDaddr('127.0.0.0/8').counter().drop().comment(tag));
  batch.addRule(chain(CHAINS.raw), rule().iifname('lo', '!=').ipSaddr('127.0.0.0/8').counter().drop().comment(tag));
  batch.addRule(chain(CHAINS.raw), rule().inSet(['iifname'], SETS.bridges, '!=').inSet(['ip daddr'], SETS.natSubnets).counter().drop().comment(tag));

  for (const hook of [CHAINS.prerouting, CHAINS.output]) {
    batch.addRule(chain(hook), rule().dnatMap({ key: ['meta l4proto', 'ip daddr', 'th dport'], map: SETS.portsAddr }).comment(tag));
    batch.addRule(chain(hook), rule().fibDaddrType('local').dnatMap({ key: ['meta l4proto', 'th dport'], map: SETS.portsAny }).comment(tag));
  }

  batch.addRule(chain(CHAINS.postrouting), rule().inSet(['oifname'], SETS.bridges).ipSaddr('127.0.0.0/8').masquerade().comment(tag));
  // Hairpin: a published port reached from its own network. Matched on the way
  // out (bridge . source subnet), not on iifname, because with br_netfilter the
  // flow is bridged and postrouting sees no input device.
  batch.addRule(chain(CHAINS.postrouting), rule().ctStatus(['dnat']).inSet(['oifname', 'ip saddr'], SETS.bridgeSubnets).masquerade().comment(tag));

  batch.addRule(chain(CHAINS.forward), rule().ctState(['established', 'related']).accept().comment(tag));
  // icc=false: the bridge ports are isolated (direct traffic); this drops what the host would route
  // back into the same bridge, published ports included, so that with or without br_netfilter
  // (which bridges such flows, where port isolation stops them) the containers cannot reach each other.
  batch.addRule(chain(CHAINS.forward), rule().inSet(['iifname', 'oifname'], SETS.noIcc).counter().drop().comment(tag));
  batch.addRule(chain(CHAINS.forward), rule().inSet(['iifname', 'oifname'], SETS.sameBridge).accept().comment(tag));
  batch.addRule(chain(CHAINS.forward), rule().inSet(['iifname'], SETS.internal).counter().drop().comment(tag));
  batch.addRule(chain(CHAINS.forward), rule().inSet(['oifname'], SETS.internal).counter().drop().comment(tag));
  batch.addRule(chain(CHAINS.forward), rule().inSet(['iifname'], SETS.bridges).inSet(['oifname'], SETS.bridges).ctStatus(['dnat']).accept().comment(tag));
  batch.addRule(chain(CHAINS.forward), rule().inSet(['iifname'], SETS.bridges).inSet(['oifname'], SETS.bridges).counter().drop().comment(tag));
  return batch;
}

/** The names of everything planBase makes, to check that an existing table is complete. */
export const BASE_SETS: readonly string[] = Object.values(SETS);
export const BASE_CHAINS: readonly string[] = Object.values(CHAINS);

export function natMode(net: FirewallNetwork): 'masquerade' | 'none' | { snat: string } {
  if (net.internal) return 'none';
  return net.outboundNat ?? 'masquerade';
}

/** Adds a network's elements and outbound NAT rules (all exclusive: a second claim of a bridge or subnet fails). */
export function planAddNetwork(batch: NftBatch, table: string, net: FirewallNetwork): NftBatch {
  const tag = owner.network(net.id);
  const el = (key: unknown): ElementSpec => ({ key, comment: tag });
  const excl = { exclusive: true };
  batch.addElements(setRef(table, SETS.bridges), [el(net.bridge)], excl);
  batch.addElements(setRef(table, SETS.sameBridge), [el([net.bridge, net.bridge])], excl);
  // Interval sets: not exclusive, since the set's shared end element at 0 may
  // already be there; the driver refuses overlapping subnets before this.
  batch.addElements(setRef(table, SETS.subnets), net.subnets.map(el));
  batch.addElements(setRef(table, SETS.bridgeSubnets), net.subnets.map((s) => el([net.bridge, s])), excl);
  if (net.internal) batch.addElements(setRef(table, SETS.internal), [el(net.bridge)], excl);
  if (net.icc === false) batch.addElements(setRef(table, SETS.noIcc), [el([net.bridge, net.bridge])], excl);
  const nat = natMode(net);
  if (nat !== 'none') {
    batch.addElements(setRef(table, SETS.natSubnets), net.subnets.map(el));
    for (const subnet of net.subnets) {
      const r = rule().ipSaddr(subnet).oifname(net.bridge, '!=');
      batch.addRule({ family: FAMILY, table, chain: CHAINS.postrouting }, (nat === 'masquerade' ? r.masquerade() : r.snat({ addr: nat.snat })).comment(tag));
    }
  }
  return batch;
}

/** The map and key of a host port: ports_any for every address, ports_addr for one. */
export function portKey(k: HostPortKey): { map: string; key: unknown[] } {
  if (k.hostIp === '0.0.0.0') return { map: SETS.portsAny, key: [k.protocol, k.hostPort] };
  return { map: SETS.portsAddr, key: [k.protocol, k.hostIp, k.hostPort] };
}

/** The map and element of a published port, its owner in the comment. */
export function portElement(m: PortMapping, endpointId: string): { map: string; element: ElementSpec } {
  const { map, key } = portKey(m);
  return { map, element: { key, value: [m.containerIp, m.containerPort], comment: owner.endpoint(endpointId) } };
}

/** Adds published ports, each map's elements in one exclusive operation (an existing key fails the whole batch). */
export function planPublish(batch: NftBatch, table: string, endpointId: string, mappings: PortMapping[]): NftBatch {
  const comment = owner.endpoint(endpointId); // one string for all: the encoder packs elements that share it
  const byMap = new Map<string, ElementSpec[]>();
  for (const m of mappings) {
    const { map, key } = portKey(m);
    const element: ElementSpec = { key, value: [m.containerIp, m.containerPort], comment };
    const list = byMap.get(map);
    if (list) list.push(element);
    else byMap.set(map, [element]);
  }
  for (const [map, elements] of byMap) batch.addElements(setRef(table, map), elements, { exclusive: true });
  return batch;
}

export function checkNetwork(net: FirewallNetwork): void {
  if (!net || typeof net !== 'object') throw new TypeError('network: expected an object {id, bridge, subnets, ...}');
  checkId(net.id, 'network id');
  if (typeof net.bridge !== 'string' || net.bridge.length === 0 || Buffer.byteLength(net.bridge) > 15 || /[\s/:\0]/.test(net.bridge))
    throw new RangeError(`network ${net.id}: bridge ${JSON.stringify(net.bridge)} is not an interface name (1-15 bytes, no spaces, '/' or ':')`);
  if (!Array.isArray(net.subnets) || net.subnets.length === 0) throw new TypeError(`network ${net.id}: subnets: at least one IPv4 subnet`);
  for (const s of net.subnets) checkSubnet(s, `network ${net.id}: subnet`);
  for (let i = 0; i < net.subnets.length; i++)
    for (let j = 0; j < i; j++)
      if (subnetsOverlap(net.subnets[i], net.subnets[j])) throw new RangeError(`network ${net.id}: subnets ${net.subnets[j]} and ${net.subnets[i]} overlap`);
  if (net.internal !== undefined && typeof net.internal !== 'boolean') throw new TypeError(`network ${net.id}: internal is true or false`);
  if (net.icc !== undefined && typeof net.icc !== 'boolean') throw new TypeError(`network ${net.id}: icc is true or false`);
  const nat = net.outboundNat;
  if (nat !== undefined && nat !== 'masquerade' && nat !== 'none') {
    if (!nat || typeof nat !== 'object' || typeof nat.snat !== 'string' || !isIPv4(nat.snat))
      throw new RangeError(`network ${net.id}: outboundNat is 'masquerade', 'none' or {snat: IPV4_ADDRESS}`);
  }
  if (net.internal && nat !== undefined && nat !== 'none') throw new RangeError(`network ${net.id}: an internal network has no outbound traffic to NAT (outboundNat must be left out or 'none')`);
}

/** IPv4 arithmetic on dotted quads. */
export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}
export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function subnetRange(cidr: string): [number, number] {
  const [addr, len] = cidr.split('/');
  const bits = Number(len);
  const size = 2 ** (32 - bits);
  const base = ipv4ToInt(addr) - (ipv4ToInt(addr) % size);
  return [base, base + size - 1];
}

function checkSubnet(s: unknown, what: string): void {
  const m = typeof s === 'string' ? /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(s) : null;
  if (!m || !isIPv4(m[1]) || Number(m[2]) > 32) throw new RangeError(`${what} ${JSON.stringify(s)} is not an IPv4 subnet like 172.18.0.0/16`);
  const [lo] = subnetRange(s as string);
  if (lo !== ipv4ToInt(m[1])) throw new RangeError(`${what} ${s} has host bits set`);
}

export function subnetsOverlap(a: string, b: string): boolean {
  const [a0, a1] = subnetRange(a), [b0, b1] = subnetRange(b);
  return a0 <= b1 && b0 <= a1;
}

export function subnetContains(cidr: string, ip: string): boolean {
  const [lo, hi] = subnetRange(cidr);
  const n = ipv4ToInt(ip);
  return n >= lo && n <= hi;
}
