// Host-port reservations: who holds which protocol/address/port. The
// networking layer implements PortReservations with its SQLite store; these
// two implementations serve tests and standalone use: one in memory (one
// process), one in a JSON file guarded by a lock file (several processes).
import * as fs from 'fs';
import * as path from 'path';
import { describeKey, keysOverlap, PortConflictError, type HostPortKey, type PortConflict, type PortReservation, type PortReservations } from './types';

function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0) throw new TypeError('reservation owner: a non-empty string (an endpoint id)');
}

function sameKey(a: HostPortKey, b: HostPortKey): boolean {
  return a.protocol === b.protocol && a.hostIp === b.hostIp && a.hostPort === b.hostPort;
}

/** A protocol and port as one number (protocol index * 65536 + port): map keys without a string per port. */
const protocolIndex = new Map<string, number>([['tcp', 0], ['udp', 1], ['sctp', 2]]);
export function portSlot(protocol: string, port: number): number {
  let i = protocolIndex.get(protocol);
  if (i === undefined) protocolIndex.set(protocol, (i = protocolIndex.size));
  return i * 65536 + port;
}
const slotOf = (k: HostPortKey) => portSlot(k.protocol, k.hostPort);
const keyText = (k: HostPortKey) => `${k.protocol}/${k.hostIp}/${k.hostPort}`;

/**
 * Items indexed by protocol and port: what can overlap a key is found without
 * a scan. A slot holds one item as itself and only several as an array, so
 * a range of thousands of ports costs no array per port.
 */
export class SlotIndex<T extends HostPortKey> {
  private readonly bySlot = new Map<number, T | T[]>();
  constructor(items: Iterable<T> = []) {
    for (const r of items) this.add(r);
  }
  add(r: T): void {
    const slot = slotOf(r);
    const there = this.bySlot.get(slot);
    if (there === undefined) this.bySlot.set(slot, r);
    else if (Array.isArray(there)) there.push(r);
    else this.bySlot.set(slot, [there, r]);
  }
  at(k: HostPortKey): readonly T[] {
    const there = this.bySlot.get(slotOf(k));
    return there === undefined ? NONE : Array.isArray(there) ? there : [there];
  }
  /** Removes the items at k's slot for which `drop` is true. */
  removeAt(k: HostPortKey, drop: (r: T) => boolean): void {
    const slot = slotOf(k);
    const there = this.bySlot.get(slot);
    if (there === undefined) return;
    const kept = (Array.isArray(there) ? there : [there]).filter((r) => !drop(r));
    if (kept.length === 0) this.bySlot.delete(slot);
    else this.bySlot.set(slot, kept.length === 1 ? kept[0] : kept);
  }
  all(): T[] {
    const out: T[] = [];
    for (const there of this.bySlot.values()) {
      if (Array.isArray(there)) out.push(...there);
      else out.push(there);
    }
    return out;
  }
}
const NONE: readonly never[] = Object.freeze([]);

/** What `owner` taking `keys` adds to the index, or PortConflictError naming each holder (linear in the keys). */
function reserveIn(index: SlotIndex<PortReservation>, owner: string, keys: HostPortKey[]): PortReservation[] {
  const conflicts: PortConflict[] = [];
  const asked = new SlotIndex<HostPortKey>();
  const added: PortReservation[] = [];
  for (const k of keys) {
    const held = index.at(k);
    for (const r of held) if (r.owner !== owner && keysOverlap(r, k)) conflicts.push({ key: k, holder: `published by endpoint ${r.owner} (${describeKey(r)})` });
    for (const other of asked.at(k)) if (keysOverlap(other, k)) conflicts.push({ key: k, holder: `requested twice (${describeKey(other)})` });
    asked.add(k);
    if (!held.some((r) => r.owner === owner && sameKey(r, k))) added.push({ owner, protocol: k.protocol, hostIp: k.hostIp, hostPort: k.hostPort });
  }
  if (conflicts.length) throw new PortConflictError(conflicts);
  return added;
}

/** The reservations after `owner` takes `keys`, or the conflicts that prevent it. */
export function applyReserve(current: PortReservation[], owner: string, keys: HostPortKey[]): PortReservation[] {
  return [...current, ...reserveIn(new SlotIndex(current), owner, keys)];
}

export function applyRelease(current: PortReservation[], owner: string, keys?: HostPortKey[]): PortReservation[] {
  return current.filter((r) => r.owner !== owner || (keys !== undefined && !keys.some((k) => sameKey(k, r))));
}

