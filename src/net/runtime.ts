// What a netplumb operation runs with: the state store and a netlink handle
// on the host namespace (the one netplumb itself runs in), opened on first use.
import * as fs from 'fs';
import { Netlink } from '../netlink/handle';
import { SqliteStore } from './state/sqlite';
import type { Owner, StateStore } from './state/store';
import { stateDir } from './paths';

export class Runtime {
  private hostHandle?: Promise<Netlink>;

  constructor(readonly store: StateStore) {}

  /** Opens the default store (SQLite under NETPLUMB_STATE_DIR or /var/lib/netplumb). */
  static open(): Runtime {
    return new Runtime(new SqliteStore(stateDir()));
  }

  /** The host namespace's handle. */
  host(): Promise<Netlink> {
    this.hostHandle ??= Netlink.open();
    return this.hostHandle;
  }

  async close(): Promise<void> {
    if (this.hostHandle) (await this.hostHandle.catch(() => undefined))?.close();
    this.store.close();
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined if the process is gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process, as the owner of what it is creating. */
export function currentOwner(): Owner {
  return { pid: process.pid, start: processStart(process.pid) ?? '' };
}

/** Whether an owner process still runs (the same one: its start time matches). */
export function ownerAlive(owner: Owner | undefined): boolean {
  if (!owner) return false;
  return processStart(owner.pid) === owner.start;
}
