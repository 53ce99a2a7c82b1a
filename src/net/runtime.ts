// What a netplumb operation runs with: the state store, the event log, a
// netlink handle on the host namespace (the one netplumb itself runs in) and
// the firewall driver, each opened on first use; and where warnings go.
import * as fs from 'fs';
import { Netlink } from '../netlink/handle';
import { SourceGuard } from './firewall/source-guard';
import { EventLog } from './events/log';
import { createFirewallDriver, type FirewallDriver } from './firewall/driver';
import { SqliteStore } from './state/sqlite';
import type { Owner, StateStore } from './state/store';
import { stateDir } from './paths';

export interface RuntimeOptions {
  /** Where actions are recorded (default: events.jsonl in the state folder). */
  events?: EventLog;
  /**
   * Told of problems that do not undo an action that succeeded (the event
   * log could not be written). Default: process.emitWarning.
   */
  warn?: (message: string) => void;
}

export class Runtime {
  private hostHandle?: Promise<Netlink>;
  private guardHandle?: Promise<SourceGuard>;
  readonly events: EventLog;
  /**
   * Where warnings go: what the user should know that does not undo or stop
   * the command (the event log could not be written, another firewall drops
   * netplumb's traffic). The CLI prints `netplumb: warning: ...`; by default
   * they are process warnings.
   */
  warn: (message: string) => void;
  /** null: made, and there is none (NETPLUMB_FIREWALL=none). */
  private firewallDriver?: FirewallDriver | null;

  constructor(readonly store: StateStore, options: RuntimeOptions = {}) {
    this.events = options.events ?? new EventLog(stateDir());
    this.warn = options.warn ?? ((message) => process.emitWarning(message, 'NetplumbWarning'));
  }

  /** Opens the default store (SQLite under NETPLUMB_STATE_DIR or /var/lib/netplumb) and its event log. */
  static open(options: RuntimeOptions = {}): Runtime {
    return new Runtime(new SqliteStore(stateDir()), options);
  }

  /** The host namespace's handle. */
  host(): Promise<Netlink> {
    this.hostHandle ??= Netlink.open();
    return this.hostHandle;
  }

  /** The firewall driver (nf_tables by default), or undefined when there is none. */
  firewall(): FirewallDriver | undefined {
    if (this.firewallDriver === undefined)
      this.firewallDriver = createFirewallDriver({ store: this.store, host: () => this.host(), warn: (m) => this.warn(m) }) ?? null;
    return this.firewallDriver ?? undefined;
  }

  /**
   * The anti-spoofing guard of bridge ports (its own nf_tables table), opened
   * on first use; undefined when the firewall is turned off
   * (NETPLUMB_FIREWALL=none leaves nf_tables alone).
   */
  async guard(): Promise<SourceGuard | undefined> {
    if (!this.firewall()) return undefined;
    this.guardHandle ??= SourceGuard.open();
    return this.guardHandle;
  }

  async close(): Promise<void> {
    if (this.firewallDriver) await this.firewallDriver.close().catch(() => undefined);
    if (this.hostHandle) (await this.hostHandle.catch(() => undefined))?.close();
    if (this.guardHandle) (await this.guardHandle.catch(() => undefined))?.close();
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
