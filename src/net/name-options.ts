// The name-resolution options of a sandbox (--dns, --dns-search,
// --dns-option, --add-host, --link, --alias), checked with the DNS
// component's parsers and turned into what the records keep. Each bad value
// is one NetplumbError naming the option and the value; nothing has changed
// by then. The CLI runs the same checks first to report usage errors.
import { dnsNameProblem } from './dns/names';
import { parseAddHost, parseDnsOption, parseDnsSearch, parseDnsServers, parseLink } from './dns';
import { NetplumbError } from './errors';

export interface NameOptionsInput {
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** NAME:IP, NAME=IP, NAME:host-gateway. */
  addHosts?: string[];
  /** NAME[:ALIAS]. */
  links?: string[];
  /** --alias / --network-alias. */
  aliases?: string[];
}

export interface NameOptions {
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: Array<{ host: string; ip: string }>;
  links: Array<{ name: string; alias: string }>;
  aliases: string[];
}

/** The parsers throw RangeError/TypeError with the option in the message; ours say the same as NetplumbError. */
function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) throw new NetplumbError(err.message);
    throw err;
  }
}

/** Checks a network alias: other sandboxes resolve it by DNS, so it must be a DNS name. */
export function checkAlias(alias: string, option = '--alias'): string {
  const problem = typeof alias === 'string' ? dnsNameProblem(alias) : 'it is not a string';
  if (problem) throw new NetplumbError(`invalid ${option} value ${JSON.stringify(alias)}: ${problem}`);
  return alias;
}

export function parseNameOptions(input: NameOptionsInput): NameOptions {
  const dns = checked(() => parseDnsServers(input.dns ?? []));
  const dnsSearch = checked(() => [...new Set((input.dnsSearch ?? []).map(parseDnsSearch))]);
  if (dnsSearch.includes('.') && dnsSearch.length > 1) throw new NetplumbError("--dns-search . (no search domains) cannot be combined with other --dns-search domains");
  const dnsOptions = checked(() => [...new Set((input.dnsOptions ?? []).map(parseDnsOption))]);
  const extraHosts = checked(() => (input.addHosts ?? []).map(parseAddHost)).map((h) => ({ host: h.name, ip: h.ip }));
  const links = checked(() => (input.links ?? []).map(parseLink));
  const aliases = [...new Set((input.aliases ?? []).map((a) => checkAlias(a)))];
  const aliasTwice = links.find((l, i) => links.findIndex((o) => o.alias.toLowerCase() === l.alias.toLowerCase()) !== i);
  if (aliasTwice) throw new NetplumbError(`--link alias ${aliasTwice.alias} is given twice`);
  return { dns, dnsSearch, dnsOptions, extraHosts, links, aliases };
}
