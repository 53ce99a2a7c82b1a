// The state store's interface and records. The SQLite store (sqlite.ts) is the
// one in use; a cluster store (etcd) can replace it by implementing this.
//
// Reads and writes go through transactions whose body is synchronous and free
// of side effects, so a store may run it on a snapshot and re-run it on a
// conflict (etcd's STM); SQLite runs each write in one IMMEDIATE transaction,
// which is what keeps concurrent commands from handing out the same name or
// address.
import type { HostPortKey, PortReservation } from '../firewall/types';

/** The process that is creating something; gc removes half-made records whose owner is gone. */
export interface Owner {
  pid: number;
  /** The process's start time (field 22 of /proc/PID/stat), so a reused pid is not taken for it. */
  start: string;
}

/**
 * 'creating' and 'removing' mark a change in progress by `owner`: if that
 * process dies, gc (and the quick reconcile of the next mutating command)
 * undoes the creation or finishes the removal.
 */
export type RecordStatus = 'creating' | 'ready' | 'removing';

export interface NetworkRecord {
  id: string;
  name: string;
  driver: string;
  /** IPv4 subnet in CIDR form. */
  subnet: string;
  gateway: string;
  ipRange?: string;
  /** Addresses kept out of allocation, by name (--aux-address NAME=IP). */
  auxAddresses: Record<string, string>;
  internal: boolean;
  mtu: number;
  /** Driver options as given with -o KEY=VALUE. */
  options: Record<string, string>;
  /** The kernel device the driver made or uses: the bridge (np0, np-<id>) or the macvlan parent. */
  device: string;
  /** The default network `bridge` (docker0's analogue): no name resolution, cannot be removed. */
  isDefault: boolean;
  created: string;
  status: RecordStatus;
  owner?: Owner;
}

/** A port a sandbox publishes, as the firewall resolved it (host port chosen, never ephemeral). */
export interface PublishedPortRecord {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** '0.0.0.0' for every host address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  /** The endpoint whose address the port leads to (the owner tag of its nft map elements). */
  endpointId: string;
}

export type NetworkMode =
  | { kind: 'networks' }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'container'; sandboxId: string };

export interface SandboxRecord {
  id: string;
  name: string;
  hostname: string;
  mode: NetworkMode;
  /** The named network namespace (/run/netns/NAME) the sandbox uses; absent in host mode. */
  netns?: string;
  /** --dns servers (canonical addresses): in resolv.conf on networks without the DNS server, its upstreams for this sandbox on the others. */
  dns: string[];
  /** --dns-search domains ('.' alone: none); absent in records written before they existed. */
  dnsSearch?: string[];
  /** --dns-option values (ndots:2, edns0 ...); absent in records written before they existed. */
  dnsOptions?: string[];
  /** --add-host entries; ip is an address or 'host-gateway' (the host's address on the sandbox's network). */
  extraHosts: Array<{ host: string; ip: string }>;
  /** --link NAME:ALIAS: the linked sandbox is listed in /etc/hosts under ALIAS. */
  links: Array<{ name: string; alias: string }>;
  /** -p values as given (records written before port publishing existed lack it). */
  publish?: string[];
  /** The ports published, as resolved when the sandbox was created. */
  ports: PublishedPortRecord[];
  /** Processes started detached (-d), for ps and rm (in host mode the only way to find them). */
  processes: Owner[];
  autoRemove: boolean;
  created: string;
  status: RecordStatus;
  owner?: Owner;
}

export interface EndpointRecord {
  id: string;
  networkId: string;
  sandboxId: string;
  /** The interface inside the sandbox: eth0, eth1 ... */
  ifname: string;
  /** The host end (bridge driver: the veth np<id>); absent for macvlan. */
  hostIfname?: string;
  address: string;
  prefixlen: number;
  mac: string;
  /** The gateway the sandbox's default route goes through, when this endpoint carries it. */
  defaultGateway?: string;
  aliases: string[];
  /**
   * A connect or disconnect in progress (absent: the endpoint is in place).
   * Endpoints made with their sandbox carry none: the sandbox's status covers them.
   */
  status?: 'creating' | 'removing';
  owner?: Owner;
}

export interface StateTx {
  getNetwork(nameOrId: string): NetworkRecord | undefined;
  listNetworks(): NetworkRecord[];
  putNetwork(record: NetworkRecord): void;
  deleteNetwork(id: string): void;

  getSandbox(nameOrId: string): SandboxRecord | undefined;
  listSandboxes(): SandboxRecord[];
  putSandbox(record: SandboxRecord): void;
  deleteSandbox(id: string): void;

  listEndpoints(filter?: { networkId?: string; sandboxId?: string }): EndpointRecord[];
  putEndpoint(record: EndpointRecord): void;
  deleteEndpoint(id: string): void;

  /** Addresses handed out on a network: address -> owner (an endpoint id). */
  allocatedAddresses(networkId: string): Map<string, string>;
  /** Records an address as taken; throws when it already is. */
  takeAddress(networkId: string, address: string, owner: string): void;
  releaseAddresses(owner: string): void;
  /** The last address handed out on a network, where round-robin allocation goes on from. */
  getCursor(networkId: string): string | undefined;
  setCursor(networkId: string, address: string): void;

  /** Host-port reservations at these protocol/port slots, whatever their address (indexed by protocol and port). */
  portReservationsAt(slots: Array<{ protocol: string; port: number }>): PortReservation[];
  /** One owner's host-port reservations, or everyone's. */
  portReservationsOf(owner?: string): PortReservation[];
  /** Records reservations; a key already held (same protocol, address and port) throws. */
  addPortReservations(items: PortReservation[]): void;
  /** Drops an owner's reservations: all, or those of `keys`. */
  deletePortReservations(owner: string, keys?: HostPortKey[]): void;
}

export interface StateStore {
  /** A consistent read. */
  read<T>(body: (tx: StateTx) => T): Promise<T>;
  /** An exclusive, atomic change: all of body's writes, or none. */
  update<T>(body: (tx: StateTx) => T): Promise<T>;
  close(): void;
}
