// netplumb's firewall driver: the nf_tables side of networks and published
// ports, in one table of its own (see plan.ts for its layout), changed only
// by atomic transactions. The networking layer calls it as networks and
// endpoints come and go:
//
//   const fw = await NftablesFirewall.open({ reservations: store });
//   await fw.addNetwork({ id: 'a1b2', bridge: 'np-a1b2', subnets: ['172.18.0.0/16'], icc: true });
//   await fw.configureEndpointPort('npe1', net);      // bridge port flags (icc=false: isolated)
//   const ports = await fw.publish('e1', { containerIp: '172.18.0.2', ports: ['8080:80', '53:53/udp'] });
//   await fw.unpublish('e1');
//   await fw.removeNetwork('a1b2');                   // the last one removes the table
import { isIPv4 } from 'net';
import type { NetNs } from '../../netns';
import { Netlink } from '../../netlink/handle';
import type { BridgePortChange } from '../../netlink/links';
import { NetlinkError, BatchError } from '../../errors';
import { Nftables } from '../../nft/nftables';
import type { NftBatch } from '../../nft/batch';
import { findCoexistenceProblems } from './coexistence';
import { listListeningSockets } from './listeners';
import { PortOccupancy } from './occupancy';
import { hostPortChoices, parseLocalPortRange, parsePortSpec, parseReservedPorts, type PortSpec } from './ports';
import {
  BASE_CHAINS, BASE_SETS, checkId, checkNetwork, FAMILY, LAYOUT, owner, planAddNetwork, planBase, planPublish,
  portKey, setRef, SETS, subnetContains, subnetsOverlap,
} from './plan';
import { MemoryPortReservations } from './reservations';
import { readState, type FirewallState, type InstalledNetwork } from './state';
import {
  describeKey, keysOverlap, PortConflictError, PortExhaustedError,
  type CoexistenceProblem, type FirewallNetwork, type HostPortKey, type PortConflict, type PortMapping, type PortReservations,
  type PublishedPort, type ReconcileResult,
} from './types';

export interface FirewallOptions {
  /** The host namespace to act in (default: this process's). */
  netns?: NetNs | string;
  /** The table's name (default 'netplumb'); family inet. */
  table?: string;
  /** Where host ports are reserved (default: in this process's memory). */
  reservations?: PortReservations;
  /** Turn on net.ipv4.ip_forward when a non-internal network is added (default true; Docker does the same, and never turns it off). */
  enableForwarding?: boolean;
}

/** What publish() takes: the container's address and its `-p` values. */
export interface PublishRequest {
  containerIp: string;
  /** `-p` strings, or specs parsed earlier with parsePortSpec (for usage errors before anything runs). */
  ports: Array<string | PortSpec>;
}

/** The contract the networking layer programs against. */
export interface Firewall {
  ensureBase(): Promise<boolean>;
  addNetwork(net: FirewallNetwork): Promise<void>;
  removeNetwork(id: string): Promise<void>;
  endpointPortSettings(net: Pick<FirewallNetwork, 'icc'>, host?: { brNetfilter: boolean }): BridgePortChange;
  configureEndpointPort(hostIfname: string, net: Pick<FirewallNetwork, 'icc'>): Promise<void>;
  publish(endpointId: string, request: PublishRequest): Promise<PublishedPort[]>;
  unpublish(endpointId: string): Promise<HostPortKey[]>;
  listPublished(endpointId?: string): Promise<PublishedPort[]>;
  listNetworks(): Promise<InstalledNetwork[]>;
  reconcile(expected: { networks: string[]; endpoints: string[] }): Promise<ReconcileResult>;
  coexistence(): Promise<CoexistenceProblem[]>;
  close(): void;
}

/** A firewall operation refused before anything changed (unknown network, bad address ...). */
export class FirewallError extends Error {
  constructor(message: string, readonly code: string = 'EINVAL') {
    super(message);
    this.name = 'FirewallError';
  }
}

