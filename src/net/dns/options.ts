// Parsing and validation of the DNS-related `run` options, as Docker spells
// them: --dns, --dns-search, --dns-option, --add-host, --link. Each bad value
// gets one error that names the option, the value and what is wrong with it.
import { isIP } from 'net';
import { canonicalIp } from './ip';
import { CONTAINER_NAME, dnsNameProblem } from './names';

/** glibc's and musl's resolvers use at most this many nameserver lines (MAXNS). */
export const MAX_NAMESERVERS = 3;

function str(option: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${option}: expected a string, got ${value === null ? 'null' : typeof value}`);
  return value;
}

function bad(option: string, value: string, why: string): RangeError {
  return new RangeError(`invalid ${option} value ${JSON.stringify(value)}: ${why}`);
}

/** `--dns 192.0.2.53`: one resolver address, IPv4 or IPv6, returned in canonical form. */
export function parseDnsServer(value: unknown): string {
  const text = str('--dns', value).trim();
  if (isIP(text) === 0) throw bad('--dns', text, 'not an IPv4 or IPv6 address');
  return canonicalIp(text);
}

/** All --dns values of one container: each checked, duplicates dropped, at most MAX_NAMESERVERS. */
export function parseDnsServers(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const ip = parseDnsServer(v);
    if (!out.includes(ip)) out.push(ip);
  }
  if (out.length > MAX_NAMESERVERS)
    throw new RangeError(`too many --dns servers (${out.length}): a container's resolver uses at most ${MAX_NAMESERVERS} (glibc's MAXNS), the rest would be ignored silently`);
  return out;
}

/**
 * `--dns-search example.com`: a search domain, lower-cased, without a trailing
 * dot. '.' is Docker's way to say "no search domains at all" and is kept as '.'.
 */
export function parseDnsSearch(value: unknown): string {
  const text = str('--dns-search', value).trim();
  if (text === '.') return '.';
  const problem = dnsNameProblem(text);
  if (problem) throw bad('--dns-search', text, `not a domain name: ${problem}`);
  return text.toLowerCase().replace(/\.$/, '');
}

/** glibc's resolv.conf options (resolv.conf(5)); those taking a number give its range. */
const NUMERIC_OPTIONS: Record<string, [number, number]> = {
  ndots: [0, 15], // glibc caps ndots at 15 (RES_MAXNDOTS)
  timeout: [1, 30], // RES_MAXRETRANS
  attempts: [1, 5], // RES_MAXRETRY
};
const FLAG_OPTIONS = [
  'debug', 'rotate', 'edns0', 'inet6', 'ip6-bytestring', 'ip6-dotint', 'no-ip6-dotint', 'single-request',
  'single-request-reopen', 'no-tld-query', 'use-vc', 'no-reload', 'trust-ad', 'no-aaaa',
];

/** `--dns-option ndots:2`: one resolv.conf option, checked against what glibc understands. */
export function parseDnsOption(value: unknown): string {
  const text = str('--dns-option', value).trim();
  const colon = text.indexOf(':');
  const key = colon < 0 ? text : text.slice(0, colon);
  if (key in NUMERIC_OPTIONS) {
    const [min, max] = NUMERIC_OPTIONS[key];
    const n = colon < 0 ? '' : text.slice(colon + 1);
    if (!/^\d{1,3}$/.test(n) || Number(n) < min || Number(n) > max) throw bad('--dns-option', text, `${key} takes a number from ${min} to ${max}, as in ${key}:${min}`);
    return `${key}:${Number(n)}`;
  }
  if (FLAG_OPTIONS.includes(key)) {
    if (colon >= 0) throw bad('--dns-option', text, `${key} takes no value`);
    return key;
  }
  throw bad('--dns-option', text, `unknown resolver option; known: ${[...Object.keys(NUMERIC_OPTIONS).map((k) => `${k}:N`), ...FLAG_OPTIONS].join(', ')}`);
}

/** Docker's word for "the host's address on this container's network". */
export const HOST_GATEWAY = 'host-gateway';

export interface ExtraHost {
  /** The host name the entry defines. */
  name: string;
  /** An address in canonical form, or 'host-gateway' (resolved against the network's gateway when the file is written). */
  ip: string;
}

/**
 * `--add-host NAME:IP` (or Docker's newer `NAME=IP`). IP is IPv4, IPv6 (bare
 * or in brackets: `db:[2001:db8::1]`), or `host-gateway`.
 */
export function parseAddHost(value: unknown): ExtraHost {
  const text = str('--add-host', value).trim();
  const eq = text.indexOf('=');
  const colon = text.indexOf(':');
  const at = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
  if (at < 0) throw bad('--add-host', text, 'expected NAME:IP (or NAME=IP), e.g. db:192.0.2.10 or gw:host-gateway');
  const name = text.slice(0, at);
  let ip = text.slice(at + 1);
  const problem = dnsNameProblem(name);
  if (problem) throw bad('--add-host', text, `${JSON.stringify(name)} is not a host name: ${problem}`);
  if (ip === HOST_GATEWAY) return { name, ip };
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (isIP(ip) === 0) throw bad('--add-host', text, `${JSON.stringify(ip)} is not an IPv4 or IPv6 address, nor ${HOST_GATEWAY}`);
  return { name, ip: canonicalIp(ip) };
}

export interface LinkSpec {
  /** The linked container's name. */
  name: string;
  /** The name it is known by in this container (the name itself when no alias is given). */
  alias: string;
}

/** `--link NAME[:ALIAS]`: Docker's legacy link; the alias resolves to the linked container in /etc/hosts. */
export function parseLink(value: unknown): LinkSpec {
  const text = str('--link', value).trim();
  const parts = text.split(':');
  if (parts.length > 2) throw bad('--link', text, 'expected NAME or NAME:ALIAS');
  const name = parts[0].replace(/^\//, ''); // Docker accepts the container's full name, "/web"
  const alias = parts.length === 2 ? parts[1] : name;
  if (!CONTAINER_NAME.test(name)) throw bad('--link', text, `${JSON.stringify(name)} is not a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  const problem = dnsNameProblem(alias);
  if (problem) throw bad('--link', text, `the alias ${JSON.stringify(alias)} is not a host name: ${problem}`);
  return { name, alias };
}
