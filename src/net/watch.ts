// `netplumb watch`: self-repair as soon as something is removed by hand. It
// listens to the host's rtnetlink (links, addresses, routes) and nf_tables
// changes and, once a burst of them has settled, runs the full reconciler
// (gc.ts), which makes again what the store says should exist and removes
// what has no owner. Its own repairs cause events too; the pass they trigger
// finds nothing to do. A pass waits while a command is part-way through a
// change (a record marked creating or removing by a live process): the
// kernel is then between two consistent states, and that command (or, if it
// dies, the next gc) brings it to the next one.
import { NetlinkEvents } from '../netlink/events';
import { collectGarbage } from './gc';
import { ownerAlive, type Runtime } from './runtime';

export interface WatchOptions {
  /** Quiet time after the last change before a pass, in ms (default 200). */
  settleMs?: number;
  /** Each pass that changed something: its report, one line per change. */
  onRepair?: (report: string[]) => void;
  /** A pass that failed part-way (the watch goes on). */
  onError?: (err: Error) => void;
  /** Resolves the watch when aborted. */
  signal?: AbortSignal;
}

async function changeInProgress(rt: Runtime): Promise<boolean> {
  return rt.store.read((tx) =>
    tx.listSandboxes().some((s) => s.status !== 'ready' && ownerAlive(s.owner))
    || tx.listNetworks().some((n) => n.status !== 'ready' && ownerAlive(n.owner))
    || tx.listEndpoints().some((e) => !!e.status && ownerAlive(e.owner)));
}

/**
 * Repairs at once what the kernel loses, until `signal` aborts: one pass at
 * the start, then one after each settled burst of kernel changes.
 */
export async function watchAndRepair(rt: Runtime, options: WatchOptions = {}): Promise<void> {
  const settleMs = options.settleMs ?? 200;
  if (!Number.isInteger(settleMs) || settleMs < 0) throw new RangeError(`watch: settleMs must be a whole number of ms, not ${String(settleMs)}`);
  if (options.signal?.aborted) return;
  const sources = [
    await (await rt.host()).events(['link', 'address', 'route']),
    await NetlinkEvents.openNftables(undefined),
  ];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => { finish = resolve; });

  const repair = async (): Promise<void> => {
    try {
      if (await changeInProgress(rt)) { schedule(); return; }
      const report = await collectGarbage(rt);
      if (report.length) options.onRepair?.(report);
    } catch (err) {
      options.onError?.(err as Error);
    }
  };
  const pass = async (): Promise<void> => {
    if (running) { again = true; return; }
    running = repair();
    await running;
    running = undefined;
    if (again) { again = false; schedule(); }
  };
  function schedule(): void {
    if (options.signal?.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => { void pass(); }, settleMs);
  }
  const stop = () => {
    clearTimeout(timer);
    for (const s of sources) s.close();
    finish();
  };
  options.signal?.addEventListener('abort', stop, { once: true });

  for (const source of sources) {
    void (async () => {
      for await (const _event of source) schedule();
    })();
  }
  await pass();
  await finished;
  // A pass under way finishes before the watch returns (the runtime is closed after).
  await running;
}