function kernelCode(err: unknown): string | undefined {
  if (err instanceof NetlinkError) return err.code;
  if (err instanceof BatchError) return err.errors[0]?.code;
  return undefined;
}

export class NftablesFirewall implements Firewall {
  readonly table: string;
  readonly reservations: PortReservations;
  private readonly enableForwarding: boolean;

  private constructor(readonly nft: Nftables, readonly nl: Netlink, readonly netns: NetNs | undefined, options: FirewallOptions) {
    this.table = options.table ?? 'netplumb';
    this.reservations = options.reservations ?? new MemoryPortReservations();
    this.enableForwarding = options.enableForwarding ?? true;
  }

  /** Opens the nf_tables and rtnetlink handles in the host namespace. Nothing is changed until a call needs it. */
  static async open(options: FirewallOptions = {}): Promise<NftablesFirewall> {
    if (options.table !== undefined && (typeof options.table !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(options.table)))
      throw new RangeError(`firewall table: ${JSON.stringify(options.table)} is not a table name (1-32 of A-Z a-z 0-9 _ -)`);
    const nft = await Nftables.open({ netns: options.netns });
    const nl = await Netlink.open({ netns: nft.netns });
    return new NftablesFirewall(nft, nl, nft.netns, options);
  }

  close(): void {
    this.nft.close();
    this.nl.close();
  }

  private batch(): NftBatch {
    return this.nft.batch();
  }

  /** Whether the table exists (checking that it is netplumb's and of this layout). */
  private async tableExists(): Promise<boolean> {
    const t = (await this.nft.listTables(FAMILY)).find((x) => x.name === this.table);
    if (!t) return false;
    if (!t.owned) throw new FirewallError(`table ${FAMILY} ${this.table} exists but was not made by netplumb (its comment is ${JSON.stringify(t.comment ?? '')}); netplumb never changes other tables`, 'EEXIST');
    if (t.comment !== `netplumb:${LAYOUT}`)
      throw new FirewallError(`table ${FAMILY} ${this.table} has another layout (${JSON.stringify(t.comment)}, this netplumb writes "netplumb:${LAYOUT}"); remove it with \`nft delete table ${FAMILY} ${this.table}\` and re-add the networks`, 'EEXIST');
    return true;
  }

  /**
   * Creates the table with its sets, maps, chains and base rules, in one
   * transaction, unless it exists. True when it created it.
   * Equivalent to: `nft -f` of the ruleset in plan.ts.
   */
  async ensureBase(): Promise<boolean> {
    if (await this.tableExists()) {
      const [chains, sets] = await Promise.all([this.nft.listChains({ family: FAMILY, name: this.table }), this.nft.listSets({ family: FAMILY, name: this.table })]);
      const missing = [...BASE_CHAINS.filter((c) => !chains.some((x) => x.name === c)).map((c) => `chain ${c}`), ...BASE_SETS.filter((s) => !sets.some((x) => x.name === s)).map((s) => `set ${s}`)];
      if (missing.length) throw new FirewallError(`table ${FAMILY} ${this.table} is incomplete (missing ${missing.join(', ')}); remove it with \`nft delete table ${FAMILY} ${this.table}\` and re-add the networks`, 'EEXIST');
      return false;
    }
    try {
      await planBase(this.batch(), this.table).commit();
      return true;
    } catch (err) {
      // Another process created it at the same moment: `create table` let only one of us fill it.
      if (kernelCode(err) === 'EEXIST' && (await this.tableExists())) return false;
      throw err;
    }
  }

  private async state(options: { ports: boolean } = { ports: true }): Promise<FirewallState | undefined> {
    return (await this.tableExists()) ? readState(this.nft, this.table, options) : undefined;
  }

  /** The networks the table holds, as read from it. */
  async listNetworks(): Promise<InstalledNetwork[]> {
    const s = await this.state({ ports: false });
    return s ? [...s.networks.values()] : [];
  }

