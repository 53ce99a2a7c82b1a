// A container's /etc/hosts, as Docker writes it: localhost, --add-host
// entries, the container's own names, and --link aliases (and, for networks
// the DNS server cannot serve, the other members).
import { isIP } from 'net';
import { canonicalIp } from './ip';
import { ExtraHost, HOST_GATEWAY } from './options';

export interface LinkedContainer {
  /** The alias this container knows it by (--link NAME:ALIAS). */
  alias: string;
  /** The linked container's name. */
  name: string;
  /** Its hostname, when it differs from the name. */
  hostname?: string;
  /** Its address on the network the two share. */
  ip: string;
}

export interface ContainerHostsInput {
  /** The container's hostname (as its UTS namespace has it). */
  hostname: string;
  /** The container's name, listed after the hostname when it differs. */
  name?: string;
  /** The container's own addresses (empty for `--network none`). */
  addresses: string[];
  /** --add-host entries (parsed). */
  extraHosts?: ExtraHost[];
  /** What host-gateway means for this container: the gateway address of its network. */
  gateway?: string;
  /** --link entries, resolved to the linked containers' addresses. */
  links?: LinkedContainer[];
  /**
   * Other containers listed by address (first name first), for networks the
   * DNS server does not serve (macvlan: the host cannot reach them).
   */
  peers?: Array<{ ip: string; names: string[] }>;
  /** Whether to write the IPv6 localhost lines. Default true. */
  ipv6?: boolean;
}

/** The text of a container's /etc/hosts. Throws RangeError when host-gateway is used without a gateway. */
export function containerHosts(input: ContainerHostsInput): string {
  const lines: string[] = ['127.0.0.1\tlocalhost'];
  if (input.ipv6 !== false)
    lines.push('::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters');
  for (const h of input.extraHosts ?? []) {
    let ip = h.ip;
    if (ip === HOST_GATEWAY) {
      if (!input.gateway || isIP(input.gateway) === 0)
        throw new RangeError(`--add-host ${h.name}:${HOST_GATEWAY}: this container's network has no gateway address`);
      ip = canonicalIp(input.gateway);
    }
    lines.push(`${ip}\t${h.name}`);
  }
  const ownNames = unique([input.hostname, input.name]);
  for (const ip of input.addresses) lines.push(`${canonicalIp(ip)}\t${ownNames.join(' ')}`);
  for (const p of input.peers ?? []) if (p.names.length) lines.push(`${canonicalIp(p.ip)}\t${unique(p.names).join(' ')}`);
  for (const l of input.links ?? []) lines.push(`${canonicalIp(l.ip)}\t${unique([l.alias, l.name, l.hostname]).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function unique(names: Array<string | undefined>): string[] {
  const out: string[] = [];
  for (const n of names) if (n && !out.includes(n)) out.push(n);
  return out;
}
