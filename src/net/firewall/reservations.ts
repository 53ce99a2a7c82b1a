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
 * Items indexed by protocol and port (the file's reservations, one request's
 * keys): what can overlap a key is found without a scan. A slot holds one
 * item as itself and only several as an array.
 */
class SlotIndex<T extends HostPortKey> {
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

/** Consecutive ports one owner holds on one protocol and address: a published range is one of these. */
interface Run {
  owner: string;
  protocol: HostPortKey['protocol'];
  hostIp: string;
  first: number;
  last: number;
}

const NO_RUNS: readonly Run[] = Object.freeze([]);

/** Ports per bucket of the run index: a run is listed in each bucket it touches. */
const BUCKET_BITS = 8;

/**
 * Reservations held in this process only, kept as runs of consecutive ports
 * (one object for a 10,000-port range, not one per port) and indexed by
 * protocol and 256-port bucket: reserving costs the same however many are
 * held, and a published range keeps one object, however many ports it has.
 */
export class MemoryPortReservations implements PortReservations {
  /** bucket (protocol index and port >> BUCKET_BITS) -> the runs touching it, oldest first. */
  private readonly buckets = new Map<number, Run[]>();
  private readonly byOwner = new Map<string, Run[]>();

  private bucketsOf(run: Run): number[] {
    const out: number[] = [];
    for (let b = run.first >> BUCKET_BITS; b <= run.last >> BUCKET_BITS; b++) out.push(portSlot(run.protocol, b << BUCKET_BITS) >> BUCKET_BITS);
    return out;
  }

  /** The runs holding protocol/port (any address), oldest first. */
  private runsAt(protocol: string, port: number): readonly Run[] {
    const list = this.buckets.get(portSlot(protocol, port) >> BUCKET_BITS);
    if (!list) return NO_RUNS;
    const out: Run[] = [];
    for (const run of list) if (run.protocol === protocol && run.first <= port && port <= run.last) out.push(run);
    return out;
  }

  /** Replaces `run` by `pieces` (none: removes it) where it stands, in the owner's list and in the index. */
  private replace(run: Run, pieces: Run[]): void {
    for (const b of this.bucketsOf(run)) {
      const list = this.buckets.get(b)!;
      const i = list.indexOf(run);
      list.splice(i, 1, ...pieces.filter((p) => this.bucketsOf(p).includes(b)));
      if (!list.length) this.buckets.delete(b);
    }
    const mine = this.byOwner.get(run.owner)!;
    mine.splice(mine.indexOf(run), 1, ...pieces);
    if (!mine.length) this.byOwner.delete(run.owner);
  }

  async reserve(owner: string, keys: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    const conflicts: PortConflict[] = [];
    // Ports asked for in this call, per protocol: a mark sends us to look for the earlier key only when there may be one.
    const askedMarks = new Map<string, Uint8Array>();
    const fresh: HostPortKey[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      let held = false;
      for (const run of this.runsAt(k.protocol, k.hostPort)) {
        const r = { owner: run.owner, protocol: run.protocol, hostIp: run.hostIp, hostPort: k.hostPort };
        if (run.owner !== owner && keysOverlap(r, k)) conflicts.push({ key: k, holder: `published by endpoint ${run.owner} (${describeKey(r)})` });
        if (run.owner === owner && sameKey(r, k)) held = true;
      }
      let marks = askedMarks.get(k.protocol);
      if (!marks) askedMarks.set(k.protocol, (marks = new Uint8Array(65536)));
      if (marks[k.hostPort] === 1)
        for (let j = 0; j < i; j++) if (keysOverlap(keys[j], k)) conflicts.push({ key: k, holder: `requested twice (${describeKey(keys[j])})` });
      marks[k.hostPort] = 1;
      if (!held) fresh.push(k);
    }
    if (conflicts.length) throw new PortConflictError(conflicts);
    const runs: Run[] = [];
    for (const k of fresh) {
      const last = runs[runs.length - 1];
      if (last && last.protocol === k.protocol && last.hostIp === k.hostIp && last.last + 1 === k.hostPort) last.last = k.hostPort;
      else runs.push({ owner, protocol: k.protocol, hostIp: k.hostIp, first: k.hostPort, last: k.hostPort });
    }
    for (const run of runs) {
      for (const b of this.bucketsOf(run)) {
        const list = this.buckets.get(b);
        if (list) list.push(run);
        else this.buckets.set(b, [run]);
      }
    }
    if (runs.length) this.byOwner.set(owner, [...(this.byOwner.get(owner) ?? []), ...runs]);
  }

  async release(owner: string, keys?: HostPortKey[]): Promise<void> {
    checkOwner(owner);
    const held = this.byOwner.get(owner);
    if (!held) return;
    if (keys === undefined) {
      for (const run of [...held]) this.replace(run, []);
      return;
    }
    const gone = new Set(keys.map(keyText));
    for (const run of [...held]) {
      const pieces: Run[] = [];
      let open: Run | undefined;
      for (let p = run.first; p <= run.last; p++) {
        if (gone.has(keyText({ protocol: run.protocol, hostIp: run.hostIp, hostPort: p }))) open = undefined;
        else if (open) open.last = p;
        else pieces.push((open = { owner, protocol: run.protocol, hostIp: run.hostIp, first: p, last: p }));
      }
      if (pieces.length !== 1 || pieces[0].first !== run.first || pieces[0].last !== run.last) this.replace(run, pieces);
    }
  }

  async holders(keys: HostPortKey[]): Promise<PortReservation[]> {
    const out: PortReservation[] = [];
    const found = new Set<string>();
    for (const k of keys) {
      for (const run of this.runsAt(k.protocol, k.hostPort)) {
        const r = { owner: run.owner, protocol: run.protocol, hostIp: run.hostIp, hostPort: k.hostPort };
        const id = `${run.owner} ${keyText(r)}`;
        if (keysOverlap(r, k) && !found.has(id)) {
          found.add(id);
          out.push(r);
        }
      }
    }
    return out;
  }

  private static expand(runs: Run[]): PortReservation[] {
    const out: PortReservation[] = [];
    for (const run of runs) for (let p = run.first; p <= run.last; p++) out.push({ owner: run.owner, protocol: run.protocol, hostIp: run.hostIp, hostPort: p });
    return out;
  }

  /** One owner's reservations, without listing everyone's. */
  async listOwner(owner: string): Promise<PortReservation[]> {
    return MemoryPortReservations.expand(this.byOwner.get(owner) ?? []);
  }

  async list(): Promise<PortReservation[]> {
    return MemoryPortReservations.expand([...this.byOwner.values()].flat());
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