  /**
   * Adds a network: its bridge, subnets, internal and icc state as set
   * elements, its outbound NAT rule, and route_localnet on its bridge (so
   * 127.0.0.1-published ports work), in one transaction; a failure changes nothing.
   * Equivalent to: `nft add element inet netplumb bridges { "np0" comment "net:ID" }` ...
   * `nft add rule inet netplumb nat_postrouting ip saddr SUBNET oifname != "np0" masquerade comment "net:ID"`;
   * `sysctl net.ipv4.conf.np0.route_localnet=1`.
   */
  async addNetwork(net: FirewallNetwork): Promise<void> {
    checkNetwork(net);
    let link;
    try {
      link = await this.nl.linkGet(net.bridge);
    } catch (err) {
      if (kernelCode(err) === 'ENODEV') throw new FirewallError(`network ${net.id}: bridge ${net.bridge} does not exist (create it before adding the network to the firewall)`, 'ENODEV');
      throw err;
    }
    if (link.kind !== 'bridge') throw new FirewallError(`network ${net.id}: ${net.bridge} is a ${link.kind ?? 'device without a kind'}, not a bridge`);
    await this.ensureBase();
    const state = await readState(this.nft, this.table, { ports: false });
    if (state.networks.has(net.id)) throw new FirewallError(`network ${net.id} is already in the firewall`, 'EEXIST');
    for (const other of state.networks.values()) {
      if (other.bridge === net.bridge) throw new FirewallError(`network ${net.id}: bridge ${net.bridge} already belongs to network ${other.id}`, 'EEXIST');
      for (const a of net.subnets) for (const b of other.subnets)
        if (subnetsOverlap(a, b)) throw new FirewallError(`network ${net.id}: subnet ${a} overlaps ${b} of network ${other.id}`, 'EEXIST');
    }
    const localnetKey = `net/ipv4/conf/${net.bridge}/route_localnet`;
    const before = await this.nl.sysctlGet(localnetKey);
    await this.nl.sysctlSet(localnetKey, 1);
    try {
      await planAddNetwork(this.batch(), this.table, net).commit();
    } catch (err) {
      await this.nl.sysctlSet(localnetKey, before.trim()).catch(() => undefined);
      throw err;
    }
    if (!net.internal && this.enableForwarding && (await this.nl.sysctlGet('net.ipv4.ip_forward')).trim() !== '1')
      await this.nl.sysctlSet('net.ipv4.ip_forward', 1);
  }

  /**
   * Removes a network's elements and rules in one transaction (the whole
   * table when it was the last network and no port is published), and turns
   * route_localnet off again on its bridge if the bridge still exists. A
   * network that still has published ports is refused: unpublish them first.
   * Equivalent to: `nft delete element inet netplumb bridges { "np0" }` ... or `nft delete table inet netplumb`.
   */
  async removeNetwork(id: string): Promise<void> {
    checkId(id, 'network id');
    const state = await this.state();
    const net = state?.networks.get(id);
    if (!state || !net) throw new FirewallError(`network ${id}: the firewall has nothing of it`, 'ENOENT');
    const onIt = state.published.filter((p) => net.subnets.some((s) => s.includes('/') && subnetContains(s, p.containerIp)));
    if (onIt.length) {
      const eps = [...new Set(onIt.map((p) => p.endpointId))];
      throw new FirewallError(`network ${id} still has published ports of endpoint${eps.length > 1 ? 's' : ''} ${eps.join(', ')}: unpublish them first`, 'EBUSY');
    }
    const batch = this.batch();
    if (state.networks.size === 1 && state.published.length === 0) batch.deleteTable({ family: FAMILY, name: this.table });
    else this.planRemoveNetwork(batch, net);
    await batch.commit();
    if (net.bridge) {
      await this.nl.sysctlSet(`net/ipv4/conf/${net.bridge}/route_localnet`, 0).catch((err) => {
        if (!(err instanceof NetlinkError && err.code === 'ENOENT')) throw err; // the bridge is already gone
      });
    }
  }

