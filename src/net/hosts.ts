// A sandbox's /etc/hosts and /etc/resolv.conf: files under /etc/netns/NAME
// (iproute2's place), bind-mounted over /etc/hosts and /etc/resolv.conf for
// processes in the sandbox. They are rewritten in place, never replaced by a
// rename: a bind mount holds the file itself, so a new file would go unseen.
//
// This is the one place that decides what the two files hold, from the
// records, with the DNS component's writers (containerHosts,
// containerResolvConf):
// - hosts: localhost, --add-host entries, the sandbox's own names, --link
//   aliases, and on networks without netplumb's DNS server (macvlan) the
//   other members. Members of user-defined bridge networks find each other
//   through the DNS server instead, whose membership dns-sync.ts keeps current.
// - resolv.conf: on a network the DNS server serves, its address (the
//   gateway), the --dns servers then being the server's upstreams for this
//   sandbox; elsewhere (the default network `bridge`, macvlan, none) --dns or
//   the host's resolvers less the loopback ones; --dns-search, --dns-option.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { containerHosts, containerResolvConf, HOST_GATEWAY, MAX_NAMESERVERS, readHostResolvConfForContainers, type LinkedContainer, type ResolvConf } from './dns';
import { servedByDns } from './dns-sync';
import { networkDriver } from './drivers';
import { etcDir } from './paths';
import type { EndpointRecord, NetworkRecord, SandboxRecord, StateTx } from './state/store';

export interface SandboxFiles {
  hosts: string;
  resolvConf: string;
  /** Things the user should know about them (no usable resolver), one sentence each. */
  warnings: string[];
}

/** A sandbox's endpoints in interface order (eth0, eth1 ...), each with its network. */
function attachments(tx: StateTx, sb: SandboxRecord): Array<{ ep: EndpointRecord; net: NetworkRecord }> {
  const out: Array<{ ep: EndpointRecord; net: NetworkRecord }> = [];
  for (const ep of tx.listEndpoints({ sandboxId: sb.id })) {
    const net = tx.getNetwork(ep.networkId);
    if (net) out.push({ ep, net });
  }
  const index = (ifname: string) => Number(/\d+$/.exec(ifname)?.[0] ?? 0);
  return out.sort((a, b) => index(a.ep.ifname) - index(b.ep.ifname));
}

/** What `--add-host NAME:host-gateway` means for a sandbox: the host's address on its first network that has the host on it. */
export function hostGatewayOf(nets: NetworkRecord[]): string | undefined {
  return nets.find((n) => networkDriver(n.driver).gatewayOnHost)?.gateway;
}

/** The contents of a sandbox's /etc/hosts and /etc/resolv.conf. `host` is the host's resolver configuration (readHostResolvConf). */
export function sandboxFiles(tx: StateTx, sb: SandboxRecord, host: ResolvConf): SandboxFiles {
  const attached = attachments(tx, sb);
  const nets = attached.map((a) => a.net);
  const sharedNetworks = new Set(nets.map((n) => n.id));
  const gateway = hostGatewayOf(nets);

  const peers: Array<{ ip: string; names: string[] }> = [];
  for (const net of nets) {
    if (net.isDefault || servedByDns(net)) continue; // the default network resolves no one (as docker0); served ones through DNS
    for (const peer of tx.listEndpoints({ networkId: net.id })) {
      const other = peer.sandboxId === sb.id ? undefined : tx.getSandbox(peer.sandboxId);
      if (other) peers.push({ ip: peer.address, names: [other.name, ...peer.aliases] });
    }
  }
  const links: LinkedContainer[] = [];
  for (const link of sb.links) {
    const target = tx.getSandbox(link.name);
    const shared = target && tx.listEndpoints({ sandboxId: target.id }).find((ep) => sharedNetworks.has(ep.networkId));
    if (target && shared) links.push({ alias: link.alias, name: target.name, hostname: target.hostname, ip: shared.address });
  }
  const hosts = containerHosts({
    hostname: sb.hostname,
    name: sb.name,
    addresses: attached.map((a) => a.ep.address),
    // without a network that has the host on it (all disconnected), host-gateway entries wait for one
    extraHosts: sb.extraHosts.filter((h) => h.ip !== HOST_GATEWAY || gateway).map((h) => ({ name: h.host, ip: h.ip })),
    gateway,
    links,
    peers,
  });
  const resolv = containerResolvConf({
    embeddedServers: nets.filter(servedByDns).map((n) => n.gateway).slice(0, MAX_NAMESERVERS),
    dns: sb.dns,
    dnsSearch: sb.dnsSearch,
    dnsOptions: sb.dnsOptions,
    host,
  });
  return { hosts, resolvConf: resolv.content, warnings: resolv.warnings };
}

