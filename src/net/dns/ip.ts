// IP address helpers for the DNS side: canonical text, loopback test, subnet
// membership, and the reverse (PTR) names in-addr.arpa / ip6.arpa.
import { BlockList, isIP } from 'net';
import { parseCidr } from '../../netlink/address';

/** The 16 (IPv6) or 4 (IPv4) bytes of an address; undefined when it is not one. */
export function ipBytes(text: string): Buffer | undefined {
  const family = isIP(text);
  if (family === 4) return Buffer.from(text.split('.').map(Number));
  if (family !== 6) return undefined;
  let head = text;
  let tail4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // an embedded IPv4 tail (::ffff:192.0.2.1) stands for the last two groups
    tail4 = text.slice(lastColon + 1).split('.').map(Number);
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (tail4.length === 4) Buffer.from(tail4).copy(out, 12);
  return out;
}

/** One text form per address ('2001:DB8:0::1' and '2001:db8::1' give the same), so addresses compare as strings. */
export function canonicalIp(text: string): string {
  const bytes = ipBytes(text);
  if (!bytes) throw new TypeError(`${JSON.stringify(text)} is not an IPv4 or IPv6 address`);
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // RFC 5952: the longest run (of two or more) of zero groups becomes '::'
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** 127.0.0.0/8 and ::1: addresses only the host itself can reach. */
export function isLoopbackIp(text: string): boolean {
  const bytes = ipBytes(text);
  if (!bytes) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
}

/** The PTR name of an address: 2.0.89.10.in-addr.arpa, or the 32 nibbles of ip6.arpa. */
export function reverseName(ip: string): string {
  const bytes = ipBytes(ip);
  if (!bytes) throw new TypeError(`${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (const b of bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/** The address a full PTR name stands for, or undefined (a partial name such as 10.in-addr.arpa, or not reverse at all). */
export function addressOfReverseName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)) return undefined;
    return parts.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const parts = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (parts.length !== 32 || !parts.every((p) => /^[0-9a-f]$/.test(p))) return undefined;
    const hex = parts.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    return canonicalIp(groups.join(':'));
  }
  return undefined;
}

/** A set of subnets that answers "is this address in one of them?". */
export class SubnetSet {
  private readonly list = new BlockList();

  constructor(cidrs: string[]) {
    for (const text of cidrs) {
      const c = parseCidr(text, 'subnet');
      this.list.addSubnet(c.address, c.prefixlen, c.family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  has(ip: string): boolean {
    const family = isIP(ip);
    if (family === 0) return false;
    return this.list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}
