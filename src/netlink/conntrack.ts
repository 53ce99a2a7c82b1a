// Connection tracking over ctnetlink: a handle bound to one network namespace
// (its NETLINK_NETFILTER socket is created inside it, like a Netlink handle's),
// listing the namespace's conntrack table as `conntrack -L` does.
//
// The kernel keeps a namespace's conntrack table only while something there
// needs it: its conntrack hooks are registered per namespace on demand, by a
// NAT rule, a `ct state` match and the like. In a namespace with no such rule
// the table stays empty however much traffic flows (listing it is no error).
// Byte and packet counters appear only with net.netfilter.nf_conntrack_acct=1
// in that namespace (Netlink.sysctlSet), for connections made after it is set.
import { SocketAddress, isIP } from 'net';
import { K, type NativeSocket } from '../../bindings';
import { NetlinkError } from '../errors';
import type { NetNs } from '../netns';
import type { OpenOptions } from './handle';
import { openSocketIn } from './open-socket';

export type ConntrackFamily = 'ipv4' | 'ipv6';

/** One direction of a connection, as the kernel tracks it. */
export interface ConntrackTuple {
  src: string;
  dst: string;
  protocolNumber: number;
  /** TCP, UDP, SCTP, DCCP, UDP-Lite ports. */
  sport?: number;
  dport?: number;
  /** ICMP and ICMPv6. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** The tuple's own zone, when the zone is per direction. */
  zone?: number;
}

export interface ConntrackCounter {
  packets: number;
  bytes: number;
}

export interface ConntrackEntry {
  family: ConntrackFamily;
  /** 'tcp', 'udp', 'icmp', 'icmpv6', 'sctp' ...; 'unknown' for another protocol number. */
  protocol: string;
  protocolNumber: number;
  /** The direction of the first packet. */
  original: ConntrackTuple;
  /** The direction of the answer (after NAT: the translated addresses). */
  reply: ConntrackTuple;
  /** TCP or SCTP state: 'ESTABLISHED', 'TIME_WAIT' ... (enum tcp_conntrack's names). */
  state?: string;
  /** Seconds until the entry expires. */
  timeout?: number;
  mark?: number;
  zone?: number;
  /** The kernel's id of the entry (conntrack -o id). */
  id?: number;
  use?: number;
  /** IPS_* bits, and their names: 'ASSURED', 'SEEN_REPLY', 'SRC_NAT' ... */
  status: number;
  flags: string[];
  /** Only with net.netfilter.nf_conntrack_acct=1. */
  counters?: { original?: ConntrackCounter; reply?: ConntrackCounter };
}

export interface ConntrackFilter {
  /** Only this family (`conntrack -L -f ipv4|ipv6`). Default: both. */
  family?: ConntrackFamily;
  /** Only entries with this address in either direction, as source or destination. */
  address?: string;
}

export interface ConntrackTableCounters {
  /** Entries in the table now (`conntrack -C`). */
  entries: number;
  /** net.netfilter.nf_conntrack_max. */
  maxEntries: number;
}

/** TCP states of a connection that has already closed (its entry lingers a while). */
const CLOSED_TCP_STATES = new Set(['TIME_WAIT', 'CLOSE']);