  private planRemoveNetwork(batch: NftBatch, net: InstalledNetwork): void {
    const ref = (name: string) => setRef(this.table, name);
    if (net.bridge) {
      batch.deleteElements(ref(SETS.bridges), [{ key: net.bridge }]);
      batch.deleteElements(ref(SETS.sameBridge), [{ key: [net.bridge, net.bridge] }]);
      if (net.internal) batch.deleteElements(ref(SETS.internal), [{ key: net.bridge }]);
      if (!net.icc) batch.deleteElements(ref(SETS.noIcc), [{ key: [net.bridge, net.bridge] }]);
    }
    if (net.subnets.length) batch.deleteElements(ref(SETS.subnets), net.subnets.map((s) => ({ key: s })));
    if (net.bridge && net.subnets.length) batch.deleteElements(ref(SETS.bridgeSubnets), net.subnets.map((s) => ({ key: [net.bridge, s] })));
    if (net.outboundNat !== 'none' && net.subnets.length) batch.deleteElements(ref(SETS.natSubnets), net.subnets.map((s) => ({ key: s })));
    for (const handle of net.ruleHandles) batch.deleteRule({ family: FAMILY, table: this.table, chain: 'nat_postrouting', handle });
  }

  /**
   * The bridge-port flags an endpoint of the network needs: icc=false
   * isolates the port (no br_netfilter needed); then no container of the
   * network reaches another one, not even through a published port (as with Docker). Hairpin only where
   * br_netfilter makes a container's flow to its own published port a bridged
   * one that must leave by the port it came in; elsewhere the host routes it
   * back, and hairpin would reflect the container's own multicast (IPv6
   * duplicate address detection would then fail).
   */
  endpointPortSettings(net: Pick<FirewallNetwork, 'icc'>, host: { brNetfilter: boolean } = { brNetfilter: false }): BridgePortChange {
    const isolated = net.icc === false;
    // icc=false keeps a container from its own published port too, in both modes (forward drops the routed flow).
    return { isolated, hairpin: host.brNetfilter && !isolated };
  }

