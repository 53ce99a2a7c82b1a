// A Handle: one rtnetlink socket bound to one network namespace (opened inside
// it on a dedicated thread), and every operation on links, addresses, routes,
// neighbours and sysctls of that namespace. Requests go out as batches: many
// messages in one send, every ack checked.
import { K, native, type NativeIndexSpec, type NativeResult, type NativeSocket } from '../../bindings';
import { BatchError, NetlinkError } from '../errors';
import { NetNs } from '../netns';
import type { PlannedRequest } from './request';
import { openSocketIn } from './open-socket';
import * as links from './links';
import { buildLinks, decodeLinks, LINK_INDEX } from './link-decode';
import * as addresses from './addresses';
import * as routes from './routes';
import * as neighbours from './neighbours';
import * as sysctl from './sysctl';
import { NetlinkEvents, type EventGroup } from './events';

export interface OpenOptions {
  /** The namespace to act in: a NetNs, or the name of one under /run/netns. Default: this process's. */
  netns?: NetNs | string;
}

export class Netlink {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly socket: NativeSocket,
    /** The namespace this handle acts in; undefined for the process's own. */
    readonly netns: NetNs | undefined,
  ) {}

  /** Opens a handle in this process's namespace, or in `options.netns`. */
  static async open(options: OpenOptions = {}): Promise<Netlink> {
    const { socket, ns } = await openSocketIn(K.NETLINK_ROUTE, options.netns);
    return new Netlink(socket, ns);
  }

  /**
   * `ip netns add NAME`, and a handle bound to the new namespace, made on one
   * short-lived thread: the thread that creates the namespace opens the
   * socket too, where open({ netns }) would start a second thread to enter
   * it. The fastest start for a container's network; the namespace is
   * `handle.netns`. Close the handle before deleting the namespace (an open
   * socket keeps it alive). openNewNetns() adds an nf_tables handle.
   */
  static async openNew(name: string): Promise<Netlink> {
    const socket = new native.NetlinkSocket();
    const ns = await NetNs.createOpening(name, [{ socket, protocol: K.NETLINK_ROUTE }]);
    return new Netlink(socket, ns);
  }

  /** @internal A handle over a socket already opened inside `netns` (see openNewNetns). */
  static fromOpenSocket(socket: NativeSocket, netns: NetNs): Netlink {
    return new Netlink(socket, netns);
  }

  /** Closes the socket; requests already sent still complete. */
  close(): void {
    this.closed = true;
    this.socket.close();
  }

  /**
   * Sends requests in one go and returns each one's replies, or its error, in
   * order. Link names in the requests are resolved first, in one round trip.
   */
  async send(requests: PlannedRequest[]): Promise<NativeResult[]> {
    return this.enqueue(requests, false);
  }

  /** Sends one request and returns its reply messages as they came, undecoded (for decoders on this thread). */
  private async sendOneRaw(request: PlannedRequest): Promise<Buffer> {
    const [result] = await this.enqueue([request], true);
    if (result instanceof Error) throw result;
    return result as unknown as Buffer;
  }

  /**
   * Sends one dump request; onChunk gets blocks of reply messages (and, with
   * indexSpec, the worker's index of their attributes) while the kernel still
   * dumps the rest.
   */
  private dumpStreamed(request: PlannedRequest, onChunk: (chunk: Buffer, index: Buffer) => void, indexSpec?: NativeIndexSpec): Promise<void> {
    if (this.closed) return Promise.reject(new Error('netlink handle is closed'));
    const run = this.queue.then(async () => {
      const names = await this.resolveNames([request]);
      for (const [field, name] of Object.entries(request.linkRefs ?? {})) {
        const found = names.get(name);
        if (found instanceof Error) throw withIndex(found, 0);
        request.args[field] = found;
      }
      await this.socket.dump([{ op: request.op, args: request.args }], onChunk, indexSpec);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private enqueue(requests: PlannedRequest[], raw: boolean): Promise<NativeResult[]> {
    if (this.closed) return Promise.reject(new Error('netlink handle is closed'));
    const run = this.queue.then(() => this.sendNow(requests, raw));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** raw: the replies of the last round come back as bytes (a Buffer per request), not parsed. */
  private async sendNow(requests: PlannedRequest[], raw = false): Promise<NativeResult[]> {
    const results: NativeResult[] = new Array(requests.length);
    // Before anything is sent: every link a request names must exist now or
    // be made by an earlier request of the same list; otherwise the list is
    // wrong and fails whole, with that request's index.
    let index = await this.resolveNames(requests);
    const madeEarlier = new Set<string>();
    requests.forEach((r, i) => {
      for (const name of Object.values(r.linkRefs ?? {})) {
        const found = index.get(name);
        if (found instanceof Error && !madeEarlier.has(name)) throw withIndex(found, i);
      }
      for (const name of namesTouched(r, true)) madeEarlier.add(name);
    });
    // Then in rounds: a request that names a link made, renamed or deleted by
    // an earlier request of its round starts the next round, whose names are
    // looked up again once the round before has been applied. Usually there
    // is one round: one lookup and one send.
    let start = 0;
    while (start < requests.length) {
      const touched = new Set<string>();
      let end = start;
      for (; end < requests.length; end++) {
        const refs = Object.values(requests[end].linkRefs ?? {});
        if (end > start && refs.some((n) => touched.has(n))) break;
        for (const name of namesTouched(requests[end], false)) touched.add(name);
      }
      if (start > 0) index = await this.resolveNames(requests.slice(start, end));
      const sending: number[] = [];
      for (let i = start; i < end; i++) {
        const r = requests[i];
        const missing = Object.values(r.linkRefs ?? {}).map((n) => index.get(n)).find((v) => v instanceof Error);
        if (missing instanceof Error) {
          results[i] = withIndex(missing, i); // an earlier request failed to make it, or removed it
          continue;
        }
        for (const [field, name] of Object.entries(r.linkRefs ?? {})) r.args[field] = index.get(name);
        sending.push(i);
      }
      if (sending.length > 0) {
        let replies: NativeResult[];
        try {
          replies = await this.socket.execute(sending.map((i) => ({ op: requests[i].op, args: requests[i].args })), false, raw);
        } catch (err) {
          if (err instanceof NetlinkError && err.index !== undefined) err.index = sending[err.index];
          throw err;
        }
        replies.forEach((reply, k) => {
          if (reply instanceof NetlinkError) reply.index = sending[k];
          results[sending[k]] = reply;
        });
      }
      start = end;
    }
    return results;
  }

  /**
   * Sends each part's requests on its own handle, in order, in one trip to
   * the worker pool where send() would take one per part. A part is sent only
   * when every request of the parts before it succeeded (later parts usually
   * build on earlier ones: the veth made from the host, then set up inside
   * the container); a part not sent gives null. Results are as send()'s.
   * When a request names a link by name, the parts go one send() after the
   * other instead (names are looked up per round, as send() does).
   */
  static async sendAll(parts: Array<{ handle: Netlink; requests: PlannedRequest[] }>): Promise<Array<NativeResult[] | null>> {
    for (const p of parts) if (p.handle.closed) throw new Error('netlink handle is closed');
    if (parts.some((p) => p.requests.some((r) => r.linkRefs && Object.keys(r.linkRefs).length > 0))) {
      const out: Array<NativeResult[] | null> = [];
      let failed = false;
      for (const p of parts) {
        if (failed) {
          out.push(null);
          continue;
        }
        const results = await p.handle.send(p.requests);
        failed = results.some((r) => r instanceof Error);
        out.push(results);
      }
      return out;
    }
    const handles = [...new Set(parts.map((p) => p.handle))];
    // Behind whatever each handle is already sending, and ahead of what it sends next.
    const run = Promise.all(handles.map((h) => h.queue)).then(() =>
      native.executeAll(parts.map((p) => ({ socket: p.handle.socket, requests: p.requests.map((r) => ({ op: r.op, args: r.args })), transaction: false }))),
    );
    for (const h of handles) h.queue = run.catch(() => undefined);
    const results = await run;
    return results.map((part) => {
      if (part instanceof Error) throw part;
      part?.forEach((reply, i) => { if (reply instanceof NetlinkError) reply.index = i; });
      return part;
    });
  }

  /** Interface indexes of the link names the requests refer to, in one round trip; an error for each name not found. */
  private async resolveNames(requests: PlannedRequest[]): Promise<Map<string, number | Error>> {
    const names = new Set<string>();
    for (const r of requests) for (const n of Object.values(r.linkRefs ?? {})) names.add(n);
    const index = new Map<string, number | Error>();
    if (names.size === 0) return index;
    const list = [...names];
    const found = await this.socket.execute(list.map((name) => ({ op: 'link.get', args: { name } })), false);
    list.forEach((name, i) => {
      const r = found[i];
      index.set(name, r instanceof Error ? r : (r[0] as { index: number }).index);
    });
    return index;
  }

  /** Sends one request; throws its error, returns its replies. */
  async sendOne(request: PlannedRequest): Promise<Array<Record<string, unknown>>> {
    const [result] = await this.send([request]);
    if (result instanceof Error) throw result;
    return result;
  }

  /**
   * Starts a batch: the same operations, buffered, sent in one go by commit().
   * Faster than awaiting each call; every request's ack is still checked.
   */
  batch(): Batch {
    return new Batch(this);
  }

  // Links -------------------------------------------------------------------
  /** `ip link add NAME type KIND ...` */
  async linkAdd(spec: links.LinkSpec): Promise<void> { return this.sendOne(links.planLinkAdd(spec)).then(() => undefined); }
  /** `ip link set DEV up|down|mtu|name|address|master|nomaster|netns|alias|txqueuelen ...` */
  async linkSet(link: links.LinkRefArg, change: links.LinkChange): Promise<void> { return this.sendOne(links.planLinkSet(link, change)).then(() => undefined); }
  /** `ip link del DEV` */
  async linkDel(link: links.LinkRefArg): Promise<void> { return this.sendOne(links.planLinkDel(link)).then(() => undefined); }
  /** `ip -d -s link show DEV` */
  async linkGet(link: links.LinkRefArg): Promise<links.Link> { return decodeLinks(await this.sendOneRaw(links.planLinkGet(link)), [], true)[0]; }
  /**
   * `ip -d -s link show [master DEV] [type KIND]`. Attributes this build does
   * not know (`Link.unknown`) only with `{ unknown: true }`: building them
   * costs more than the rest of a large listing.
   */
  async linkList(filter: links.LinkFilter = {}, options: { unknown?: boolean } = {}): Promise<links.Link[]> {
    const found: links.Link[] = [];
    const keepUnknown = options.unknown === true;
    // Built block by block while the kernel dumps the rest, from the index the worker makes of each block.
    await this.dumpStreamed(links.planLinkList(filter), (chunk, index) => {
      buildLinks(chunk, new Int32Array(index.buffer, index.byteOffset, index.length >> 2), found, keepUnknown);
    }, LINK_INDEX);
    return found;
  }

  // Addresses ---------------------------------------------------------------
  /** `ip addr add CIDR dev DEV` */
  async addrAdd(link: links.LinkRefArg, cidr: string, options: addresses.AddrOptions = {}): Promise<void> { return this.sendOne(addresses.planAddrAdd(link, cidr, options, false)).then(() => undefined); }
  /** `ip addr replace CIDR dev DEV` */
  async addrReplace(link: links.LinkRefArg, cidr: string, options: addresses.AddrOptions = {}): Promise<void> { return this.sendOne(addresses.planAddrAdd(link, cidr, options, true)).then(() => undefined); }
  /** `ip addr del CIDR dev DEV` */
  async addrDel(link: links.LinkRefArg, cidr: string): Promise<void> { return this.sendOne(addresses.planAddrDel(link, cidr)).then(() => undefined); }
  /** `ip addr show [dev DEV]` (-4 / -6 with family) */
  async addrList(filter: addresses.AddrFilter = {}): Promise<addresses.Address[]> { return addresses.filterAddresses(await this.sendOne(addresses.planAddrList(filter)), filter, this); }
  /** `ip addr flush dev DEV` */
  async addrFlush(link: links.LinkRefArg, filter: Omit<addresses.AddrFilter, 'link'> = {}): Promise<void> { return addresses.flush(this, link, filter); }

  // Routes ------------------------------------------------------------------
  /** `ip route add ...` */
  async routeAdd(spec: routes.RouteSpec): Promise<void> { return this.sendOne(routes.planRoute(spec, 'add')).then(() => undefined); }
  /** `ip route replace ...` */
  async routeReplace(spec: routes.RouteSpec): Promise<void> { return this.sendOne(routes.planRoute(spec, 'replace')).then(() => undefined); }
  /** `ip route del ...` */
  async routeDel(spec: routes.RouteSpec): Promise<void> { return this.sendOne(routes.planRoute(spec, 'delete')).then(() => undefined); }
  /** `ip route show [table T]` (-4 / -6 with family) */
  async routeList(filter: routes.RouteFilter = {}): Promise<routes.Route[]> { return routes.filterRoutes(await this.sendOne(routes.planRouteList(filter)), filter, this); }

  // Neighbours and FDB --------------------------------------------------------
  /** `ip neigh add|replace ADDR lladdr MAC dev DEV` */
  async neighAdd(spec: neighbours.NeighSpec): Promise<void> { return this.sendOne(neighbours.planNeigh(spec, 'add')).then(() => undefined); }
  /** `ip neigh del ADDR dev DEV` */
  async neighDel(spec: neighbours.NeighSpec): Promise<void> { return this.sendOne(neighbours.planNeigh(spec, 'delete')).then(() => undefined); }
  /** `ip neigh show [dev DEV]` */
  async neighList(filter: neighbours.NeighFilter = {}): Promise<neighbours.Neighbour[]> { return neighbours.filterNeighbours(await this.sendOne(neighbours.planNeighList(filter)), filter); }
  /** `bridge fdb add MAC dev DEV [master|self] [vlan N] [dst IP]` */
  async fdbAdd(spec: neighbours.FdbSpec): Promise<void> { return this.sendOne(neighbours.planFdb(spec, 'add')).then(() => undefined); }
  /** `bridge fdb del MAC dev DEV ...` */
  async fdbDel(spec: neighbours.FdbSpec): Promise<void> { return this.sendOne(neighbours.planFdb(spec, 'delete')).then(() => undefined); }
  /** `bridge fdb show [br BR] [dev DEV]` */
  async fdbList(filter: neighbours.FdbFilter = {}): Promise<neighbours.FdbEntry[]> { return neighbours.filterFdb(await this.sendOne(neighbours.planFdbList(filter)), filter); }

  // Sysctls -----------------------------------------------------------------
  /** `ip netns exec NS sysctl -n KEY` (net.* keys of this handle's namespace) */
  async sysctlGet(key: string): Promise<string> { return sysctl.read(this.netns, key); }
  /** `ip netns exec NS sysctl -w KEY=VALUE` */
  async sysctlSet(key: string, value: string | number): Promise<void> { return sysctl.write(this.netns, key, value); }

  // Events ------------------------------------------------------------------
  /** `ip monitor link address route neigh`: an async iterator of changes in this namespace. */
  async events(groups: EventGroup[] = ['link', 'address', 'route', 'neighbour']): Promise<NetlinkEvents> {
    return NetlinkEvents.open(this.netns, groups);
  }
}

/** The error again, for the request at index (a shared lookup failure is reported once per request). */
function withIndex(err: Error, index: number): Error {
  const copy = Object.create(Object.getPrototypeOf(err) as object, Object.getOwnPropertyDescriptors(err)) as Error;
  (copy as { index?: number }).index = index;
  return copy;
}

/**
 * The link names a request makes appear in this handle's namespace (made:
 * true), or makes appear or disappear (made: false): a created link and its
 * veth peer when born here, a rename's new (and old) name, a deleted or
 * moved-away link.
 */
function namesTouched(r: PlannedRequest, made: boolean): string[] {
  const a = r.args as { name?: unknown; netns?: unknown; netnsPid?: unknown; peer?: { name?: unknown; netns?: unknown; netnsPid?: unknown } };
  const here = (x: { netns?: unknown; netnsPid?: unknown }) => x.netns === undefined && x.netnsPid === undefined;
  const out: string[] = [];
  if (r.op === 'link.create') {
    if (typeof a.name === 'string' && here(a)) out.push(a.name);
    if (a.peer && typeof a.peer.name === 'string' && here(a.peer)) out.push(a.peer.name);
  } else if (r.op === 'link.change' && typeof a.name === 'string') {
    // A rename names its link by index (resolved from the old name, or given as a number).
    const renamedFrom = r.linkRefs?.index;
    if (renamedFrom !== undefined || typeof (r.args as { index?: unknown }).index === 'number') {
      out.push(a.name);
      if (!made && renamedFrom !== undefined) out.push(renamedFrom);
    } else if (!made && !here(a)) {
      out.push(a.name); // moved to another namespace
    }
  } else if (r.op === 'link.delete' && !made && typeof a.name === 'string') {
    out.push(a.name);
  }
  return out;
}

/** Buffered operations, sent together by commit(). */
export class Batch {
  private readonly requests: PlannedRequest[] = [];
  constructor(private readonly handle: Netlink) {}

  get size(): number { return this.requests.length; }
  /** Adds any planned request (from the plan* functions of links, addresses ...). */
  add(request: PlannedRequest): this { this.requests.push(request); return this; }
  linkAdd(spec: links.LinkSpec): this { return this.add(links.planLinkAdd(spec)); }
  linkSet(link: links.LinkRefArg, change: links.LinkChange): this { return this.add(links.planLinkSet(link, change)); }
  linkDel(link: links.LinkRefArg): this { return this.add(links.planLinkDel(link)); }
  addrAdd(link: links.LinkRefArg, cidr: string, options: addresses.AddrOptions = {}): this { return this.add(addresses.planAddrAdd(link, cidr, options, false)); }
  addrDel(link: links.LinkRefArg, cidr: string): this { return this.add(addresses.planAddrDel(link, cidr)); }
  routeAdd(spec: routes.RouteSpec): this { return this.add(routes.planRoute(spec, 'add')); }
  routeReplace(spec: routes.RouteSpec): this { return this.add(routes.planRoute(spec, 'replace')); }
  routeDel(spec: routes.RouteSpec): this { return this.add(routes.planRoute(spec, 'delete')); }
  neighAdd(spec: neighbours.NeighSpec): this { return this.add(neighbours.planNeigh(spec, 'add')); }
  neighDel(spec: neighbours.NeighSpec): this { return this.add(neighbours.planNeigh(spec, 'delete')); }
  fdbAdd(spec: neighbours.FdbSpec): this { return this.add(neighbours.planFdb(spec, 'add')); }
  fdbDel(spec: neighbours.FdbSpec): this { return this.add(neighbours.planFdb(spec, 'delete')); }

  /**
   * Sends everything. rtnetlink applies each request on its own, so on
   * failure a BatchError lists every failed request (with its index) and the
   * others have taken effect; callers that need all-or-nothing undo them.
   * A request may name a link that an earlier request of the batch makes.
   * A batch that is wrong before anything is sent (it names a link that
   * neither exists nor is made by an earlier request, or a namespace that
   * does not exist) throws that one NetlinkError, with the request's index,
   * and applies nothing.
   */
  async commit(): Promise<void> {
    const requests = this.requests.splice(0);
    if (requests.length === 0) return;
    throwFailures(await this.handle.send(requests));
  }

  /**
   * Commits batches of different handles (the host's and a container's) in
   * order, in one trip to the worker pool (Netlink.sendAll). A batch is sent
   * only when every request of the batches before it succeeded; on failure,
   * the BatchError is that batch's (indexes within it), the batches before it
   * have taken effect, and the ones after it were not sent.
   */
  static async commitAll(batches: Batch[]): Promise<void> {
    const parts = batches.map((b) => ({ handle: b.handle, requests: b.requests.splice(0) })).filter((p) => p.requests.length > 0);
    if (parts.length === 0) return;
    for (const results of await Netlink.sendAll(parts)) if (results) throwFailures(results);
  }
}

/** A BatchError for the failed requests of one batch's results, if any. */
function throwFailures(results: NativeResult[]): void {
  const errors: NetlinkError[] = [];
  results.forEach((r, i) => {
    if (r instanceof NetlinkError) {
      r.index = i;
      errors.push(r);
    } else if (r instanceof Error) {
      throw r;
    }
  });
  if (errors.length) throw new BatchError(errors, results.length - errors.length);
}