/** The canonical text of an IP address (as the kernel's inet_ntop prints it), for comparison. */
export function canonicalIp(address: string, what = 'address'): string {
  const family = typeof address === 'string' ? isIP(address) : 0;
  if (family === 0) throw new TypeError(`${what}: ${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  return new SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
}

/** Whether the entry is a connection still open: not a TCP connection already closed, not dying. */
export function isOpenConnection(entry: ConntrackEntry): boolean {
  if (entry.flags.includes('DYING')) return false;
  return !(entry.protocol === 'tcp' && entry.state !== undefined && CLOSED_TCP_STATES.has(entry.state));
}

/** Every address an entry involves: both ends of both directions. */
export function entryAddresses(entry: ConntrackEntry): Set<string> {
  return new Set([entry.original.src, entry.original.dst, entry.reply.src, entry.reply.dst]);
}

function toEntry(raw: Record<string, unknown>): ConntrackEntry {
  return raw as unknown as ConntrackEntry;
}

export class ConntrackHandle {
  private closed = false;

  private constructor(
    private readonly socket: NativeSocket,
    /** The namespace whose table this handle reads; undefined for the process's own. */
    readonly netns: NetNs | undefined,
  ) {}

  /** Opens a ctnetlink socket in this process's namespace, or inside `options.netns`. */
  static async open(options: OpenOptions = {}): Promise<ConntrackHandle> {
    const { socket, ns } = await openSocketIn(K.NETLINK_NETFILTER, options.netns);
    return new ConntrackHandle(socket, ns);
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  private async request(op: string, args: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    if (this.closed) throw new Error('conntrack handle is closed');
    // A dump the kernel marks as interrupted by concurrent changes is read again, a few times.
    for (let attempt = 0; ; attempt++) {
      const [result] = await this.socket.execute([{ op, args }], false);
      if (result instanceof NetlinkError && result.interrupted && attempt < 3) continue;
      if (result instanceof Error) throw result;
      return result;
    }
  }

  /**
   * The namespace's tracked connections.
   * Equivalent to: `conntrack -L -f ipv4` and `conntrack -L -f ipv6`
   * (`ip netns exec NS conntrack -L ...` for a handle opened in NS); with
   * `address`, the entries that `-s A`, `-d A`, `--reply-src A` or
   * `--reply-dst A` would each show, once.
   */
  async conntrackList(filter: ConntrackFilter = {}): Promise<ConntrackEntry[]> {
    if (typeof filter !== 'object' || filter === null) throw new TypeError('conntrackList: expected a filter object');
    const { family, address } = filter;
    if (family !== undefined && family !== 'ipv4' && family !== 'ipv6')
      throw new TypeError(`family: expected 'ipv4' or 'ipv6', got ${JSON.stringify(family)}`);
    const wanted = address === undefined ? undefined : canonicalIp(address);
    const args: Record<string, unknown> = {};
    if (family) args.family = family === 'ipv4' ? K.AF_INET : K.AF_INET6;
    const entries = (await this.request('ct.dump', args)).map(toEntry);
    return wanted === undefined ? entries : entries.filter((e) => entryAddresses(e).has(wanted));
  }

  /**
   * Open connections per address: for each address given, how many tracked
   * connections still open (see isOpenConnection) involve it, in either
   * direction. One dump, however many addresses.
   * Equivalent to: `conntrack -L | grep -c ADDR` per address, without the
   * TIME_WAIT and CLOSE entries of TCP connections already closed.
   */
  async conntrackCount(addresses: readonly string[]): Promise<Map<string, number>> {
    if (!Array.isArray(addresses)) throw new TypeError('conntrackCount: expected an array of IP addresses');
    const keyOf = new Map<string, string[]>();
    for (const a of addresses) {
      const key = canonicalIp(a);
      const given = keyOf.get(key) ?? [];
      if (!given.includes(a)) keyOf.set(key, [...given, a]);
    }
    const counts = new Map<string, number>(addresses.map((a) => [a, 0]));
    if (addresses.length === 0) return counts;
    for (const entry of await this.conntrackList()) {
      if (!isOpenConnection(entry)) continue;
      for (const address of entryAddresses(entry)) {
        for (const given of keyOf.get(address) ?? []) counts.set(given, (counts.get(given) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The table's size and limit. Equivalent to: `conntrack -C` (and sysctl net.netfilter.nf_conntrack_max). */
  async conntrackTableCounters(): Promise<ConntrackTableCounters> {
    const [stats] = await this.request('ct.stats', {});
    return { entries: Number(stats?.entries ?? 0), maxEntries: Number(stats?.maxEntries ?? 0) };
  }
}
