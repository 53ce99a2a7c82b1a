// The state store on an embedded SQLite database (better-sqlite3, WAL mode):
// <state dir>/netplumb.db. Each record is a JSON document beside the columns
// that keep names and addresses unique; every change is one IMMEDIATE
// transaction, so concurrent netplumb commands serialise their writes.
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { NetplumbError } from '../errors';
import type { HostPortKey, PortReservation, Protocol } from '../firewall/types';
import type { EndpointRecord, NetworkRecord, SandboxRecord, StateStore, StateTx } from './store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sandboxes (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY,
  network_id TEXT NOT NULL REFERENCES networks(id),
  sandbox_id TEXT NOT NULL REFERENCES sandboxes(id),
  data TEXT NOT NULL,
  UNIQUE (network_id, sandbox_id)
);
CREATE TABLE IF NOT EXISTS addresses (
  network_id TEXT NOT NULL REFERENCES networks(id),
  address TEXT NOT NULL,
  owner TEXT NOT NULL,
  PRIMARY KEY (network_id, address)
);
CREATE TABLE IF NOT EXISTS cursors (network_id TEXT PRIMARY KEY REFERENCES networks(id), address TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS port_reservations (
  protocol TEXT NOT NULL,
  host_ip TEXT NOT NULL,
  host_port INTEGER NOT NULL,
  owner TEXT NOT NULL,
  PRIMARY KEY (protocol, host_ip, host_port)
);
CREATE INDEX IF NOT EXISTS port_reservations_by_port ON port_reservations (protocol, host_port);
CREATE INDEX IF NOT EXISTS port_reservations_by_owner ON port_reservations (owner);
`;

type ReservationRow = { protocol: Protocol; host_ip: string; host_port: number; owner: string };
const reservation = (r: ReservationRow): PortReservation => ({ protocol: r.protocol, hostIp: r.host_ip, hostPort: r.host_port, owner: r.owner });

type Row = { data: string };

class SqliteTx implements StateTx {
  constructor(private readonly db: Database.Database) {}

  private one<T>(sql: string, ...params: unknown[]): T | undefined {
    const row = this.db.prepare(sql).get(...params) as Row | undefined;
    return row ? (JSON.parse(row.data) as T) : undefined;
  }
  private all<T>(sql: string, ...params: unknown[]): T[] {
    return (this.db.prepare(sql).all(...params) as Row[]).map((r) => JSON.parse(r.data) as T);
  }

  getNetwork(nameOrId: string): NetworkRecord | undefined {
    return this.one('SELECT data FROM networks WHERE name = ? OR id = ? ORDER BY name = ? DESC LIMIT 1', nameOrId, nameOrId, nameOrId)
      ?? (nameOrId.length >= 3 && /^[0-9a-f]+$/.test(nameOrId) ? this.uniquePrefix<NetworkRecord>('networks', nameOrId) : undefined);
  }
  listNetworks(): NetworkRecord[] { return this.all('SELECT data FROM networks ORDER BY name'); }
  putNetwork(r: NetworkRecord): void {
    this.db.prepare('INSERT INTO networks (id, name, data) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, data = excluded.data')
      .run(r.id, r.name, JSON.stringify(r));
  }
  deleteNetwork(id: string): void {
    this.db.prepare('DELETE FROM cursors WHERE network_id = ?').run(id);
    this.db.prepare('DELETE FROM addresses WHERE network_id = ?').run(id);
    this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
  }

  getSandbox(nameOrId: string): SandboxRecord | undefined {
    return this.one('SELECT data FROM sandboxes WHERE name = ? OR id = ? ORDER BY name = ? DESC LIMIT 1', nameOrId, nameOrId, nameOrId)
      ?? (nameOrId.length >= 3 && /^[0-9a-f]+$/.test(nameOrId) ? this.uniquePrefix<SandboxRecord>('sandboxes', nameOrId) : undefined);
  }
  listSandboxes(): SandboxRecord[] { return this.all('SELECT data FROM sandboxes ORDER BY name'); }
  putSandbox(r: SandboxRecord): void {
    this.db.prepare('INSERT INTO sandboxes (id, name, data) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, data = excluded.data')
      .run(r.id, r.name, JSON.stringify(r));
  }
  deleteSandbox(id: string): void { this.db.prepare('DELETE FROM sandboxes WHERE id = ?').run(id); }

  /** An id given by a prefix (as docker accepts), when exactly one record has it. */
  private uniquePrefix<T>(table: 'networks' | 'sandboxes', prefix: string): T | undefined {
    const rows = this.db.prepare(`SELECT data FROM ${table} WHERE id LIKE ? || '%' LIMIT 2`).all(prefix) as Row[];
    return rows.length === 1 ? (JSON.parse(rows[0].data) as T) : undefined;
  }

  listEndpoints(filter: { networkId?: string; sandboxId?: string } = {}): EndpointRecord[] {
    if (filter.networkId && filter.sandboxId) return this.all('SELECT data FROM endpoints WHERE network_id = ? AND sandbox_id = ?', filter.networkId, filter.sandboxId);
    if (filter.networkId) return this.all('SELECT data FROM endpoints WHERE network_id = ? ORDER BY rowid', filter.networkId);
    if (filter.sandboxId) return this.all('SELECT data FROM endpoints WHERE sandbox_id = ? ORDER BY rowid', filter.sandboxId);
    return this.all('SELECT data FROM endpoints ORDER BY rowid');
  }
  putEndpoint(r: EndpointRecord): void {
    this.db.prepare('INSERT INTO endpoints (id, network_id, sandbox_id, data) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data')
      .run(r.id, r.networkId, r.sandboxId, JSON.stringify(r));
  }
  deleteEndpoint(id: string): void {
    this.db.prepare('DELETE FROM addresses WHERE owner = ?').run(id);
    this.db.prepare('DELETE FROM endpoints WHERE id = ?').run(id);
  }

  allocatedAddresses(networkId: string): Map<string, string> {
    const rows = this.db.prepare('SELECT address, owner FROM addresses WHERE network_id = ?').all(networkId) as Array<{ address: string; owner: string }>;
    return new Map(rows.map((r) => [r.address, r.owner]));
  }
  takeAddress(networkId: string, address: string, owner: string): void {
    try {
      this.db.prepare('INSERT INTO addresses (network_id, address, owner) VALUES (?, ?, ?)').run(networkId, address, owner);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new NetplumbError(`address ${address} is already in use`, 'EEXIST');
      throw err;
    }
  }
  releaseAddresses(owner: string): void { this.db.prepare('DELETE FROM addresses WHERE owner = ?').run(owner); }
  getCursor(networkId: string): string | undefined {
    return (this.db.prepare('SELECT address FROM cursors WHERE network_id = ?').get(networkId) as { address: string } | undefined)?.address;
  }
  setCursor(networkId: string, address: string): void {
    this.db.prepare('INSERT INTO cursors (network_id, address) VALUES (?, ?) ON CONFLICT(network_id) DO UPDATE SET address = excluded.address').run(networkId, address);
  }

  portReservationsAt(slots: Array<{ protocol: string; port: number }>): PortReservation[] {
    // Consecutive ports of a protocol are read with one range scan of the (protocol, host_port) index.
    const byProtocol = new Map<string, number[]>();
    for (const s of slots) {
      const list = byProtocol.get(s.protocol);
      if (list) list.push(s.port);
      else byProtocol.set(s.protocol, [s.port]);
    }
    const range = this.db.prepare('SELECT protocol, host_ip, host_port, owner FROM port_reservations WHERE protocol = ? AND host_port BETWEEN ? AND ?');
    const out: PortReservation[] = [];
    for (const [protocol, ports] of byProtocol) {
      const sorted = [...new Set(ports)].sort((a, b) => a - b);
      for (let i = 0; i < sorted.length; ) {
        let j = i;
        while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
        for (const row of range.all(protocol, sorted[i], sorted[j]) as ReservationRow[]) out.push(reservation(row));
        i = j + 1;
      }
    }
    return out;
  }
  portReservationsOf(owner?: string): PortReservation[] {
    const rows = owner === undefined
      ? this.db.prepare('SELECT protocol, host_ip, host_port, owner FROM port_reservations ORDER BY protocol, host_port').all()
      : this.db.prepare('SELECT protocol, host_ip, host_port, owner FROM port_reservations WHERE owner = ? ORDER BY protocol, host_port').all(owner);
    return (rows as ReservationRow[]).map(reservation);
  }
  addPortReservations(items: PortReservation[]): void {
    const insert = this.db.prepare('INSERT INTO port_reservations (protocol, host_ip, host_port, owner) VALUES (?, ?, ?, ?)');
    for (const r of items) {
      try {
        insert.run(r.protocol, r.hostIp, r.hostPort, r.owner);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new NetplumbError(`host port ${r.hostIp}:${r.hostPort}/${r.protocol} is already reserved`, 'EEXIST');
        throw err;
      }
    }
  }
  deletePortReservations(owner: string, keys?: HostPortKey[]): void {
    if (!keys) {
      this.db.prepare('DELETE FROM port_reservations WHERE owner = ?').run(owner);
      return;
    }
    const del = this.db.prepare('DELETE FROM port_reservations WHERE owner = ? AND protocol = ? AND host_ip = ? AND host_port = ?');
    for (const k of keys) del.run(owner, k.protocol, k.hostIp, k.hostPort);
  }
}

export class SqliteStore implements StateStore {
  private readonly db: Database.Database;
  private readonly tx: SqliteTx;

  /** Opens (creating when missing) <dir>/netplumb.db. */
  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Only root may read the records: the file is made 0600 before SQLite opens
    // it (SQLite gives its -wal and -shm files the database file's mode), and
    // tightened if an older file is more open.
    const file = path.join(dir, 'netplumb.db');
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      try {
        if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
      } catch {
        // not there yet
      }
    }
    // Waiting writers retry for up to 30 s (SQLite's busy handler) instead of failing with SQLITE_BUSY.
    this.db = new Database(file, { timeout: 30000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.tx = new SqliteTx(this.db);
  }

  async read<T>(body: (tx: StateTx) => T): Promise<T> {
    return this.db.transaction(() => body(this.tx)).deferred();
  }

  async update<T>(body: (tx: StateTx) => T): Promise<T> {
    return this.db.transaction(() => body(this.tx)).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
