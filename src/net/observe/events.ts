// `netplumb events`: the event log of netplumb's own actions merged with the
// kernel's link up/down/remove notices for netplumb's links (bridges np-<id>
// and np0, host-side veths np<id>, all named np*), filtered as
// `docker events --filter` filters.
import { NetplumbError } from '../errors';
import { EventLog } from '../events/log';
import { AsyncQueue } from '../events/queue';
import { watchEvents, type EventStream } from '../events/stream';
import type { LinkWatchOptions } from '../events/links';
import type { NetplumbEvent } from '../events/types';
import { stateDir } from '../paths';

/** The prefix every link netplumb makes in the host namespace carries. */
export const NETPLUMB_LINK_PREFIX = 'np';

export type EventFilterKey = 'type' | 'event' | 'container' | 'network' | 'link';

/** Per key, the values any of which must match; different keys must all match (Docker's rule). */
export type EventFilters = Partial<Record<EventFilterKey, string[]>>;

const TYPES = ['network', 'container', 'port', 'link'];
const ACTIONS = ['create', 'remove', 'start', 'stop', 'connect', 'disconnect', 'publish', 'unpublish', 'up', 'down'];
const KEYS: readonly EventFilterKey[] = ['type', 'event', 'container', 'network', 'link'];

/**
 * Parses `--filter KEY=VALUE` specs: type=network|container|port|link,
 * event=create|remove|start|stop|connect|disconnect|publish|unpublish|up|down,
 * container=NAME|ID, network=NAME|ID, link=NAME.
 */
export function parseEventFilters(specs: readonly string[]): EventFilters {
  if (!Array.isArray(specs)) throw new TypeError('events: filters must be an array of KEY=VALUE strings');
  const out: EventFilters = {};
  for (const spec of specs) {
    const eq = typeof spec === 'string' ? spec.indexOf('=') : -1;
    if (eq <= 0 || eq === spec.length - 1) throw new NetplumbError(`invalid filter ${JSON.stringify(spec)}: expected KEY=VALUE (keys: ${KEYS.join(', ')})`);
    const key = spec.slice(0, eq) as EventFilterKey;
    const value = spec.slice(eq + 1);
    if (!KEYS.includes(key)) throw new NetplumbError(`invalid filter key ${JSON.stringify(key)}: one of ${KEYS.join(', ')}`);
    if (key === 'type' && !TYPES.includes(value)) throw new NetplumbError(`invalid filter type=${value}: one of ${TYPES.join(', ')}`);
    if (key === 'event' && !ACTIONS.includes(value)) throw new NetplumbError(`invalid filter event=${value}: one of ${ACTIONS.join(', ')}`);
    (out[key] ??= []).push(value);
  }
  return out;
}

function sameObject(o: { id?: string; name: string } | undefined, wanted: string): boolean {
  if (!o) return false;
  return o.name === wanted || o.id === wanted || (o.id !== undefined && wanted.length >= 3 && /^[0-9a-f]+$/.test(wanted) && o.id.startsWith(wanted));
}

/** Whether an event passes the filters. */
export function eventMatches(e: NetplumbEvent, filters: EventFilters): boolean {
  const [type, action] = e.kind.split('.');
  const link = 'link' in e ? e.link : undefined;
  const container = 'container' in e ? e.container : undefined;
  const network = 'network' in e ? e.network : undefined;
  // A link.remove is a link going away: event=remove matches it as it matches a network's or container's removal.
  const checks: Record<EventFilterKey, (v: string) => boolean> = {
    type: (v) => v === type,
    event: (v) => v === action,
    container: (v) => sameObject(container, v),
    network: (v) => sameObject(network, v),
    link: (v) => link?.name === v,
  };
  return KEYS.every((k) => !filters[k]?.length || filters[k]!.some(checks[k]));
}

export interface NetplumbEventsOptions {
  /** Past events from this time on (`--since`); default: only new ones. */
  since?: Date;
  /** Stop at this time (`--until`). */
  until?: Date;
  filters?: EventFilters;
  /** Keep watching (default true); false: the recorded history only. */
  follow?: boolean;
  /** The event log, or its folder (default: the state folder). */
  log?: EventLog | string;
  /** Kernel links to report (default: np* in this process's namespace); [] for none. */
  links?: LinkWatchOptions[];
}

/**
 * Equivalent to: `docker events [--since T] [--until T] [--filter K=V]`, with
 * `ip monitor link` for netplumb's links merged in (no polling: inotify on
 * the log, rtnetlink notifications for links). Close the stream, or break
 * out of `for await`, to stop.
 */
export async function watchNetplumbEvents(options: NetplumbEventsOptions = {}): Promise<EventStream> {
  const filters = options.filters ?? {};
  const links = options.links ?? [{ prefixes: [NETPLUMB_LINK_PREFIX] }];
  // Kernel events only when they can pass the filters.
  const wantLinks = (!filters.type?.length || filters.type.includes('link')) && !filters.container?.length && !filters.network?.length;
  const source = await watchEvents({
    log: options.log ?? new EventLog(stateDir()),
    since: options.since,
    until: options.until,
    follow: options.follow,
    links: wantLinks ? links : [],
  });
  const out = new AsyncQueue<NetplumbEvent>();
  out.onClose(() => source.close());
  void (async () => {
    try {
      for await (const e of source) if (eventMatches(e, filters)) out.push(e);
      out.close();
    } catch (err) {
      out.fail(err as Error);
    }
  })();
  return out;
}
