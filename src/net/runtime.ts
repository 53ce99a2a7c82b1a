// What a netplumb operation runs with: the state store, a netlink handle on
// the host namespace (the one netplumb itself runs in) and the firewall
// driver, each opened on first use; and where warnings go.
import * as fs from 'fs';
import { Netlink } from '../netlink/handle';
import { createFirewallDriver, type FirewallDriver } from './firewall/driver';
import { SqliteStore } from './state/sqlite';
import type { Owner, StateStore } from './state/store';
import { stateDir } from './paths';

export class Runtime {
  private hostHandle?: Promise<Netlink>;
  /** null: made, and there is none (NETPLUMB_FIREWALL=none). */
  private firewallDriver?: FirewallDriver | null;
  /**
   * Where warnings go (something the user should know that does not stop the
   * command, such as another firewall dropping netplumb's traffic). The CLI
   * prints them as `netplumb: warning: ...`; by default they are process warnings.
   */
  onWarning: (message: string) => void = (message) => process.emitWarning(message, 'NetplumbWarning');

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

  /** The firewall driver (nf_tables by default), or undefined when there is none. */
  firewall(): FirewallDriver | undefined {
    if (this.firewallDriver === undefined)
      this.firewallDriver = createFirewallDriver({ store: this.store, host: () => this.host(), warn: (m) => this.onWarning(m) }) ?? null;
    return this.firewallDriver ?? undefined;
  }

  async close(): Promise<void> {
    if (this.firewallDriver) await this.firewallDriver.close().catch(() => undefined);
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