/** The host's resolvers as sandboxes use them (systemd-resolved's upstreams when /etc/resolv.conf names only its stub). */
export function readHostResolvConf(): Promise<ResolvConf> {
  return readHostResolvConfForContainers();
}

/**
 * Sandboxes whose files change when these networks' membership changes or
 * `changed` joins or leaves: itself, members of networks listed by address
 * (macvlan), and sandboxes that --link to it.
 */
export function sandboxesToRefresh(tx: StateTx, networkIds: string[], changed?: SandboxRecord): SandboxRecord[] {
  const ids = new Set<string>();
  if (changed) ids.add(changed.id);
  for (const id of networkIds) {
    const net = tx.getNetwork(id);
    if (!net || net.isDefault || servedByDns(net)) continue;
    for (const ep of tx.listEndpoints({ networkId: id })) ids.add(ep.sandboxId);
  }
  const out: SandboxRecord[] = [];
  for (const sb of tx.listSandboxes()) {
    if (sb.mode.kind !== 'networks' && sb.mode.kind !== 'none') continue; // host mode has no files; container:NAME uses its owner's
    if (ids.has(sb.id) || (changed && sb.links.some((l) => l.name === changed.name))) out.push(sb);
  }
  return out;
}

/** Rewrites a file in place: write over it, then cut it to length (never empty in between, same inode). */
export async function rewriteInPlace(file: string, content: string): Promise<void> {
  const fh = await fsp.open(file, 'r+');
  try {
    const data = Buffer.from(content);
    await fh.write(data, 0, data.length, 0);
    await fh.truncate(data.length);
  } finally {
    await fh.close();
  }
}

export function hostsPath(sandbox: string): string { return path.join(etcDir(sandbox), 'hosts'); }
export function resolvPath(sandbox: string): string { return path.join(etcDir(sandbox), 'resolv.conf'); }

/** Creates /etc/netns/NAME/{hosts,resolv.conf}. */
export async function writeSandboxFiles(sandbox: string, hosts: string, resolv: string): Promise<void> {
  await fsp.mkdir(etcDir(sandbox), { recursive: true, mode: 0o755 });
  await fsp.writeFile(hostsPath(sandbox), hosts, { mode: 0o644 });
  await fsp.writeFile(resolvPath(sandbox), resolv, { mode: 0o644 });
}

export async function removeSandboxFiles(sandbox: string): Promise<void> {
  await fsp.rm(etcDir(sandbox), { recursive: true, force: true });
}

/**
 * A read-only view of a transaction that remembers what it has read: rendering
 * the hosts files of every member of a network reads the same records many
 * times, and each file lists every member.
 */
export function memoizedReads(tx: StateTx): StateTx {
  const cache = new Map<string, unknown>();
  const memo = <T>(key: string, read: () => T): T => {
    if (!cache.has(key)) cache.set(key, read());
    return cache.get(key) as T;
  };
  return {
    ...tx,
    getNetwork: (id) => memo(`n:${id}`, () => tx.getNetwork(id)),
    getSandbox: (id) => memo(`s:${id}`, () => tx.getSandbox(id)),
    listEndpoints: (f = {}) => memo(`e:${f.networkId ?? ''}:${f.sandboxId ?? ''}`, () => tx.listEndpoints(f)),
    listSandboxes: () => memo('all-sandboxes', () => tx.listSandboxes()),
  };
}

/** Rewrites the files of these sandboxes in place; a sandbox whose files are gone meanwhile (removed) is skipped. */
export async function rewriteSandboxFiles(contents: Array<{ sandbox: string; files: SandboxFiles }>): Promise<void> {
  for (const { sandbox, files } of contents) {
    for (const [file, text] of [[hostsPath(sandbox), files.hosts], [resolvPath(sandbox), files.resolvConf]]) {
      try {
        await rewriteInPlace(file, text);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}

