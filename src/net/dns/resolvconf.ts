// resolv.conf: reading the host's, and writing a container's.
import { promises as fs } from 'fs';
import { isIP } from 'net';
import { canonicalIp, isLoopbackIp } from './ip';

/** The host's resolver configuration, as far as netplumb uses it. */
export interface ResolvConf {
  /** nameserver lines, in order, canonical addresses (a zone suffix such as %eth0 is kept). */
  nameservers: string[];
  /** The search list (the last `search` or `domain` line wins, as in glibc). */
  search: string[];
  /** options lines, each option as written (ndots:2, edns0...). */
  options: string[];
}

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
/** Where systemd-resolved keeps the real upstream servers when /etc/resolv.conf names only its stub. */
export const SYSTEMD_RESOLVED_UPSTREAM = '/run/systemd/resolve/resolv.conf';
const SYSTEMD_STUB = '127.0.0.53';

/** Parses resolv.conf text as glibc does: comments start with '#' or ';', unknown lines are ignored. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) {
      const [addr, zone] = rest[0].split('%');
      if (isIP(addr)) out.nameservers.push(zone ? `${canonicalIp(addr)}%${zone}` : canonicalIp(addr));
    } else if (key === 'search' || key === 'domain') {
      out.search = rest.filter((d) => d !== '.');
    } else if (key === 'options') {
      out.options.push(...rest);
    }
  }
  return out;
}

/** Reads and parses a resolv.conf file; a missing file is an empty configuration (as glibc treats it). */
export async function readResolvConf(file = HOST_RESOLV_CONF): Promise<ResolvConf> {
  try {
    return parseResolvConf(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return parseResolvConf('');
    throw err;
  }
}

/**
 * The host's resolvers as a container outside netplumb's DNS server would need
 * them (the default bridge network): when /etc/resolv.conf names only
 * systemd-resolved's stub 127.0.0.53, the upstream list systemd-resolved
 * itself uses, as Docker does.
 */
export async function readHostResolvConfForContainers(file = HOST_RESOLV_CONF): Promise<ResolvConf> {
  const conf = await readResolvConf(file);
  if (conf.nameservers.length > 0 && conf.nameservers.every((ns) => ns === SYSTEMD_STUB)) {
    try {
      const upstream = parseResolvConf(await fs.readFile(SYSTEMD_RESOLVED_UPSTREAM, 'utf8'));
      return { ...upstream, search: upstream.search.length ? upstream.search : conf.search };
    } catch {
      // no systemd-resolved upstream file: keep the stub, the caller filters loopback out and warns
    }
  }
  return conf;
}

export interface ContainerResolvConfInput {
  /**
   * The addresses of netplumb's DNS server for this container: its
   * user-defined network's gateway address(es). Omit for a network without
   * name resolution (the default `bridge`): the container then uses `dns`, or
   * else the host's resolvers directly.
   */
  embeddedServers?: string[];
  /** --dns values (parsed). With embeddedServers they are not written here: the DNS server forwards this container's queries to them (give them as the member's `dns`). */
  dns?: string[];
  /** --dns-search values (parsed); ['.'] means none. Default: the host's search list. */
  dnsSearch?: string[];
  /** --dns-option values (parsed). Default: the host's options. */
  dnsOptions?: string[];
  /** The host's configuration (readHostResolvConfForContainers()). */
  host: ResolvConf;
  /** Whether the container has IPv6 connectivity; without it, IPv6 host resolvers are left out. Default false. */
  ipv6?: boolean;
}

export interface ContainerResolvConf {
  /** The file's text. */
  content: string;
  /** Things the user should know (e.g. no usable resolver left), one sentence each. */
  warnings: string[];
}

/**
 * The /etc/resolv.conf of a container, as Docker writes it: on a
 * user-defined network it names the network's DNS server; elsewhere the
 * --dns servers, or the host's resolvers without the loopback ones (which
 * are the host's own, unreachable from the container's namespace).
 */
export function containerResolvConf(input: ContainerResolvConfInput): ContainerResolvConf {
  const warnings: string[] = [];
  let nameservers: string[];
  if (input.embeddedServers && input.embeddedServers.length > 0) {
    nameservers = input.embeddedServers.map(canonicalIp);
  } else if (input.dns && input.dns.length > 0) {
    nameservers = [...input.dns];
  } else {
    const dropped = input.host.nameservers.filter((ns) => isLoopbackIp(ns.split('%')[0]));
    nameservers = input.host.nameservers.filter((ns) => !dropped.includes(ns) && (input.ipv6 || isIP(ns.split('%')[0]) === 4));
    if (nameservers.length === 0)
      warnings.push(
        dropped.length > 0
          ? `the host's only resolvers (${dropped.join(', ')}) are on its loopback, which a container cannot reach: give --dns, or use a user-defined network`
          : `the host has no resolver a container can use: give --dns, or use a user-defined network`,
      );
  }
  const search = input.dnsSearch && input.dnsSearch.length > 0 ? input.dnsSearch.filter((d) => d !== '.') : input.host.search;
  const options = input.dnsOptions && input.dnsOptions.length > 0 ? input.dnsOptions : input.host.options;
  const lines = ['# Generated by netplumb.', ...nameservers.map((ns) => `nameserver ${ns}`)];
  if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return { content: `${lines.join('\n')}\n`, warnings };
}
