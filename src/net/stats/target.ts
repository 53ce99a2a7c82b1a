// What `netplumb stats` watches: a container (its interfaces inside its
// namespace) or a network (its bridge), and the addresses whose connections
// count for it. The networking layer builds these from its state; this module
// knows nothing of how networks and containers are stored.
import { checkNetnsName } from '../../netns';
import { canonicalIp } from '../../netlink/conntrack';
import { checkLinkName } from '../../netlink/request';

export type StatsTargetKind = 'container' | 'network';

export interface StatsTarget {
  kind: StatsTargetKind;
  /** The container's or network's name, as the user knows it. */
  name: string;
  /** The namespace (a name under /run/netns) that holds `links`; absent: the sampler's own namespace. */
  netns?: string;
  /**
   * Interfaces whose 64-bit counters are summed. For a container: its
   * interfaces inside its namespace (eth0 ...), so rx is what the container
   * received, as in `docker stats`. For a network: its bridge, whose own
   * counters are the traffic between the network and the host (and beyond,
   * through the gateway); traffic bridged between members shows in theirs.
   */
  links: string[];
  /** Addresses whose open connections are counted: a container's, or a network's members'. */
  addresses: string[];
  /**
   * The namespace whose conntrack table is counted; absent: the sampler's own
   * (the host); null: do not count. A table holds entries only where a rule
   * needs conntrack (the host's NAT does). The host's table sees what is
   * routed or NATed through the host, and traffic bridged between members
   * only while net.bridge.bridge-nf-call-iptables=1; a container's own table
   * (once a rule activates it there) sees all of that container's connections.
   */
  conntrackNetns?: string | null;
}

const KINDS: readonly StatsTargetKind[] = ['container', 'network'];

/** Checks every field; argument mistakes are TypeError/RangeError naming the target. */
export function checkStatsTargets(targets: readonly StatsTarget[]): void {
  if (!Array.isArray(targets)) throw new TypeError('stats: expected an array of targets');
  const seen = new Set<string>();
  targets.forEach((t, i) => {
    const at = `stats target ${i}`;
    if (typeof t !== 'object' || t === null) throw new TypeError(`${at}: expected an object`);
    if (!KINDS.includes(t.kind)) throw new TypeError(`${at}: kind must be 'container' or 'network', got ${JSON.stringify(t.kind)}`);
    if (typeof t.name !== 'string' || t.name.length === 0) throw new TypeError(`${at}: name must be a non-empty string`);
    const what = `${t.kind} ${t.name}`;
    const id = `${t.kind}\0${t.name}`;
    if (seen.has(id)) throw new TypeError(`stats: ${what} is listed twice`);
    seen.add(id);
    if (t.netns !== undefined) checkNetnsName(t.netns);
    if (t.conntrackNetns !== undefined && t.conntrackNetns !== null) checkNetnsName(t.conntrackNetns);
    if (!Array.isArray(t.links) || t.links.length === 0) throw new TypeError(`${what}: links must list at least one interface`);
    for (const l of t.links) checkLinkName(l, `${what}: link`);
    if (!Array.isArray(t.addresses)) throw new TypeError(`${what}: addresses must be an array of IP addresses`);
    for (const a of t.addresses) canonicalIp(a, `${what}: address`);
  });
}
