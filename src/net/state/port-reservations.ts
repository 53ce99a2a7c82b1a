// Host-port reservations kept in the state store, so that two netplumb
// commands running at once can never both take a host port: each reservation
// is one exclusive transaction (SQLite: IMMEDIATE) that reads who holds the
// ports asked for (an indexed query by protocol and port) and records the
// new holder, or fails naming the holders. The firewall asks it before it
// adds map elements and releases it when it removes them.
import { applyReserve } from '../firewall/reservations';
import { keysOverlap, type HostPortKey, type PortReservation, type PortReservations } from '../firewall/types';
import type { StateStore } from './store';

const slot = (protocol: string, port: number) => `${protocol}/${port}`;

function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0) throw new TypeError('reservation owner: a non-empty string (an endpoint id)');
}

function checkKeys(keys: HostPortKey[]): void {
  if (!Array.isArray(keys)) throw new TypeError('reservation keys: an array of {protocol, hostIp, hostPort}');
}

/** The reservations among `found` that overlap one of `keys` (matched through a slot index, not pairwise). */
function overlapping(found: PortReservation[], keys: HostPortKey[]): PortReservation[] {
  const asked = new Map<string, HostPortKey[]>();
  for (const k of keys) {
    const s = slot(k.protocol, k.hostPort);
    const list = asked.get(s);
    if (list) list.push(k);
    else asked.set(s, [k]);
  }
  return found.filter((r) => (asked.get(slot(r.protocol, r.hostPort)) ?? []).some((k) => keysOverlap(r, k)));
}

export class StorePortReservations implements PortReservations {
  constructor(private readonly store: StateStore) {}

  async reserve(owner: string, keys: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    checkKeys(keys);
    if (keys.length === 0) return;
    await this.store.update((tx) => {
      const current = overlapping(tx.portReservationsAt(keys.map((k) => ({ protocol: k.protocol, port: k.hostPort }))), keys);
      // Throws PortConflictError naming every holder; keys the owner already holds are kept, not added twice.
      const after = applyReserve(current, owner, keys);
      tx.addPortReservations(after.slice(current.length));
    });
  }

  async release(owner: string, keys?: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    if (keys !== undefined) checkKeys(keys);
    await this.store.update((tx) => tx.deletePortReservations(owner, keys));
  }

  async list(): Promise<PortReservation[]> {
    return this.store.read((tx) => tx.portReservationsOf());
  }

  async listOwner(owner: string): Promise<PortReservation[]> {
    checkOwner(owner);
    return this.store.read((tx) => tx.portReservationsOf(owner));
  }

  async holders(keys: HostPortKey[]): Promise<PortReservation[]> {
    checkKeys(keys);
    if (keys.length === 0) return [];
    return this.store.read((tx) => overlapping(tx.portReservationsAt(keys.map((k) => ({ protocol: k.protocol, port: k.hostPort }))), keys));
  }
}
