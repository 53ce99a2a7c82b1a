// What `netplumb graph` draws: the host's uplink, the networks (each a bridge
// with its subnets and gateway), the containers with their addresses on each
// network, and the ports published from the host to them. The networking
// layer fills this from its state; this module only checks and draws it.
import { isIP } from 'net';
import { parseCidr } from '../../netlink/address';

export interface TopologyUplink {
  /** The host interface traffic leaves by (eth0). */
  name: string;
  addresses?: string[];
}

export interface TopologyNetwork {
  name: string;
  id?: string;
  /** 'bridge', 'macvlan', 'host', 'none' ... */
  driver: string;
  /** The bridge device (np-<id>). */
  bridge?: string;
  /** CIDRs. */
  subnets: string[];
  gateways?: string[];
  /** No route out through the uplink (docker network create --internal). */
  internal?: boolean;
}

export interface TopologyEndpoint {
  /** The network's name. */
  network: string;
  /** The interface inside the container (eth0). */
  interface?: string;
  /** The host-side veth (np<endpoint-id>). */
  hostInterface?: string;
  /** Addresses, bare or in CIDR form. */
  addresses: string[];
  mac?: string;
}

export interface TopologyPort {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Default: all addresses ('0.0.0.0'). */
  hostIp?: string;
  hostPort: number;
  containerPort: number;
}

export interface TopologyContainer {
  name: string;
  id?: string;
  endpoints: TopologyEndpoint[];
  ports?: TopologyPort[];
}

export interface Topology {
  /** The host's name, for the uplink's label. */
  host?: string;
  uplink?: TopologyUplink;
  networks: TopologyNetwork[];
  containers: TopologyContainer[];
}

function checkAddress(a: unknown, what: string): void {
  parseCidr(a, what);
}

/** Checks a topology; each mistake is one TypeError/RangeError naming the object. */
export function checkTopology(t: Topology): void {
  if (typeof t !== 'object' || t === null) throw new TypeError('topology: expected an object');
  if (!Array.isArray(t.networks)) throw new TypeError('topology: networks must be an array');
  if (!Array.isArray(t.containers)) throw new TypeError('topology: containers must be an array');
  if (t.uplink !== undefined) {
    if (typeof t.uplink.name !== 'string' || !t.uplink.name) throw new TypeError('topology uplink: name must be a non-empty string');
    for (const a of t.uplink.addresses ?? []) checkAddress(a, `uplink ${t.uplink.name}: address`);
  }
  const networks = new Set<string>();
  for (const n of t.networks) {
    if (typeof n?.name !== 'string' || !n.name) throw new TypeError('topology: every network needs a name');
    if (networks.has(n.name)) throw new TypeError(`topology: network ${n.name} is listed twice`);
    networks.add(n.name);
    if (typeof n.driver !== 'string' || !n.driver) throw new TypeError(`network ${n.name}: driver must be a non-empty string`);
    if (!Array.isArray(n.subnets)) throw new TypeError(`network ${n.name}: subnets must be an array of CIDRs`);
    for (const s of n.subnets) checkAddress(s, `network ${n.name}: subnet`);
    for (const g of n.gateways ?? []) if (isIP(String(g)) === 0) throw new TypeError(`network ${n.name}: gateway ${JSON.stringify(g)} is not an IP address`);
  }
  const containers = new Set<string>();
  for (const c of t.containers) {
    if (typeof c?.name !== 'string' || !c.name) throw new TypeError('topology: every container needs a name');
    if (containers.has(c.name)) throw new TypeError(`topology: container ${c.name} is listed twice`);
    containers.add(c.name);
    if (!Array.isArray(c.endpoints)) throw new TypeError(`container ${c.name}: endpoints must be an array`);
    for (const e of c.endpoints) {
      if (!networks.has(e?.network)) throw new TypeError(`container ${c.name}: network ${JSON.stringify(e?.network)} is not in the topology`);
      if (!Array.isArray(e.addresses)) throw new TypeError(`container ${c.name}: addresses on ${e.network} must be an array`);
      for (const a of e.addresses) checkAddress(a, `container ${c.name}: address`);
    }
    for (const p of c.ports ?? []) {
      if (p.protocol !== 'tcp' && p.protocol !== 'udp' && p.protocol !== 'sctp') throw new TypeError(`container ${c.name}: port protocol must be tcp, udp or sctp, got ${JSON.stringify(p.protocol)}`);
      for (const k of ['hostPort', 'containerPort'] as const)
        if (!Number.isInteger(p[k]) || p[k] < 1 || p[k] > 65535) throw new RangeError(`container ${c.name}: ${k} must be 1 to 65535, got ${String(p[k])}`);
      if (p.hostIp !== undefined && isIP(p.hostIp) === 0) throw new TypeError(`container ${c.name}: hostIp ${JSON.stringify(p.hostIp)} is not an IP address`);
    }
  }
}

/** '0.0.0.0:8080->80/tcp', '[::1]:53->53/udp', as `docker port` prints a mapping. */
export function portLabel(p: TopologyPort): string {
  const ip = p.hostIp ?? '0.0.0.0';
  return `${ip.includes(':') ? `[${ip}]` : ip}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}
