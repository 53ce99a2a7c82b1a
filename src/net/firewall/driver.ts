// The firewall driver interface: what the networking layer asks of port
// publishing, masquerading and isolation (nf_tables, in netplumb's own table).
// A driver is made per Runtime (it uses the runtime's store for host-port
// reservations and reports warnings through it); the nf_tables driver is the
// default. NETPLUMB_FIREWALL=none (or registerFirewallDriver(undefined))
// leaves nf_tables alone: networks then work without masquerade or isolation,
// and publishing a port is refused with a clear error rather than pretended.
import type { BridgePortChange } from '../../netlink/links';
import type { Netlink } from '../../netlink/handle';
import type { UndoLog } from '../rollback';
import type { EndpointRecord, NetworkRecord, PublishedPortRecord, SandboxRecord, StateStore } from '../state/store';
import type { PortSpec } from './ports';
import { nftablesFirewallDriver } from './nftables-driver';

export interface FirewallDriver {
  readonly name: string;
  /** Masquerade, isolation, internal and icc state of a network (tagged with its id); the undo goes in `undo`. */
  setupNetwork(net: NetworkRecord, undo: UndoLog): Promise<void>;
  /**
   * Adds the network's firewall state again if the kernel lost it (its bridge
   * was made again after a reboot, or the table was flushed); true when it did.
   */
  restoreNetwork(net: NetworkRecord, undo: UndoLog): Promise<boolean>;
  /** Removes what setupNetwork made; a network the firewall has nothing of is not an error. */
  teardownNetwork(net: NetworkRecord): Promise<void>;
  /**
   * The bridge-port settings an endpoint of the network needs (icc=false:
   * isolated), to be sent with the request that makes its link; undefined
   * when the kernel's defaults are right.
   */
  endpointPortChange(net: NetworkRecord): Promise<BridgePortChange | undefined>;
  /** Publishes ports to an endpoint's address (entries in nft maps, tagged with the endpoint id); the undo goes in `undo`. */
  publishPorts(sandbox: SandboxRecord, ep: EndpointRecord, net: NetworkRecord, specs: PortSpec[], undo: UndoLog): Promise<PublishedPortRecord[]>;
  /** Removes every port the endpoint published and releases their host ports. */
  unpublishPorts(endpointId: string): Promise<void>;
  /** Published ports as the kernel holds them (all, or those of these endpoints). */
  listPublished(endpointIds?: string[]): Promise<PublishedPortRecord[]>;
  /**
   * Reconciles the firewall with the store: removes entries (and host-port
   * reservations) whose owner has no record, and restores what records say
   * should exist but the kernel lacks. Returns one line per change, and one
   * per thing it could not do (it goes on past them).
   */
  gc(state: { networks: NetworkRecord[]; endpoints: EndpointRecord[]; sandboxes: SandboxRecord[] }): Promise<{ changes: string[]; errors: string[] }>;
  /** Closes its kernel handles. */
  close(): Promise<void>;
}

/** What a firewall driver gets from the runtime it serves. */
export interface FirewallContext {
  store: StateStore;
  /** The host namespace's netlink handle. */
  host(): Promise<Netlink>;
  /** Reports something the user should know but that does not stop the command. */
  warn(message: string): void;
}

export type FirewallDriverFactory = (ctx: FirewallContext) => FirewallDriver;

let registered: FirewallDriverFactory | undefined = nftablesFirewallDriver;

/** Replaces the firewall driver (undefined: none; ports cannot be published). Runtimes made afterwards use it. */
export function registerFirewallDriver(factory: FirewallDriverFactory | undefined): void {
  registered = factory;
}

/** The firewall driver for a runtime, or undefined when there is none (NETPLUMB_FIREWALL=none). */
export function createFirewallDriver(ctx: FirewallContext): FirewallDriver | undefined {
  const choice = process.env.NETPLUMB_FIREWALL;
  if (choice !== undefined && choice !== '' && choice !== 'nftables' && choice !== 'none')
    throw new TypeError(`NETPLUMB_FIREWALL=${choice}: expected nftables (the default) or none`);
  if (choice === 'none') return undefined;
  return registered?.(ctx);
}
