// The network driver interface (as netavark's NetworkDriver): a driver checks
// a network's options, makes and removes its host-side objects, and plans the
// requests that attach an endpoint. It plans rather than sends so that a
// sandbox with several endpoints makes all of them in one batch per namespace.
import type { Netlink } from '../../netlink/handle';
import type { Link } from '../../netlink/links';
import type { PlannedRequest } from '../../netlink/request';
import type { UndoLog } from '../rollback';
import type { EndpointRecord, NetworkRecord } from '../state/store';

export interface DriverInput {
  id: string;
  name: string;
  isDefault: boolean;
  /** --mtu, when given. */
  mtu?: number;
  /** -o KEY=VALUE options. */
  options: Record<string, string>;
}

/** What prepare() settles: the kernel device and the MTU. */
export interface DriverPlan {
  device: string;
  mtu: number;
}

/** Where an endpoint goes. */
export interface EndpointTarget {
  /** The sandbox's named network namespace (/run/netns/NAME). */
  netns: string;
  /** Interface index to give the sandbox end (a fresh namespace has only lo, so indexes are known). */
  pinIndex?: number;
  /** This endpoint carries the sandbox's default route. */
  defaultRoute: boolean;
}

export interface EndpointPlan {
  /** Sent on the host's handle: creates the link, born inside the sandbox. */
  host: PlannedRequest[];
  /** Sent on the sandbox's handle: up, address, routes. */
  sandbox: PlannedRequest[];
}

export interface NetworkDriver {
  readonly name: string;
  /**
   * Whether a subnet must not overlap the host's own addresses: true for a
   * bridge (the host routes it), false for macvlan (the subnet is the parent's
   * LAN, which the host is on).
   */
  readonly subnetOwnedByHost: boolean;
  /**
   * Whether the gateway address is the host's own (on the bridge), so the
   * host's processes reach the members there: true for a bridge, where
   * netplumb's DNS server listens on it and `--add-host NAME:host-gateway`
   * means it; false for macvlan (the gateway is a router on the parent's LAN,
   * and a macvlan child cannot talk to its parent).
   */
  readonly gatewayOnHost: boolean;
  /** Checks the options, finds the device and MTU; changes nothing. */
  prepare(input: DriverInput, host: Netlink): Promise<DriverPlan>;
  /** Makes the network's host-side objects, recording each undo. */
  create(net: NetworkRecord, host: Netlink, undo: UndoLog): Promise<void>;
  /** Makes sure the host-side objects exist (re-making them after a reboot); returns the device's index. */
  ensure(net: NetworkRecord, host: Netlink, undo: UndoLog): Promise<number>;
  /** Removes the host-side objects; what is already gone is not an error. */
  remove(net: NetworkRecord, host: Netlink): Promise<void>;
  /** Requests that make an endpoint; deviceIndex is what ensure() returned. */
  planEndpoint(net: NetworkRecord, ep: EndpointRecord, deviceIndex: number, target: EndpointTarget): EndpointPlan;
  /** Requests that remove one endpoint from a sandbox that stays (network disconnect). */
  planEndpointRemoval(net: NetworkRecord, ep: EndpointRecord): EndpointPlan;
  /** This driver's links in the host namespace, with the id (or id prefix) of the record that owns each (for gc). */
  ownedHostLinks(links: Link[]): Array<{ link: Link; kind: 'network' | 'endpoint'; ownerId: string }>;
}
