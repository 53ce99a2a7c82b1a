// Samples link counters (one link dump per namespace) and conntrack tables (one
// dump per table), sums them per target, and turns two samples into rates per
// second. Nothing polls by itself: the caller (watchStats, or the CLI) decides
// when to sample.
import { Netlink } from '../../netlink/handle';
import { ConntrackHandle, canonicalIp, entryAddresses, isOpenConnection, type ConntrackEntry } from '../../netlink/conntrack';
import { NetlinkError } from '../../errors';
import { NetNs } from '../../netns';
import type { Link, LinkStats } from '../../netlink/links';
import { checkStatsTargets, type StatsTarget, type StatsTargetKind } from './target';

/** The counters summed over a target's links, as `ip -s link` shows them per link. */
export interface StatsCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

/** Change per second since the previous sample. */
export interface StatsRates {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

export interface StatsRow extends StatsCounters {
  kind: StatsTargetKind;
  name: string;
  /** Per second since the previous sample; null on the first. */
  rates: StatsRates | null;
  /** Open connections involving the target's addresses; null when not counted. */
  connections: number | null;
  /** Links of the target that do not exist (now); their counters are not in the sums. */
  missingLinks: string[];
}

export interface StatsSnapshot {
  /** When the sample was taken (ISO 8601). */
  time: string;
  /** Seconds since the previous sample; null on the first. */
  intervalSeconds: number | null;
  rows: StatsRow[];
}

export interface StatsSamplerOptions {
  /** The sampler's own namespace (the "host"); absent: this process's. */
  netns?: string;
  /** Count connections with conntrack (default true). */
  connections?: boolean;
  /** Clock in nanoseconds (tests); default process.hrtime.bigint. */
  clock?: () => bigint;
}

const COUNTERS: ReadonlyArray<keyof StatsCounters & keyof LinkStats> = [
  'rxBytes', 'txBytes', 'rxPackets', 'txPackets', 'rxErrors', 'txErrors', 'rxDropped', 'txDropped',
];
const RATED: ReadonlyArray<keyof StatsRates> = ['rxBytes', 'txBytes', 'rxPackets', 'txPackets'];

interface LinkReading {
  index: number;
  stats: LinkStats;
}

/** '' stands for the sampler's own namespace. */
type NsKey = string;

export class StatsSampler {
  private readonly links = new Map<NsKey, Netlink>();
  private readonly tables = new Map<NsKey, ConntrackHandle>();
  private previous: { at: bigint; readings: Map<string, LinkReading> } | undefined;
  private closed = false;

  private constructor(
    private targets: StatsTarget[],
    private readonly options: StatsSamplerOptions,
  ) {}

  /** Checks the targets and returns a sampler; handles open on first use. */
  static create(targets: readonly StatsTarget[], options: StatsSamplerOptions = {}): StatsSampler {
    checkStatsTargets(targets);
    return new StatsSampler(targets.map((t) => ({ ...t, links: [...t.links], addresses: [...t.addresses] })), options);
  }

  /** Replaces the watched targets (containers come and go); rates continue for links seen before. */
  setTargets(targets: readonly StatsTarget[]): void {
    checkStatsTargets(targets);
    this.targets = targets.map((t) => ({ ...t, links: [...t.links], addresses: [...t.addresses] }));
    // Sockets of namespaces no longer watched are closed (they would keep a removed namespace alive).
    const linkNs = new Set(this.targets.map((t) => this.nsOf(t.netns)));
    const tableNs = new Set(this.targets.filter((t) => t.conntrackNetns !== null).map((t) => this.nsOf(t.conntrackNetns ?? undefined)));
    for (const [ns, h] of this.links) if (!linkNs.has(ns)) { h.close(); this.links.delete(ns); }
    for (const [ns, h] of this.tables) if (!tableNs.has(ns)) { h.close(); this.tables.delete(ns); }
  }

  private nsOf(netns: string | undefined): NsKey {
    return netns ?? this.options.netns ?? '';
  }

  /**
   * The namespace behind a name, checked on every sample: a socket keeps its
   * namespace alive, so a handle whose namespace was deleted (or replaced by a
   * new one of the same name) is closed at once, not kept.
   */
  private async current(ns: NsKey): Promise<NetNs | undefined> {
    if (!ns) return undefined;
    let found: NetNs;
    try {
      found = await NetNs.open(ns);
    } catch (err) {
      this.drop(ns);
      throw err;
    }
    const held = this.links.get(ns)?.netns ?? this.tables.get(ns)?.netns;
    if (held && held.inode !== found.inode) this.drop(ns);
    return found;
  }

  private drop(ns: NsKey): void {
    this.links.get(ns)?.close();
    this.tables.get(ns)?.close();
    this.links.delete(ns);
    this.tables.delete(ns);
  }

  private async linkHandle(ns: NsKey): Promise<Netlink> {
    const netns = await this.current(ns);
    let h = this.links.get(ns);
    if (!h) {
      h = await Netlink.open({ netns });
      this.links.set(ns, h);
    }
    return h;
  }

  private async conntrackHandle(ns: NsKey): Promise<ConntrackHandle> {
    const netns = await this.current(ns);
    let h = this.tables.get(ns);
    if (!h) {
      h = await ConntrackHandle.open({ netns });
      this.tables.set(ns, h);
    }
    return h;
  }

