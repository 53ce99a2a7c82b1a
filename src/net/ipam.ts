// IP address management: choosing a network's subnet (from default pools like
// Docker's, skipping what the host already routes), validating --subnet,
// --ip-range, --gateway and --aux-address, and handing out addresses
// round-robin inside one store transaction. IPv4.
import type IPCIDRClass from 'ip-cidr';
import { isIPv4 } from 'net';
import { NetplumbError } from './errors';
import type { NetworkRecord, StateTx } from './state/store';

/** An IPv4 prefix as numbers: first (network) and last (broadcast) address. */
export interface Prefix {
  cidr: string;
  prefixlen: number;
  first: number;
  last: number;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

// ip-cidr (and the four modules under it) is loaded on first use: most commands
// that load this file (`network rm`, `rm`, `ps`) parse no prefix.
let ipcidr: typeof IPCIDRClass | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const IPCIDR = () => (ipcidr ??= require('ip-cidr') as typeof IPCIDRClass);

/** Parses an IPv4 CIDR whose host bits are zero; `what` names the option in errors. */
export function parsePrefix(text: string, what: string): Prefix {
  const [address, len] = text.split('/');
  if (len === undefined || !isIPv4(address) || !IPCIDR().isValidCIDR(text)) {
    if (len !== undefined && IPCIDR().isValidCIDR(text)) throw new NetplumbError(`${what} ${text}: only IPv4 networks are supported`);
    throw new NetplumbError(`${what} ${JSON.stringify(text)} is not an IPv4 prefix in CIDR form (like 10.1.0.0/16)`);
  }
  const cidr = new (IPCIDR())(text);
  const start = cidr.start<string>();
  if (start !== address) throw new NetplumbError(`${what} ${text} has host bits set; the prefix is ${start}/${len}`);
  return { cidr: text, prefixlen: Number(len), first: ipToNumber(start), last: ipToNumber(cidr.end<string>()) };
}

/** Any prefix, host bits allowed (a host route or an address with its prefix length). */
export function coveringPrefix(address: string, prefixlen: number): Prefix {
  const cidr = new (IPCIDR())(`${address}/${prefixlen}`);
  const start = cidr.start<string>();
  return { cidr: `${start}/${prefixlen}`, prefixlen, first: ipToNumber(start), last: ipToNumber(cidr.end<string>()) };
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function inPrefix(p: Prefix, ip: number): boolean {
  return ip >= p.first && ip <= p.last;
}

function parseIp(text: string, what: string): number {
  if (!isIPv4(text)) throw new NetplumbError(`${what} ${JSON.stringify(text)} is not an IPv4 address`);
  return ipToNumber(text);
}

/** Docker's default address pools: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
export const DEFAULT_POOLS: ReadonlyArray<{ base: string; size: number }> = [
  { base: '172.17.0.0/16', size: 16 },
  { base: '172.18.0.0/15', size: 16 },
  { base: '172.20.0.0/14', size: 16 },
  { base: '172.24.0.0/14', size: 16 },
  { base: '172.28.0.0/14', size: 16 },
  { base: '192.168.0.0/16', size: 20 },
];

/** Something already using addresses: another netplumb network, or a route or address on the host. */
export interface TakenPrefix {
  prefix: Prefix;
  /** Who uses it, for the error message: 'network web', 'route 10.0.0.0/8 dev eth0'. */
  by: string;
}

/** The first default-pool subnet that overlaps nothing taken. */
export function chooseSubnet(taken: TakenPrefix[], pools = DEFAULT_POOLS): Prefix {
  for (const pool of pools) {
    const base = parsePrefix(pool.base, 'pool');
    const step = 2 ** (32 - pool.size);
    for (let first = base.first; first + step - 1 <= base.last; first += step) {
      const candidate: Prefix = { cidr: `${numberToIp(first)}/${pool.size}`, prefixlen: pool.size, first, last: first + step - 1 };
      if (!taken.some((t) => overlaps(t.prefix, candidate))) return candidate;
    }
  }
  throw new NetplumbError('no free subnet left in the default address pools; give one with --subnet', 'ENOSPC');
}

export interface IpamRequest {
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

export interface IpamConfig {
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
}

/**
 * A network's addressing, validated: the subnet given (checked against
 * `conflicts`) or chosen from the pools (skipping `conflicts` and `avoid`),
 * the gateway (first host address unless given), ip-range and aux addresses
 * inside the subnet.
 *   conflicts: what a subnet may never overlap (other netplumb networks; for
 *              bridges, the host's own routes and addresses too)
 *   avoid:     what only automatic selection steers clear of
 */
export function planNetworkIpam(req: IpamRequest, conflicts: TakenPrefix[], avoid: TakenPrefix[] = []): IpamConfig {
  if (!req.subnet) {
    for (const [flag, value] of [['--ip-range', req.ipRange], ['--gateway', req.gateway], ['--aux-address', req.auxAddresses && Object.keys(req.auxAddresses).length ? 'x' : undefined]] as const)
      if (value !== undefined) throw new NetplumbError(`${flag} needs --subnet`);
  }
  let subnet: Prefix;
  if (req.subnet) {
    subnet = parsePrefix(req.subnet, 'subnet');
    if (subnet.prefixlen > 30) throw new NetplumbError(`subnet ${req.subnet} is too small: a network needs at least a /30 (a gateway and one address)`);
    const clash = conflicts.find((t) => overlaps(t.prefix, subnet));
    if (clash) throw new NetplumbError(`subnet ${req.subnet} overlaps ${clash.by} (${clash.prefix.cidr})`, 'EEXIST');
  } else {
    subnet = chooseSubnet([...conflicts, ...avoid]);
  }
  const network = subnet.first;
  const broadcast = subnet.last;
  const where = (ip: number) => ip === network ? 'the subnet\'s network address' : ip === broadcast ? 'the subnet\'s broadcast address' : '';

  let gateway = network + 1;
  if (req.gateway !== undefined) {
    gateway = parseIp(req.gateway, 'gateway');
    if (!inPrefix(subnet, gateway)) throw new NetplumbError(`gateway ${req.gateway} is not in subnet ${subnet.cidr}`);
    if (where(gateway)) throw new NetplumbError(`gateway ${req.gateway} is ${where(gateway)} of ${subnet.cidr}`);
  }

  let ipRange: string | undefined;
  if (req.ipRange !== undefined) {
    const range = parsePrefix(req.ipRange, 'ip-range');
    if (range.first < subnet.first || range.last > subnet.last) throw new NetplumbError(`ip-range ${req.ipRange} is not inside subnet ${subnet.cidr}`);
    ipRange = range.cidr;
  }

  const auxAddresses: Record<string, string> = {};
  const seen = new Map<number, string>([[gateway, 'the gateway']]);
  for (const [name, ip] of Object.entries(req.auxAddresses ?? {})) {
    const n = parseIp(ip, `aux-address ${name}`);
    if (!inPrefix(subnet, n)) throw new NetplumbError(`aux-address ${name}=${ip} is not in subnet ${subnet.cidr}`);
    if (where(n)) throw new NetplumbError(`aux-address ${name}=${ip} is ${where(n)} of ${subnet.cidr}`);
    if (seen.has(n)) throw new NetplumbError(`aux-address ${name}=${ip} is already ${seen.get(n)}`);
    seen.set(n, `aux-address ${name}`);
    auxAddresses[name] = ip;
  }
  const config: IpamConfig = { subnet: subnet.cidr, gateway: numberToIp(gateway), auxAddresses };
  if (ipRange) config.ipRange = ipRange;
  if (freeCount(config) === 0) throw new NetplumbError(`no address left to hand out in ${ipRange ? `ip-range ${ipRange}` : `subnet ${subnet.cidr}`} once the gateway and aux addresses are kept out`, 'ENOSPC');
  return config;
}

/** Addresses never handed out: network, broadcast, gateway, aux addresses -> why. */
function reservedAddresses(net: Pick<NetworkRecord, 'subnet' | 'gateway' | 'auxAddresses'>): Map<number, string> {
  const subnet = parsePrefix(net.subnet, 'subnet');
  const reserved = new Map<number, string>([
    [subnet.first, `the network address of ${net.subnet}`],
    [subnet.last, `the broadcast address of ${net.subnet}`],
    [ipToNumber(net.gateway), 'the gateway'],
  ]);
  for (const [name, ip] of Object.entries(net.auxAddresses)) reserved.set(ipToNumber(ip), `reserved as aux-address ${name}`);
  return reserved;
}

function allocationRange(net: Pick<NetworkRecord, 'subnet' | 'ipRange'>): Prefix {
  return parsePrefix(net.ipRange ?? net.subnet, 'ip-range');
}

function freeCount(net: Pick<NetworkRecord, 'subnet' | 'gateway' | 'auxAddresses' | 'ipRange'>): number {
  const range = allocationRange(net);
  let n = range.last - range.first + 1;
  for (const ip of reservedAddresses(net).keys()) if (inPrefix(range, ip)) n--;
  return n;
}

/**
 * Hands out an address on `net` to `owner`, inside the caller's (IMMEDIATE)
 * transaction: the one requested (anywhere in the subnet, as Docker's --ip),
 * or the next free one after the last handed out, wrapping around the
 * ip-range (or subnet), so a just-freed address is not reused at once.
 */
export function allocateAddress(tx: StateTx, net: NetworkRecord, owner: string, requested?: string): string {
  const reserved = reservedAddresses(net);
  const used = tx.allocatedAddresses(net.id);
  if (requested !== undefined) {
    const n = parseIp(requested, 'ip');
    if (!inPrefix(parsePrefix(net.subnet, 'subnet'), n)) throw new NetplumbError(`ip ${requested} is not in subnet ${net.subnet} of network ${net.name}`);
    if (reserved.has(n)) throw new NetplumbError(`ip ${requested} is ${reserved.get(n)} of network ${net.name}`, 'EEXIST');
    if (used.has(requested)) throw new NetplumbError(`ip ${requested} is already in use on network ${net.name}`, 'EEXIST');
    tx.takeAddress(net.id, requested, owner);
    return requested;
  }
  const range = allocationRange(net);
  const size = range.last - range.first + 1;
  const cursor = tx.getCursor(net.id);
  const last = cursor !== undefined ? ipToNumber(cursor) : range.first - 1;
  const start = last >= range.first && last <= range.last ? last + 1 : range.first;
  for (let i = 0; i < size; i++) {
    const n = range.first + ((start - range.first + i) % size);
    if (reserved.has(n)) continue;
    const ip = numberToIp(n);
    if (used.has(ip)) continue;
    tx.takeAddress(net.id, ip, owner);
    tx.setCursor(net.id, ip);
    return ip;
  }
  throw new NetplumbError(`no free address left on network ${net.name} (${net.ipRange ? `ip-range ${net.ipRange}` : `subnet ${net.subnet}`})`, 'ENOSPC');
}

/** Docker's scheme: 02:42 followed by the IPv4 address, so a MAC follows from the address. */
export function macForAddress(ip: string): string {
  return ['02', '42', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}
