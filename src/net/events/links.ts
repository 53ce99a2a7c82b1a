// The kernel part of `netplumb events`: links going up and down (and being
// removed), from rtnetlink notifications (RTNLGRP_LINK), not by polling.
// Only links whose names match are reported: netplumb's own (bridges np-*,
// host-side veths np*), or whatever names and prefixes the caller gives.
import { K } from '../../../bindings';
import { checkNetnsName } from '../../netns';
import { Netlink } from '../../netlink/handle';
import type { NetlinkEvents } from '../../netlink/events';
import type { Link } from '../../netlink/links';
import { checkLinkName } from '../../netlink/request';
import { AsyncQueue } from './queue';
import type { LinkEvent } from './types';

export interface LinkWatchOptions {
  /** The namespace to watch (a name under /run/netns); absent: this process's. */
  netns?: string;
  /** Exact link names to report. */
  names?: string[];
  /** Name prefixes to report ('np' covers np-<id> bridges and np<id> veths). */
  prefixes?: string[];
}

interface Known {
  name: string;
  up: boolean;
}

export interface LinkEventStream extends AsyncIterableIterator<LinkEvent> {
  close(): void;
}

function checkOptions(o: LinkWatchOptions): void {
  if (typeof o !== 'object' || o === null) throw new TypeError('link events: expected an options object');
  if (o.netns !== undefined) checkNetnsName(o.netns);
  if (o.names !== undefined) {
    if (!Array.isArray(o.names)) throw new TypeError('link events: names must be an array of link names');
    for (const n of o.names) checkLinkName(n, 'link events: name');
  }
  if (o.prefixes !== undefined) {
    if (!Array.isArray(o.prefixes)) throw new TypeError('link events: prefixes must be an array of strings');
    for (const p of o.prefixes)
      if (typeof p !== 'string' || p.length === 0 || Buffer.byteLength(p) > 15) throw new RangeError(`link events: prefix ${JSON.stringify(p)} must be 1 to 15 bytes`);
  }
  if (!o.names?.length && !o.prefixes?.length) throw new TypeError('link events: give the names or prefixes of the links to watch');
}

/**
 * Live link.up / link.down / link.remove events for matching links.
 * Equivalent to: `ip monitor link` (in NS: `ip -n NS monitor link`), keeping
 * only changes of a link's administrative state (IFF_UP) and deletions. A
 * link deleted while up is first closed by the kernel: link.down, then link.remove.
 */
export async function watchLinkEvents(options: LinkWatchOptions): Promise<LinkEventStream> {
  checkOptions(options);
  const names = new Set(options.names ?? []);
  const prefixes = options.prefixes ?? [];
  const matches = (name: string | undefined) => name !== undefined && (names.has(name) || prefixes.some((p) => name.startsWith(p)));

  const handle = await Netlink.open(options.netns ? { netns: options.netns } : {});
  let sub: NetlinkEvents;
  try {
    // Subscribe first, then read the current state: nothing can happen unseen in between.
    sub = await handle.events(['link']);
  } catch (err) {
    handle.close();
    throw err;
  }
  const queue = new AsyncQueue<LinkEvent>();
  queue.onClose(() => {
    sub.close();
    handle.close();
  });
  const known = new Map<number, Known>();
  const emit = (kind: LinkEvent['kind'], link: Pick<Link, 'name' | 'index' | 'kind' | 'operstate'>) => {
    const ev: LinkEvent = { kind, time: new Date().toISOString(), source: 'kernel', link: { name: link.name, index: link.index } };
    if (options.netns) ev.link.netns = options.netns;
    if (link.kind) ev.link.kind = link.kind;
    if (link.operstate) ev.link.operstate = link.operstate;
    queue.push(ev);
  };
  /** Compares a fresh reading with what was known and reports the change. */
  const observe = (link: Link) => {
    const before = known.get(link.index);
    const nowMatches = matches(link.name);
    if (!nowMatches) {
      known.delete(link.index);
      return;
    }
    known.set(link.index, { name: link.name, up: link.up });
    if (before ? before.up !== link.up : link.up) emit(link.up ? 'link.up' : 'link.down', link);
  };
  const reseed = async (report: boolean) => {
    const links = await handle.linkList();
    const present = new Set(links.map((l) => l.index));
    if (report) for (const [index, k] of known) if (!present.has(index)) { known.delete(index); emit('link.remove', { name: k.name, index }); }
    for (const l of links) {
      if (report) observe(l);
      else if (matches(l.name)) known.set(l.index, { name: l.name, up: l.up });
    }
  };
  try {
    await reseed(false);
  } catch (err) {
    queue.close();
    throw err;
  }

  void (async () => {
    try {
      for await (const ev of sub) {
        if (ev.type === 'overrun') {
          // The kernel dropped notices: read the state again and report what changed.
          await reseed(true);
          continue;
        }
        const link = ev.object as unknown as Link | undefined;
        if (!link || (link.family !== undefined && link.family !== K.AF_UNSPEC)) continue;
        if (ev.type === 'RTM_NEWLINK') observe(link);
        else if (ev.type === 'RTM_DELLINK') {
          const before = known.get(link.index);
          known.delete(link.index);
          if (before) emit('link.remove', { name: before.name, index: link.index, kind: link.kind });
        }
      }
    } catch (err) {
      queue.fail(err as Error);
    }
  })();
  return queue;
}
