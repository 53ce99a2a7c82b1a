// `netplumb events`: the log's past events since a time, then live ones from
// the log and from the kernel's link notifications, merged in arrival order.
import { EventLog } from './log';
import { watchLinkEvents, type LinkWatchOptions } from './links';
import { AsyncQueue } from './queue';
import type { NetplumbEvent } from './types';

export interface WatchEventsOptions {
  /** The event log, or the folder holding it (default: the state folder). */
  log?: EventLog | string;
  /** Past events from this time on (`--since`); default: only new ones. */
  since?: Date;
  /** Stop at this time (`--until`); a time already past gives the history and ends. */
  until?: Date;
  /** Kernel link events to merge in: one entry per namespace to watch. */
  links?: LinkWatchOptions[];
  /** Keep watching for new events (default true); false: the history only. */
  follow?: boolean;
}

export interface EventStream extends AsyncIterableIterator<NetplumbEvent> {
  close(): void;
}

function checkDate(d: unknown, what: string): void {
  if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()))) throw new TypeError(`events: ${what} must be a valid Date`);
}

/**
 * Equivalent to: `docker events [--since T] [--until T]`, with link up/down
 * from `ip monitor link` merged in. Close the stream (or `break` out of
 * `for await`) to stop every source.
 */
export async function watchEvents(options: WatchEventsOptions = {}): Promise<EventStream> {
  checkDate(options.since, 'since');
  checkDate(options.until, 'until');
  if (options.links !== undefined && !Array.isArray(options.links)) throw new TypeError('events: links must be an array of link watch options');
  const log = options.log instanceof EventLog ? options.log : new EventLog(options.log);
  const until = options.until;
  const follow = (options.follow ?? true) && (!until || until.getTime() > Date.now());
  const queue = new AsyncQueue<NetplumbEvent>();

  if (!follow) {
    for (const e of await log.read({ since: options.since ?? new Date(), until })) queue.push(e);
    queue.close();
    return queue;
  }

  const sources: Array<{ close(): void } & AsyncIterable<NetplumbEvent>> = [];
  queue.onClose(() => sources.forEach((s) => s.close()));
  try {
    for (const l of options.links ?? []) sources.push(await watchLinkEvents(l));
  } catch (err) {
    queue.close();
    throw err;
  }
  sources.push(log.follow({ since: options.since }));
  for (const source of sources) {
    void (async () => {
      try {
        for await (const e of source) {
          if (until && Date.parse(e.time) > until.getTime()) continue;
          queue.push(e);
        }
      } catch (err) {
        queue.fail(err as Error);
      }
    })();
  }
  if (until) {
    const timer = setTimeout(() => queue.close(), until.getTime() - Date.now());
    queue.onClose(() => clearTimeout(timer));
  }
  return queue;
}