  /** The links of a namespace; null when the namespace is gone (its container was removed). */
  private async linksIn(ns: NsKey): Promise<Link[] | null> {
    try {
      return await (await this.linkHandle(ns)).linkList();
    } catch (err) {
      if (ns && isGone(err)) return null;
      throw err;
    }
  }

  private async connectionsIn(ns: NsKey): Promise<ConntrackEntry[] | null> {
    try {
      return await (await this.conntrackHandle(ns)).conntrackList();
    } catch (err) {
      if (ns && isGone(err)) return null;
      throw err;
    }
  }

  /**
   * Reads every target's counters (and connections) now. Equivalent to
   * `ip -s -j link show` in each namespace, summed per target, plus
   * `conntrack -L` counted per address.
   */
  async sample(): Promise<StatsSnapshot> {
    if (this.closed) throw new Error('stats sampler is closed');
    const clock = this.options.clock ?? process.hrtime.bigint;
    const countConnections = this.options.connections ?? true;

    // One link dump per namespace, one conntrack dump per table, all at once.
    const linkNamespaces = new Set(this.targets.map((t) => this.nsOf(t.netns)));
    const conntrackNamespaces = new Set<NsKey>();
    if (countConnections) for (const t of this.targets) if (t.conntrackNetns !== null) conntrackNamespaces.add(this.nsOf(t.conntrackNetns));
    const at = clock();
    const [linkLists, connectionLists] = await Promise.all([
      Promise.all([...linkNamespaces].map(async (ns) => [ns, await this.linksIn(ns)] as const)),
      Promise.all([...conntrackNamespaces].map(async (ns) => [ns, await this.connectionsIn(ns)] as const)),
    ]);
    const connections = countConnections ? this.countConnections(new Map(connectionLists)) : [];
    const byNs = new Map<NsKey, Map<string, Link>>(linkLists.map(([ns, list]) => [ns, new Map((list ?? []).map((l) => [l.name, l]))]));

    const readings = new Map<string, LinkReading>();
    const prev = this.previous;
    const intervalSeconds = prev ? Number(at - prev.at) / 1e9 : null;
    const rows: StatsRow[] = this.targets.map((t, i) => {
      const ns = this.nsOf(t.netns);
      const present = byNs.get(ns)!;
      const sums = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as unknown as StatsCounters;
      const deltas = Object.fromEntries(RATED.map((c) => [c, 0])) as unknown as StatsRates;
      const missingLinks: string[] = [];
      for (const name of new Set(t.links)) {
        const link = present.get(name);
        if (!link || !link.stats) {
          missingLinks.push(name);
          continue;
        }
        const key = `${ns}\0${name}`;
        readings.set(key, { index: link.index, stats: link.stats });
        for (const c of COUNTERS) sums[c] += link.stats[c];
        const before = prev?.readings.get(key);
        for (const c of RATED) {
          // Not watched before: no rate yet. Made anew since (other index, or counters gone back): counted from zero.
          if (!before) continue;
          const same = before.index === link.index && before.stats[c] <= link.stats[c];
          deltas[c] += same ? link.stats[c] - before.stats[c] : link.stats[c];
        }
      }
      const rates =
        intervalSeconds && intervalSeconds > 0
          ? (Object.fromEntries(RATED.map((c) => [c, deltas[c] / intervalSeconds])) as unknown as StatsRates)
          : null;
      return { kind: t.kind, name: t.name, ...sums, rates, connections: connections[i] ?? null, missingLinks };
    });
    this.previous = { at, readings };
    return { time: new Date().toISOString(), intervalSeconds, rows };
  }

  /**
   * Open connections per target: the entries of the target's conntrack table
   * that involve any of its addresses, each entry once per target (a
   * connection between two members of one network counts once for it).
   */
  private countConnections(tables: Map<NsKey, ConntrackEntry[] | null>): Array<number | null> {
    const counts: Array<number | null> = this.targets.map((t) => (t.conntrackNetns === null || tables.get(this.nsOf(t.conntrackNetns)) === null ? null : 0));
    for (const [ns, entries] of tables) {
      if (!entries) continue;
      const targetsOf = new Map<string, number[]>();
      this.targets.forEach((t, i) => {
        if (t.conntrackNetns === null || this.nsOf(t.conntrackNetns) !== ns) return;
        for (const a of t.addresses) {
          const key = canonicalIp(a);
          targetsOf.set(key, [...(targetsOf.get(key) ?? []), i]);
        }
      });
      for (const entry of entries) {
        if (!isOpenConnection(entry)) continue;
        const hit = new Set<number>();
        for (const a of entryAddresses(entry)) for (const i of targetsOf.get(a) ?? []) hit.add(i);
        for (const i of hit) counts[i] = (counts[i] ?? 0) + 1;
      }
    }
    return counts;
  }

  /** Closes every socket the sampler opened. */
  close(): void {
    this.closed = true;
    for (const h of this.links.values()) h.close();
    for (const h of this.tables.values()) h.close();
    this.links.clear();
    this.tables.clear();
  }
}

/** A namespace that no longer exists (or is no namespace any more). */
function isGone(err: unknown): boolean {
  return err instanceof NetlinkError && (err.code === 'ENOENT' || err.code === 'EINVAL');
}