/** Reservations held in this process only, indexed: reserving costs the same however many are held. */
export class MemoryPortReservations implements PortReservations {
  private readonly index = new SlotIndex<PortReservation>();
  private readonly byOwner = new Map<string, PortReservation[]>();

  async reserve(owner: string, keys: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    const added = reserveIn(this.index, owner, keys);
    for (const r of added) this.index.add(r);
    if (added.length) this.byOwner.set(owner, [...(this.byOwner.get(owner) ?? []), ...added]);
  }

  async release(owner: string, keys?: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    const held = this.byOwner.get(owner);
    if (!held) return;
    for (const k of keys ?? held) this.index.removeAt(k, (r) => r.owner === owner && (keys === undefined || sameKey(r, k)));
    const gone = keys && new Set(keys.map(keyText));
    const kept = gone ? held.filter((r) => !gone.has(keyText(r))) : [];
    if (kept.length) this.byOwner.set(owner, kept);
    else this.byOwner.delete(owner);
  }

  async holders(keys: HostPortKey[]): Promise<PortReservation[]> {
    const out = new Set<PortReservation>();
    for (const k of keys) for (const r of this.index.at(k)) if (keysOverlap(r, k)) out.add(r);
    return [...out].map((r) => ({ ...r }));
  }

  /** One owner's reservations, without listing everyone's. */
  async listOwner(owner: string): Promise<PortReservation[]> {
    return (this.byOwner.get(owner) ?? []).map((r) => ({ ...r }));
  }

  async list(): Promise<PortReservation[]> {
    return this.index.all().map((r) => ({ ...r }));
  }
}

/**
 * Reservations in a JSON file shared by processes. Each change reads, checks
 * and rewrites the file while holding FILE.lock, created with O_EXCL and
 * holding the holder's pid; a lock whose process is gone is taken over. The
 * file is replaced by rename, so a reader never sees half of it.
 */
export class FilePortReservations implements PortReservations {
  constructor(readonly file: string, private readonly lockTimeoutMs = 10000) {
    if (typeof file !== 'string' || !path.isAbsolute(file)) throw new TypeError('FilePortReservations: an absolute file path');
  }

  private read(): PortReservation[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed = JSON.parse(text) as { reservations?: PortReservation[] };
    if (!parsed || !Array.isArray(parsed.reservations)) throw new Error(`${this.file}: not a reservations file (no "reservations" array)`);
    return parsed.reservations;
  }

  private write(items: PortReservation[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ reservations: items }, null, 1) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  private async locked<T>(fn: () => T): Promise<T> {
    const lock = `${this.file}.lock`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (this.staleLock(lock)) continue;
        if (Date.now() > deadline) throw new Error(`cannot lock ${this.file}: ${lock} is held by another process for more than ${this.lockTimeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    try {
      return fn();
    } finally {
      fs.rmSync(lock, { force: true });
    }
  }

  /** Removes a lock left by a process that no longer exists; true when it did. */
  private staleLock(lock: string): boolean {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(lock, 'utf8'));
    } catch {
      return true; // removed meanwhile: try again
    }
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written: wait
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return false;
      // Another waiter may take it over at the same moment: only one rename wins.
      const claimed = `${lock}.${process.pid}`;
      try {
        fs.renameSync(lock, claimed);
        // What we moved may already be a live waiter's fresh lock: then give it back.
        if (Number(fs.readFileSync(claimed, 'utf8')) !== pid) fs.renameSync(claimed, lock);
        else fs.rmSync(claimed, { force: true });
      } catch {
        /* someone else took it over */
      }
      return true;
    }
  }

  async reserve(owner: string, keys: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    await this.locked(() => this.write(applyReserve(this.read(), owner, keys)));
  }

  async release(owner: string, keys?: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    await this.locked(() => this.write(applyRelease(this.read(), owner, keys)));
  }

  async listOwner(owner: string): Promise<PortReservation[]> {
    return this.read().filter((r) => r.owner === owner);
  }

  async holders(keys: HostPortKey[]): Promise<PortReservation[]> {
    const index = new SlotIndex(this.read());
    const out = new Set<PortReservation>();
    for (const k of keys) for (const r of index.at(k)) if (keysOverlap(r, k)) out.add(r);
    return [...out];
  }

  async list(): Promise<PortReservation[]> {
    return this.read();
  }
}
