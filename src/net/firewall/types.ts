// The firewall's contract with the networking layer: what a network and a
// published port are, what the driver does with them, and the interface
// through which it reserves host ports in the caller's store.

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** What the firewall needs to know of a bridge network. */
export interface FirewallNetwork {
  /** netplumb's network id (owner tag of everything made for it): 1-40 of [A-Za-z0-9_.-]. */
  id: string;
  /** Its bridge, e.g. 'np0' or 'np-3f2a1c'; must exist when addNetwork is called. */
  bridge: string;
  /** IPv4 subnets, e.g. ['172.18.0.0/16']. */
  subnets: string[];
  /** `--internal`: no forwarding in or out of the bridge, no masquerade, no published ports. */
  internal?: boolean;
  /** `-o icc=false` is icc: false: containers of the network cannot reach each other (default true). */
  icc?: boolean;
  /**
   * Outbound source NAT for traffic leaving through any other interface:
   * 'masquerade' (default, Docker's behaviour), 'none' (routed: the subnet is
   * reachable as is), or { snat: ADDRESS } to a fixed host address.
   */
  outboundNat?: 'masquerade' | 'none' | { snat: string };
}

/**
 * One published port, resolved: host address and port (never ephemeral any
 * more) to container address and port. `docker port` prints one per line.
 */
export interface PortMapping {
  protocol: Protocol;
  /** '0.0.0.0' for every host address, else one IPv4 address of the host (e.g. '127.0.0.1'). */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

/** A mapping and who published it. */
export interface PublishedPort extends PortMapping {
  endpointId: string;
}

/** The host side of a mapping: what can conflict with another publication. */
export interface HostPortKey {
  protocol: Protocol;
  hostIp: string;
  hostPort: number;
}

/** A host port held by an owner (an endpoint id). */
export interface PortReservation extends HostPortKey {
  owner: string;
}

/**
 * Where reservations of host ports live: the networking layer implements it
 * with its store (one IMMEDIATE transaction per reserve, so two concurrent
 * commands can never both take a port). MemoryPortReservations and
 * FilePortReservations are the implementations of this module.
 */
export interface PortReservations {
  /**
   * Reserves every key for `owner`, all or nothing. Keys overlap when
   * protocol and port are equal and the addresses are equal or either is
   * '0.0.0.0'. Throws PortConflictError (listing each conflict and its
   * holder) if any overlaps a reservation of another owner; keys the same
   * owner already holds are kept.
   */
  reserve(owner: string, keys: HostPortKey[]): Promise<void>;
  /** Drops `owner`'s reservations: all, or only `keys`. */
  release(owner: string, keys?: HostPortKey[]): Promise<void>;
  /** Every reservation. */
  list(): Promise<PortReservation[]>;
  /** One owner's reservations (an indexed query in a real store). */
  listOwner(owner: string): Promise<PortReservation[]>;
  /** The reservations that overlap any of the keys (an indexed query: by protocol and port). */
  holders(keys: HostPortKey[]): Promise<PortReservation[]>;
}

/** What a host port conflicts with. */
export interface PortConflict {
  key: HostPortKey;
  /** 'published by endpoint E', 'a listening socket on 0.0.0.0:8080 (inode N)', 'requested twice' ... */
  holder: string;
}

/** Publishing failed because host ports are taken; nothing was changed. */
export class PortConflictError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(readonly conflicts: PortConflict[]) {
    super(conflicts.map((c) => `host port ${describeKey(c.key)} is already in use: ${c.holder}`).join('; '));
    this.name = 'PortConflictError';
  }
}

/** No free host port was left for an ephemeral or ranged publication; nothing was changed. */
export class PortExhaustedError extends Error {
  readonly code = 'EADDRNOTAVAIL';
  constructor(message: string) {
    super(message);
    this.name = 'PortExhaustedError';
  }
}

/** '0.0.0.0:8080/tcp' */
export function describeKey(k: HostPortKey): string {
  return `${k.hostIp}:${k.hostPort}/${k.protocol}`;
}

/** Whether two host-port keys compete for the same packets. */
export function keysOverlap(a: HostPortKey, b: HostPortKey): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0');
}

/** A coexistence problem with another firewall on the host, and what to do about it. */
export interface CoexistenceProblem {
  /** 'forward-policy-drop', 'docker', 'firewalld', 'iptables-legacy' ... */
  kind: string;
  /** 'table ip filter chain FORWARD' */
  where: string;
  /** One sentence: what will not flow and why. */
  message: string;
  /** What the administrator can run to let netplumb's traffic through (netplumb never edits other tables). */
  remedy?: string;
}

/** What reconcile() removed. */
export interface ReconcileResult {
  networks: string[];
  endpoints: string[];
  tableRemoved: boolean;
}
