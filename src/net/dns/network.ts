// What the DNS server is told about a network: the contract between the
// networking layer and the server. Checked in full before it is sent, and
// again by the server, so a bad description is one clear error and changes
// nothing.
import { isIP } from 'net';
import { parseCidr } from '../../netlink/address';
import { canonicalIp, isLoopbackIp, SubnetSet } from './ip';
import { CONTAINER_NAME, dnsNameProblem } from './names';

export interface DnsSubnet {
  /** The subnet in CIDR form: '10.89.0.0/24', 'fd00:89::/64'. */
  subnet: string;
  /** The host's address on it (on the network's bridge); the server listens there, port 53, UDP and TCP. */
  gateway: string;
}

export interface DnsMember {
  /** The container (sandbox) id. The same id on several networks is one container: it resolves the names of all of them. */
  id: string;
  /** The container's name; resolves as NAME and as NAME.NETWORK. */
  name: string;
  /** Its hostname, when it should resolve too. */
  hostname?: string;
  /** Network aliases (--alias, network connect --alias); several members may share one (round robin). */
  aliases?: string[];
  /** Its IPv4 address on this network. */
  ipv4?: string;
  /** Its IPv6 address on this network. */
  ipv6?: string;
  /** --dns servers: this container's non-local queries go there instead of the host's resolvers. */
  dns?: string[];
}

export interface DnsNetwork {
  /** The network's id (stable; what removeNetwork takes). */
  id: string;
  /** The network's name; NAME.NETWORK resolves only on this network. */
  name: string;
  /** Its subnets with their gateways: only clients from these subnets are answered. */
  subnets: DnsSubnet[];
  /** The containers on it. */
  members: DnsMember[];
}

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

function fail(where: string, why: string): never {
  throw new RangeError(`invalid DNS network description: ${where}: ${why}`);
}

function checkName(where: string, value: unknown): string {
  if (typeof value !== 'string') fail(where, `expected a string, got ${typeof value}`);
  const problem = dnsNameProblem(value);
  if (problem) fail(where, `${JSON.stringify(value)} cannot be resolved by DNS: ${problem}`);
  return value;
}

function checkIpIn(where: string, value: unknown, family: 4 | 6, subnets: SubnetSet): string {
  if (typeof value !== 'string' || isIP(value) !== family) fail(where, `${JSON.stringify(value)} is not an IPv${family} address`);
  if (!subnets.has(value)) fail(where, `${value} is not in any of the network's IPv${family} subnets`);
  return canonicalIp(value);
}

/**
 * Checks a network description and returns it normalised (canonical
 * addresses, no undefined fields). Throws RangeError/TypeError naming the
 * field and the problem.
 */
export function validateDnsNetwork(input: unknown): DnsNetwork {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new TypeError('DNS network description: expected an object');
  const n = input as Record<string, unknown>;
  if (typeof n.id !== 'string' || !ID.test(n.id)) fail('id', `${JSON.stringify(n.id)} is not an id (1-128 of [a-zA-Z0-9_.-], starting with a letter or digit)`);
  if (typeof n.name !== 'string' || !CONTAINER_NAME.test(n.name)) fail('name', `${JSON.stringify(n.name)} is not a network name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  checkName('name', n.name);
  if (!Array.isArray(n.subnets) || n.subnets.length === 0) fail('subnets', 'expected at least one { subnet, gateway }');
  const subnets: DnsSubnet[] = n.subnets.map((s: unknown, i: number) => {
    const where = `subnets[${i}]`;
    if (typeof s !== 'object' || s === null) fail(where, 'expected { subnet, gateway }');
    const { subnet, gateway } = s as Record<string, unknown>;
    let cidr;
    try {
      cidr = parseCidr(subnet, `${where}.subnet`);
    } catch (err) {
      fail(`${where}.subnet`, (err as Error).message);
    }
    if (typeof gateway !== 'string' || isIP(gateway) !== cidr.family) fail(`${where}.gateway`, `${JSON.stringify(gateway)} is not an IPv${cidr.family} address`);
    if (!new SubnetSet([subnet as string]).has(gateway)) fail(`${where}.gateway`, `${gateway} is not in ${subnet}`);
    return { subnet: subnet as string, gateway: canonicalIp(gateway) };
  });
  const gateways = subnets.map((s) => s.gateway);
  const dupGw = gateways.find((g, i) => gateways.indexOf(g) !== i);
  if (dupGw) fail('subnets', `gateway ${dupGw} is given twice`);
  const v4 = new SubnetSet(subnets.filter((s) => isIP(s.gateway) === 4).map((s) => s.subnet));
  const v6 = new SubnetSet(subnets.filter((s) => isIP(s.gateway) === 6).map((s) => s.subnet));
  if (!Array.isArray(n.members)) fail('members', 'expected an array (empty when no container is attached)');
  const ids = new Set<string>();
  const addresses = new Map<string, string>();
  const members: DnsMember[] = n.members.map((m: unknown, i: number) => {
    if (typeof m !== 'object' || m === null) fail(`members[${i}]`, 'expected an object');
    const r = m as Record<string, unknown>;
    if (typeof r.id !== 'string' || !ID.test(r.id)) fail(`members[${i}].id`, `${JSON.stringify(r.id)} is not an id`);
    const where = `member ${r.id}`;
    if (ids.has(r.id)) fail(where, 'its id is given twice');
    ids.add(r.id);
    const out: DnsMember = { id: r.id, name: checkName(`${where}: name`, r.name) };
    if (r.hostname !== undefined) out.hostname = checkName(`${where}: hostname`, r.hostname);
    if (r.aliases !== undefined) {
      if (!Array.isArray(r.aliases)) fail(`${where}: aliases`, 'expected an array of names');
      out.aliases = r.aliases.map((a: unknown) => checkName(`${where}: alias`, a));
    }
    if (r.ipv4 !== undefined) out.ipv4 = checkIpIn(`${where}: ipv4`, r.ipv4, 4, v4);
    if (r.ipv6 !== undefined) out.ipv6 = checkIpIn(`${where}: ipv6`, r.ipv6, 6, v6);
    if (!out.ipv4 && !out.ipv6) fail(where, 'it has no address (ipv4 or ipv6) on the network');
    for (const ip of [out.ipv4, out.ipv6]) {
      if (!ip) continue;
      if (gateways.includes(ip)) fail(where, `${ip} is the network's gateway`);
      const other = addresses.get(ip);
      if (other) fail(where, `${ip} is already the address of member ${other}`);
      addresses.set(ip, r.id);
    }
    if (r.dns !== undefined) {
      if (!Array.isArray(r.dns)) fail(`${where}: dns`, 'expected an array of addresses');
      out.dns = r.dns.map((d: unknown) => {
        if (typeof d !== 'string' || isIP(d) === 0) fail(`${where}: dns`, `${JSON.stringify(d)} is not an IPv4 or IPv6 address`);
        if (isLoopbackIp(d))
          fail(`${where}: dns`, `${d} is a loopback address: the DNS server forwards from the host, where the container's own loopback cannot be reached`);
        return canonicalIp(d);
      });
    }
    return out;
  });
  return { id: n.id, name: n.name, subnets, members };
}
