// The firewall driver interface: port publishing, masquerading and isolation
// between networks (nf_tables, in netplumb's own table) plug in here. Until
// one is registered, networks work without them and publishing a port is
// refused with a clear error rather than pretended.
import type { EndpointRecord, NetworkRecord, PortMapping, SandboxRecord } from '../state/store';
import type { UndoLog } from '../rollback';

export interface FirewallDriver {
  readonly name: string;
  /** Masquerade and isolation rules of a network (tagged with its id). */
  setupNetwork(net: NetworkRecord, undo: UndoLog): Promise<void>;
  teardownNetwork(net: NetworkRecord): Promise<void>;
  /** Publishes a sandbox's ports on the endpoint (entries in nft maps, tagged with the endpoint id). */
  publishPorts(sandbox: SandboxRecord, ep: EndpointRecord, net: NetworkRecord, ports: PortMapping[], undo: UndoLog): Promise<PortMapping[]>;
  unpublishPorts(sandbox: SandboxRecord, ep: EndpointRecord, net: NetworkRecord): Promise<void>;
  /** Removes entries whose owner id is not in `live`; returns what it removed, one line each. */
  gc(live: { networks: Set<string>; endpoints: Set<string> }): Promise<string[]>;
  /**
   * Self-repair, run by `netplumb gc` after the networks' devices and the
   * endpoints' links are back: makes the kernel hold what these records need
   * (the table after `nft flush ruleset`, a network's elements and bridge
   * sysctls after its bridge was re-created, published ports); returns what it
   * restored, one line each. Optional: a driver without it is not asked.
   */
  restore?(expected: { networks: NetworkRecord[]; sandboxes: SandboxRecord[]; endpoints: EndpointRecord[] }): Promise<string[]>;
}

let registered: FirewallDriver | undefined;

/** Called by the nf_tables firewall module when it is built in. */
export function registerFirewallDriver(driver: FirewallDriver): void {
  registered = driver;
}

export function firewallDriver(): FirewallDriver | undefined {
  return registered;
}
