// `netplumb stats`: what to watch, from the state store. A container is its
// interfaces inside its namespace (eth0, eth1 ...) and its addresses; a
// network is its bridge and its members' addresses. The targets are read
// again before every sample, so containers that come and go while the table
// refreshes come and go in it too.
import { ConntrackHandle } from '../../netlink/conntrack';
import { NetplumbError } from '../errors';
import { StatsSampler, type StatsSnapshot } from '../stats/sampler';
import type { StatsTarget } from '../stats/target';
import type { StatsSource } from '../stats/watch';
import type { Runtime } from '../runtime';
import type { EndpointRecord, NetworkRecord, SandboxRecord, StateTx } from '../state/store';

/** A sandbox's target, or why it has none. */
function containerTarget(tx: StateTx, sb: SandboxRecord): StatsTarget | string {
  if (sb.status !== 'ready') return `sandbox ${sb.name} is still being created`;
  if (sb.mode.kind === 'host') return `sandbox ${sb.name} runs in network mode host: it has no interfaces of its own (its traffic is the host's)`;
  if (sb.mode.kind === 'none') return `sandbox ${sb.name} runs in network mode none: it has no interfaces but lo`;
  // A joiner (container:X) shares X's namespace and interfaces, so it shows X's traffic, as docker stats does.
  const owner = sb.mode.kind === 'container' ? tx.getSandbox(sb.mode.sandboxId) : sb;
  if (!owner?.netns) return `sandbox ${sb.name} joins a sandbox that no longer exists`;
  const endpoints = tx.listEndpoints({ sandboxId: owner.id });
  if (endpoints.length === 0) return `sandbox ${sb.name} is connected to no network: it has no interfaces but lo`;
  return {
    kind: 'container',
    name: sb.name,
    netns: owner.netns,
    links: endpoints.map((e) => e.ifname),
    addresses: endpoints.map((e) => e.address),
  };
}

/** A network's target (its bridge), or why it has none. */
function networkTarget(tx: StateTx, net: NetworkRecord, members?: EndpointRecord[]): StatsTarget | string {
  if (net.status !== 'ready') return `network ${net.name} is still being created`;
  if (net.driver !== 'bridge') return `network ${net.name} uses the ${net.driver} driver: it has no bridge of its own (its traffic shows in its containers' rows)`;
  return {
    kind: 'network',
    name: net.name,
    links: [net.device],
    addresses: (members ?? tx.listEndpoints({ networkId: net.id })).map((e) => e.address),
  };
}

export interface StatsTargetsOptions {
  /**
   * Containers and networks by name or id; absent or empty: every container
   * with interfaces of its own and every bridge network.
   */
  names?: string[];
  /**
   * true (the default): a name that is unknown, or that has nothing to count
   * (host mode, a macvlan network), is an error. false: it is left out (a
   * refreshing table keeps going when a container goes away).
   */
  strict?: boolean;
}

/**
 * The stats targets of containers and networks, from the state store. A name
 * may be a container's and a network's at once: both are shown.
 */
export async function statsTargets(rt: Runtime, options: StatsTargetsOptions = {}): Promise<StatsTarget[]> {
  const names = options.names ?? [];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n.length > 0)) throw new TypeError('stats: names must be an array of non-empty strings');
  const strict = options.strict ?? true;
  return rt.store.read((tx) => {
    const out: StatsTarget[] = [];
    const seen = new Set<string>();
    const add = (t: StatsTarget | string) => {
      if (typeof t === 'string') {
        if (strict && names.length) throw new NetplumbError(`cannot show stats: ${t}`);
        return;
      }
      const key = `${t.kind}\0${t.name}`;
      if (!seen.has(key)) out.push(t);
      seen.add(key);
    };
    if (names.length === 0) {
      for (const sb of tx.listSandboxes()) add(containerTarget(tx, sb));
      const endpoints = tx.listEndpoints();
      for (const net of tx.listNetworks()) add(networkTarget(tx, net, endpoints.filter((e) => e.networkId === net.id)));
      return out;
    }
    for (const name of names) {
      const sb = tx.getSandbox(name);
      const net = tx.getNetwork(name);
      if (!sb && !net) {
        if (strict) throw new NetplumbError(`no such container or network: ${name}`, 'ENOENT');
        continue;
      }
      if (sb) add(containerTarget(tx, sb));
      if (net) add(networkTarget(tx, net));
    }
    return out;
  });
}

export interface NetplumbStatsOptions {
  names?: string[];
  /** Count open connections with conntrack (default true). */
  connections?: boolean;
}

/**
 * Stats of netplumb's containers and networks, sampled on demand: hand it to
 * watchStats (the CLI's loop) or call sample() yourself. Equivalent to:
 * `docker stats --no-stream` per sample, network columns only.
 */
export class NetplumbStats implements StatsSource {
  private constructor(
    private readonly rt: Runtime,
    private readonly names: string[],
    private readonly sampler: StatsSampler,
    /** Why connections are not counted (the host's conntrack table cannot be read); undefined when they are. */
    readonly connectionsUnavailable: string | undefined,
  ) {}

  /** Resolves the names now (an unknown one is an error here, not later) and opens the sampler. */
  static async open(rt: Runtime, options: NetplumbStatsOptions = {}): Promise<NetplumbStats> {
    const names = options.names ?? [];
    const targets = await statsTargets(rt, { names, strict: true });
    let unavailable: string | undefined;
    if (options.connections ?? true) {
      // Connections are counted in the host's table; if it cannot be read at all, the other columns still can.
      try {
        const probe = await ConntrackHandle.open();
        try { await probe.conntrackList({ family: 'ipv4' }); } finally { probe.close(); }
      } catch (err) {
        unavailable = `open connections are not counted: the conntrack table cannot be read (${(err as Error).message})`;
      }
    }
    const sampler = StatsSampler.create(targets, { connections: (options.connections ?? true) && unavailable === undefined });
    return new NetplumbStats(rt, names, sampler, unavailable);
  }

  /** Reads the targets again (containers come and go), then samples them. */
  async sample(): Promise<StatsSnapshot> {
    this.sampler.setTargets(await statsTargets(this.rt, { names: this.names, strict: false }));
    return this.sampler.sample();
  }

  close(): void {
    this.sampler.close();
  }
}
