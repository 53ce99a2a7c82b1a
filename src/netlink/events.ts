// Netlink change notifications as an async iterator, read on the event loop:
// `for await (const ev of await handle.events()) ...`, like `ip monitor`.
import { K, native, type NativeEvent, type NativeEvents } from '../../bindings';
import type { NetNs } from '../netns';

export type EventGroup = 'link' | 'address' | 'route' | 'neighbour';

export interface NetlinkEvent {
  /** 'RTM_NEWLINK', 'RTM_DELADDR' ...; 'overrun' when the kernel dropped events. */
  type: string;
  object?: Record<string, unknown>;
}

function groupNumbers(groups: EventGroup[]): number[] {
  const out: number[] = [];
  for (const g of groups) {
    if (g === 'link') out.push(K.RTNLGRP_LINK);
    else if (g === 'address') out.push(K.RTNLGRP_IPV4_IFADDR, K.RTNLGRP_IPV6_IFADDR);
    else if (g === 'route') out.push(K.RTNLGRP_IPV4_ROUTE, K.RTNLGRP_IPV6_ROUTE);
    else if (g === 'neighbour') out.push(K.RTNLGRP_NEIGH);
    else throw new TypeError(`events: unknown group ${String(g)} (link, address, route, neighbour)`);
  }
  return out;
}

export class NetlinkEvents implements AsyncIterableIterator<NetlinkEvent> {
  private readonly buffered: NetlinkEvent[] = [];
  private waiting: ((r: IteratorResult<NetlinkEvent>) => void) | undefined;
  private closed = false;

  private constructor(private readonly native: NativeEvents) {}

  static open(netns: NetNs | undefined, groups: EventGroup[]): Promise<NetlinkEvents> {
    return NetlinkEvents.subscribe(K.NETLINK_ROUTE, netns, groupNumbers(groups));
  }

  /** `nft monitor`: nf_tables changes (tables, chains, rules, sets, elements) in a namespace. */
  static openNftables(netns: NetNs | undefined): Promise<NetlinkEvents> {
    return NetlinkEvents.subscribe(K.NETLINK_NETFILTER, netns, [K.NFNLGRP_NFTABLES]);
  }

  private static async subscribe(protocol: number, netns: NetNs | undefined, groups: number[]): Promise<NetlinkEvents> {
    const sub = new native.NetlinkEvents();
    const events = new NetlinkEvents(sub);
    await sub.open(protocol, netns ? netns.path : null, groups, (batch) => events.push(batch));
    return events;
  }

  private push(batch: NativeEvent[]): void {
    for (const ev of batch) {
      const event: NetlinkEvent = { type: ev.type, object: ev.object };
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve({ value: event, done: false });
      } else {
        this.buffered.push(event);
      }
    }
  }

  next(): Promise<IteratorResult<NetlinkEvent>> {
    const ev = this.buffered.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { this.waiting = resolve; });
  }

  return(): Promise<IteratorResult<NetlinkEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Stops listening; a pending next() ends the iteration. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
