// IP and CIDR text, checked before anything reaches the kernel.
import { isIP } from 'net';

export interface Cidr {
  address: string;
  prefixlen: number;
  family: 4 | 6;
}

/** '192.0.2.1/24', '2001:db8::1/64'; a bare address means a host prefix (/32, /128). */
export function parseCidr(text: unknown, what = 'address'): Cidr {
  if (typeof text !== 'string') throw new TypeError(`${what}: expected an address in CIDR form, got ${typeof text}`);
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new TypeError(`${what}: ${JSON.stringify(text)} is not an IPv4 or IPv6 address in CIDR form`);
  const max = family === 4 ? 32 : 128;
  let prefixlen = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new RangeError(`${what}: prefix length in ${JSON.stringify(text)} must be 0 to ${max}`);
    prefixlen = Number(p);
  }
  return { address, prefixlen, family: family as 4 | 6 };
}

/** A bare IP address. */
export function checkIp(text: unknown, what: string): 4 | 6 {
  const family = typeof text === 'string' ? isIP(text) : 0;
  if (family === 0) throw new TypeError(`${what}: ${JSON.stringify(text)} is not an IPv4 or IPv6 address`);
  return family as 4 | 6;
}

/** The address family constant (AF_INET, AF_INET6) for 4 or 6. */
export type IpFamily = 4 | 6;
