// The names the DNS server answers for itself: every served network's
// members, indexed for lookup by name and by address, and the rules for who
// may see what.
import { isIP } from 'net';
import { addressOfReverseName } from './ip';
import { SubnetSet } from './ip';
import { canonicalName } from './names';
import { DnsMember, DnsNetwork } from './network';

interface IndexedNetwork {
  net: DnsNetwork;
  subnets: SubnetSet;
  /** Canonical name (name, hostname, alias) -> members answering to it. */
  byName: Map<string, DnsMember[]>;
  /** Canonical address -> member. */
  byIp: Map<string, DnsMember>;
}

export type Lookup =
  /** The client is not on the network whose address it asked: it gets nothing. */
  | { kind: 'refused' }
  /** A local answer: records of the asked type (maybe none: the name exists with other types), or NXDOMAIN. */
  | { kind: 'answer'; nxdomain: boolean; records: Array<{ name: string; type: 'A' | 'AAAA' | 'PTR'; data: string }> }
  /** Not a local name: forward, to the container's own --dns servers when it has some. */
  | { kind: 'forward'; servers?: string[] };

function index(net: DnsNetwork): IndexedNetwork {
  const byName = new Map<string, DnsMember[]>();
  const byIp = new Map<string, DnsMember>();
  for (const m of net.members) {
    const names = new Set([m.name, m.hostname, ...(m.aliases ?? [])].filter((x): x is string => !!x).map(canonicalName));
    for (const n of names) {
      const list = byName.get(n);
      if (list) list.push(m);
      else byName.set(n, [m]);
    }
    if (m.ipv4) byIp.set(m.ipv4, m);
    if (m.ipv6) byIp.set(m.ipv6, m);
  }
  return { net, subnets: new SubnetSet(net.subnets.map((s) => s.subnet)), byName, byIp };
}

function shuffled<T>(list: T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export class NameTable {
  private readonly networks = new Map<string, IndexedNetwork>();

  /** Adds or replaces a network (already validated). The swap is one assignment: a query sees the old or the new membership, never a mix. */
  set(net: DnsNetwork): void {
    this.networks.set(net.id, index(net));
  }

  remove(id: string): boolean {
    return this.networks.delete(id);
  }

  get(id: string): DnsNetwork | undefined {
    return this.networks.get(id)?.net;
  }

  get size(): number {
    return this.networks.size;
  }

  list(): DnsNetwork[] {
    return [...this.networks.values()].map((n) => n.net);
  }

  /**
   * What a client at clientIp, asking the server on network networkId's
   * gateway, gets for one question. Names resolve on that network and on the
   * other networks the same container is attached to; nowhere else.
   */
  lookup(networkId: string, clientIp: string, qname: string, qtype: string): Lookup {
    const home = this.networks.get(networkId);
    if (!home || !home.subnets.has(clientIp)) return { kind: 'refused' };
    const client = home.byIp.get(clientIp);
    const scope = [home];
    if (client) {
      for (const other of this.networks.values())
        if (other !== home && other.net.members.some((m) => m.id === client.id)) scope.push(other);
    }
    const name = canonicalName(qname);

    if (qtype === 'PTR') {
      const ip = addressOfReverseName(name);
      if (ip === undefined) return { kind: 'forward', servers: client?.dns };
      for (const n of scope) {
        const m = n.byIp.get(ip);
        if (m) return { kind: 'answer', nxdomain: false, records: [{ name: qname, type: 'PTR', data: `${m.name}.${n.net.name}` }] };
      }
      // an unused address of one of our own subnets is ours to deny, not something to leak upstream
      if (scope.some((n) => n.subnets.has(ip))) return { kind: 'answer', nxdomain: true, records: [] };
      return { kind: 'forward', servers: client?.dns };
    }

    for (const n of scope) {
      let members = n.byName.get(name);
      if (!members) {
        const suffix = `.${canonicalName(n.net.name)}`;
        if (name.endsWith(suffix)) members = n.byName.get(name.slice(0, -suffix.length));
      }
      if (!members) continue;
      const records: Array<{ name: string; type: 'A' | 'AAAA'; data: string }> = [];
      if (qtype === 'A' || qtype === 'AAAA') {
        const key = qtype === 'A' ? 'ipv4' : 'ipv6';
        for (const m of shuffled(members)) {
          const ip = m[key];
          if (ip && isIP(ip) && !records.some((r) => r.data === ip)) records.push({ name: qname, type: qtype, data: ip });
        }
      }
      // the name is ours: other types get an empty answer, never a forward that could contradict it
      return { kind: 'answer', nxdomain: false, records };
    }
    return { kind: 'forward', servers: client?.dns };
  }
}