  /** Whether bridged IPv4 traffic passes through the IP hooks in the host namespace (net.bridge.bridge-nf-call-iptables = 1). */
  async brNetfilter(): Promise<boolean> {
    try {
      return (await this.nl.sysctlGet('net.bridge.bridge-nf-call-iptables')).trim() === '1';
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'ENOENT') return false; // br_netfilter not loaded
      throw err;
    }
  }

  /**
   * Applies endpointPortSettings to the host end of an endpoint's veth.
   * Equivalent to: `ip link set DEV type bridge_slave isolated on|off hairpin on|off`.
   */
  async configureEndpointPort(hostIfname: string, net: Pick<FirewallNetwork, 'icc'>): Promise<void> {
    await this.nl.linkSet(hostIfname, { bridgePort: this.endpointPortSettings(net, { brNetfilter: await this.brNetfilter() }) });
  }

  /**
   * Publishes container ports (`docker run -p ...`): resolves ephemeral and
   * ranged host ports (net.ipv4.ip_local_port_range, skipping
   * ip_local_reserved_ports, reserved and listening ports), refuses a host
   * port already published or held by a listening socket, reserves the host
   * ports, then adds one map element per port in one transaction. A failure
   * changes nothing (the reservation is released). Returns the mappings.
   * Equivalent to: `nft add element inet netplumb ports_any { tcp . 8080 : 172.18.0.2 . 80 comment "ep:ID" }`.
   */
  async publish(endpointId: string, request: PublishRequest): Promise<PublishedPort[]> {
    checkId(endpointId, 'endpoint id');
    if (!request || typeof request !== 'object') throw new TypeError('publish: expected {containerIp, ports}');
    if (typeof request.containerIp !== 'string' || !isIPv4(request.containerIp)) throw new RangeError(`publish: container address ${JSON.stringify(request.containerIp)} is not an IPv4 address`);
    if (!Array.isArray(request.ports) || request.ports.length === 0) throw new TypeError('publish: ports: at least one port specification');
    const specs = request.ports.map((p) => (typeof p === 'string' ? parsePortSpec(p) : parsePortSpec(p.text)));
    const state = await this.state({ ports: false });
    const net = state && [...state.networks.values()].find((n) => n.subnets.some((s) => s.includes('/') && subnetContains(s, request.containerIp)));
    if (!state || !net) throw new FirewallError(`publish: container address ${request.containerIp} is not on any netplumb network`, 'ENOENT');
    if (net.internal) throw new FirewallError(`publish: network ${net.id} is internal: its containers cannot publish ports`);
    await this.checkHostAddresses(specs);

    for (let attempt = 0; ; attempt++) {
      const mappings = await this.allocate(specs, request.containerIp);
      const keys: HostPortKey[] = mappings.map((m) => ({ protocol: m.protocol, hostIp: m.hostIp, hostPort: m.hostPort }));
      try {
        await this.reservations.reserve(endpointId, keys);
      } catch (err) {
        // Another command took a port we chose between our look and our reservation: choose again (ephemeral only).
        if (err instanceof PortConflictError && attempt < 3 && specs.some((s) => !s.hostPorts || s.hostPorts[0] !== s.hostPorts[1])) continue;
        throw err;
      }
      try {
        await planPublish(this.batch(), this.table, endpointId, mappings).commit();
      } catch (err) {
        await this.reservations.release(endpointId, keys);
        if (kernelCode(err) === 'EEXIST') {
          // The kernel holds a mapping the reservation store did not know of: report its holder.
          const clash = (await this.listPublished()).filter((p) => keys.some((k) => keysOverlap(k, p)));
          throw new PortConflictError(clash.length ? clash.map((p) => ({ key: p, holder: `published by endpoint ${p.endpointId} (${describeKey(p)})` })) : keys.map((k) => ({ key: k, holder: 'already in the kernel map' })));
        }
        throw err;
      }
      return mappings.map((m) => ({ protocol: m.protocol, hostIp: m.hostIp, hostPort: m.hostPort, containerIp: m.containerIp, containerPort: m.containerPort, endpointId }));
    }
  }

  /** Every host address a spec names must be one of the host's (or 127.0.0.0/8). */
  private async checkHostAddresses(specs: PortSpec[]): Promise<void> {
    const wanted = [...new Set(specs.map((s) => s.hostIp).filter((ip) => ip !== '0.0.0.0'))];
    if (!wanted.length) return;
    const local = new Set((await this.nl.addrList({ family: 4 })).map((a) => a.local));
    for (const ip of wanted)
      if (!local.has(ip) && !ip.startsWith('127.')) throw new FirewallError(`publish: ${ip} is not an address of this host (publish on one of ${[...local].join(', ') || 'its addresses'}, or on all of them)`, 'EADDRNOTAVAIL');
  }

  /** Concrete mappings for the specs, or PortConflictError / PortExhaustedError. */
  private async allocate(specs: PortSpec[], containerIp: string): Promise<PortMapping[]> {
    const sockets = await listListeningSockets(this.netns, [...new Set(specs.map((s) => s.protocol))]);
    // Holders are described only when they conflict: building a message per reservation
    // would make publishing cost grow with everything already published.
    const occupied = new PortOccupancy();
    for (const s of sockets) occupied.addSocket(s);
    // Reservations are asked for only about the ports this publication may use (an indexed
    // query in the store), never listed whole.
    const learn = async (keys: HostPortKey[]) => {
      if (!keys.length) return;
      for (const r of await this.reservations.holders(keys)) occupied.addReservation(r);
    };
    const upFront: HostPortKey[] = [];
    for (const spec of specs)
      for (const { choice } of hostPortChoices(spec)) {
        if ('fixed' in choice) occupied.ask(spec.protocol, spec.hostIp, choice.fixed, choice.fixed, upFront);
        else if ('oneOf' in choice) occupied.ask(spec.protocol, spec.hostIp, choice.oneOf[0], choice.oneOf[1], upFront);
      }
    await learn(upFront);
    let localRange: [number, number] | undefined;
    let localReserved: Set<number> | undefined;
    let nextEphemeral = 0;
    const ephemeral = async (protocol: PortSpec['protocol'], hostIp: string): Promise<number> => {
      if (!localRange) {
        localRange = parseLocalPortRange(await this.nl.sysctlGet('net.ipv4.ip_local_port_range'));
        localReserved = parseReservedPorts(await this.nl.sysctlGet('net.ipv4.ip_local_reserved_ports'));
        nextEphemeral = localRange[0];
      }
      for (let p = nextEphemeral; p <= localRange[1]; p++) {
        if (localReserved!.has(p)) continue;
        if (!occupied.wasAsked(protocol, hostIp, p)) await learn(occupied.ask(protocol, hostIp, p, Math.min(localRange[1], p + 255)));
        if (occupied.conflicts(protocol, hostIp, p).length) continue;
        nextEphemeral = p; // the caller marks it taken; later ephemeral picks start here
        return p;
      }
      throw new PortExhaustedError(`publish: no free ${protocol} host port left in net.ipv4.ip_local_port_range ${localRange[0]}-${localRange[1]}`);
    };

    const conflicts: PortConflict[] = [];
    const mappings: PortMapping[] = [];
    for (const spec of specs) {
      const { protocol, hostIp } = spec;
      for (const { containerPort, choice } of hostPortChoices(spec)) {
        let hostPort: number;
        if ('fixed' in choice) {
          hostPort = choice.fixed;
          for (const holder of occupied.conflicts(protocol, hostIp, hostPort)) conflicts.push({ key: { protocol, hostIp, hostPort }, holder });
        } else if ('oneOf' in choice) {
          const [lo, hi] = choice.oneOf;
          let found: number | undefined;
          for (let p = lo; p <= hi && found === undefined; p++) if (!occupied.conflicts(protocol, hostIp, p).length) found = p;
          if (found === undefined) throw new PortExhaustedError(`publish ${JSON.stringify(spec.text)}: every host port of ${lo}-${hi} is in use`);
          hostPort = found;
        } else {
          hostPort = await ephemeral(protocol, hostIp);
        }
        // Within one request, a port is taken by its first use.
        occupied.hold(protocol, hostIp, hostPort, spec.text);
        mappings.push({ protocol, hostIp, hostPort, containerIp, containerPort });
      }
    }
    if (conflicts.length) throw new PortConflictError(conflicts);
    return mappings;
  }

  /**
   * Removes every port the endpoint published, in one transaction, and
   * releases its reservations. The ports to remove are the endpoint's
   * reservations (an indexed query: the cost does not grow with other
   * endpoints' ports); if the store holds none for it, or the kernel lacks
   * one of them, the maps are read to find exactly what the endpoint owns
   * there (that costs in proportion to all published ports: the networking
   * layer need not call it for endpoints it knows have none). Returns the host ports removed
   * (none for an endpoint without published ports).
   * Equivalent to: `nft delete element inet netplumb ports_any { tcp . 8080 }` ...
   */
  async unpublish(endpointId: string): Promise<HostPortKey[]> {
    checkId(endpointId, 'endpoint id');
    const held = await this.reservations.listOwner(endpointId);
    let removed: HostPortKey[] = held.map((r) => ({ protocol: r.protocol, hostIp: r.hostIp, hostPort: r.hostPort }));
    if (!(await this.tableExists())) removed = [];
    else if (!removed.length) removed = await this.unpublishByReading(endpointId); // a store that does not know it (another process's memory)
    else {
      const batch = this.batch();
      this.planUnpublish(batch, removed);
      try {
        await batch.commit();
      } catch (err) {
        if (kernelCode(err) !== 'ENOENT') throw err;
        // The store and the kernel disagree (an element was removed by hand, or never added after a crash).
        removed = await this.unpublishByReading(endpointId);
      }
    }
    await this.reservations.release(endpointId);
    return removed;
  }

  /** Removes what the maps hold for the endpoint, read from the kernel (gc's way). */
  private async unpublishByReading(endpointId: string): Promise<HostPortKey[]> {
    const mine = await this.listPublished(endpointId);
    if (mine.length) {
      const batch = this.batch();
      this.planUnpublish(batch, mine);
      await batch.commit();
    }
    return mine.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort }));
  }

  private planUnpublish(batch: NftBatch, ports: HostPortKey[]): void {
    const byMap = new Map<string, Array<{ key: unknown }>>();
    for (const p of ports) {
      const { map, key } = portKey(p);
      if (!byMap.has(map)) byMap.set(map, []);
      byMap.get(map)!.push({ key });
    }
    for (const [map, elements] of byMap) batch.deleteElements(setRef(this.table, map), elements);
  }

  /** `netplumb port`: published ports as the kernel holds them (all, or one endpoint's). */
  async listPublished(endpointId?: string): Promise<PublishedPort[]> {
    if (endpointId !== undefined) checkId(endpointId, 'endpoint id');
    const s = await this.state();
    if (!s) return [];
    const all = s.published.sort((a, b) => a.protocol.localeCompare(b.protocol) || a.hostPort - b.hostPort || a.hostIp.localeCompare(b.hostIp));
    return endpointId === undefined ? all : all.filter((p) => p.endpointId === endpointId);
  }

  /**
   * Garbage collection: removes whatever the table holds for networks and
   * endpoints that no longer exist (the caller's store says which do), in one
   * transaction, and their reservations; the table itself when nothing is
   * left. Equivalent to `netplumb gc` for the firewall.
   */
  async reconcile(expected: { networks: string[]; endpoints: string[] }): Promise<ReconcileResult> {
    if (!expected || !Array.isArray(expected.networks) || !Array.isArray(expected.endpoints)) throw new TypeError('reconcile: expected {networks: string[], endpoints: string[]}');
    const keepNets = new Set(expected.networks);
    const keepEps = new Set(expected.endpoints);
    const result: ReconcileResult = { networks: [], endpoints: [], tableRemoved: false };
    const state = await this.state();
    if (state) {
      const staleNets = [...state.networks.values()].filter((n) => !keepNets.has(n.id));
      const stalePorts = state.published.filter((p) => !keepEps.has(p.endpointId));
      result.networks = staleNets.map((n) => n.id);
      result.endpoints = [...new Set(stalePorts.map((p) => p.endpointId))];
      const batch = this.batch();
      if (staleNets.length === state.networks.size && stalePorts.length === state.published.length) {
        batch.deleteTable({ family: FAMILY, name: this.table });
        result.tableRemoved = true;
      } else {
        if (stalePorts.length) this.planUnpublish(batch, stalePorts);
        for (const n of staleNets) this.planRemoveNetwork(batch, n);
      }
      if (batch.size) await batch.commit();
      for (const n of staleNets)
        if (n.bridge) await this.nl.sysctlSet(`net/ipv4/conf/${n.bridge}/route_localnet`, 0).catch(() => undefined); // best effort: the bridge is usually gone
    }
    for (const owner of new Set((await this.reservations.list()).map((r) => r.owner))) {
      if (keepEps.has(owner)) continue;
      await this.reservations.release(owner);
      if (!result.endpoints.includes(owner)) result.endpoints.push(owner);
    }
    return result;
  }

  /** Other firewalls that would drop netplumb's traffic, and what to do (read only). */
  async coexistence(): Promise<CoexistenceProblem[]> {
    const nets = await this.listNetworks();
    return findCoexistenceProblems(this.nft, nets.map((n) => n.bridge).filter(Boolean));
  }
}

export { owner };
