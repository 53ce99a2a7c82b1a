// What holds host ports, as far as one publication knows while it chooses
// them: the reservations it asked the store about, the listening sockets,
// and the ports it has already chosen. Most ports are free, so one bitmap
// over protocol and port answers "nothing here" without building anything;
// only a marked port has its holders looked up and described. The ports a
// publication chooses are kept as runs (a 10,000-port range is one entry),
// and so are the ports asked about.
import { socketCoversIpv4, type ListeningSocket } from './listeners';
import { portSlot } from './reservations';
import { describeKey, keysOverlap, type HostPortKey, type PortReservation, type Protocol } from './types';

interface HeldRun {
  protocol: Protocol;
  hostIp: string;
  first: number;
  last: number;
  /** The spec that took it, for the message. */
  text: string;
}

const NO_CONFLICTS: readonly string[] = Object.freeze([]);

export class PortOccupancy {
  /** 1 where some holder may be: a reservation, a socket or a port held by this publication. */
  private readonly marked = new Uint8Array(3 * 65536);
  private readonly reserved = new Map<number, PortReservation[]>();
  private readonly seen = new Set<string>();
  private readonly sockets = new Map<number, ListeningSocket[]>();
  private readonly held: HeldRun[] = [];
  /** Per protocol and host address: the ports already asked of the reservation store. */
  private readonly askedPorts = new Map<string, Uint8Array>();

  private mark(slot: number): void {
    if (slot < this.marked.length) this.marked[slot] = 1;
  }

  private isMarked(slot: number): boolean {
    return slot >= this.marked.length || this.marked[slot] === 1;
  }

  /** A reservation the store reported (each one once, however often it is reported). */
  addReservation(r: PortReservation): void {
    const id = `${r.owner} ${r.protocol}/${r.hostIp}/${r.hostPort}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const slot = portSlot(r.protocol, r.hostPort);
    const list = this.reserved.get(slot);
    if (list) list.push(r);
    else this.reserved.set(slot, [r]);
    this.mark(slot);
  }

  addSocket(s: ListeningSocket): void {
    const slot = portSlot(s.protocol, s.port);
    const list = this.sockets.get(slot);
    if (list) list.push(s);
    else this.sockets.set(slot, [s]);
    this.mark(slot);
  }

  /** A port this publication takes: a later use of it conflicts ("requested twice"). */
  hold(protocol: Protocol, hostIp: string, port: number, text: string): void {
    const last = this.held[this.held.length - 1];
    if (last && last.protocol === protocol && last.hostIp === hostIp && last.text === text && last.last + 1 === port) last.last = port;
    else this.held.push({ protocol, hostIp, first: port, last: port, text });
    this.mark(portSlot(protocol, port));
  }

  private last?: { protocol: Protocol; hostIp: string; ports: Uint8Array };

  private askedOf(protocol: Protocol, hostIp: string): Uint8Array {
    // Asked port by port along a range: the same protocol and address each time.
    if (this.last && this.last.protocol === protocol && this.last.hostIp === hostIp) return this.last.ports;
    const id = `${protocol}/${hostIp}`;
    let ports = this.askedPorts.get(id);
    if (!ports) this.askedPorts.set(id, (ports = new Uint8Array(65536)));
    this.last = { protocol, hostIp, ports };
    return ports;
  }

  wasAsked(protocol: Protocol, hostIp: string, port: number): boolean {
    return this.askedOf(protocol, hostIp)[port] === 1;
  }

  /** Appends to `out` the keys of ports first..last not asked about yet, now counted as asked. */
  ask(protocol: Protocol, hostIp: string, first: number, last: number, out: HostPortKey[] = []): HostPortKey[] {
    const asked = this.askedOf(protocol, hostIp);
    for (let p = first; p <= last; p++) {
      if (asked[p] === 1) continue;
      asked[p] = 1;
      out.push({ protocol, hostIp, hostPort: p });
    }
    return out;
  }

  /** Whatever holds the port for this address, described (empty when free): reservations, then this publication's own ports, then sockets. */
  conflicts(protocol: Protocol, hostIp: string, port: number): readonly string[] {
    const slot = portSlot(protocol, port);
    if (!this.isMarked(slot)) return NO_CONFLICTS;
    const key: HostPortKey = { protocol, hostIp, hostPort: port };
    const out: string[] = [];
    for (const r of this.reserved.get(slot) ?? []) if (keysOverlap(r, key)) out.push(`published by endpoint ${r.owner} (${describeKey(r)})`);
    for (const run of this.held)
      if (run.protocol === protocol && port >= run.first && port <= run.last && keysOverlap({ protocol, hostIp: run.hostIp, hostPort: port }, key))
        out.push(`requested twice in this publication (${run.text})`);
    for (const s of this.sockets.get(slot) ?? [])
      if (socketCoversIpv4(s, hostIp)) out.push(`a listening ${s.protocol} socket on ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port} (inode ${s.inode})`);
    return out;
  }
}
