// A sandbox's /etc/hosts and /etc/resolv.conf: files under /etc/netns/NAME
// (iproute2's place), bind-mounted over /etc/hosts and /etc/resolv.conf for
// processes in the sandbox. They are rewritten in place, never replaced by a
// rename: a bind mount holds the file itself, so a new file would go unseen.
import { promises as fsp, readFileSync } from 'fs';
import * as path from 'path';
import { isIP } from 'net';
import { etcDir } from './paths';
import type { EndpointRecord, NetworkRecord, SandboxRecord, StateTx } from './state/store';

export interface HostsEntry {
  ip: string;
  names: string[];
}

const BASE = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

export function renderHosts(entries: HostsEntry[]): string {
  return BASE + entries.map((e) => `${e.ip}\t${e.names.join(' ')}\n`).join('');
}

/**
 * What a sandbox's /etc/hosts lists: its own addresses under its hostname;
 * on user-defined networks, every other member by name and alias; --link
 * targets under their alias; --add-host entries.
 */
export function hostsEntries(tx: StateTx, sb: SandboxRecord): HostsEntry[] {
  const entries: HostsEntry[] = [];
  const own = tx.listEndpoints({ sandboxId: sb.id });
  const networks = new Map<string, NetworkRecord>();
  for (const ep of own) {
    const names = sb.hostname === sb.name ? [sb.hostname] : [sb.hostname, sb.name];
    entries.push({ ip: ep.address, names });
    const net = tx.getNetwork(ep.networkId);
    if (net) networks.set(net.id, net);
  }
  const listed = new Set(entries.map((e) => `${e.ip} ${e.names.join(' ')}`));
  const add = (e: HostsEntry) => {
    const key = `${e.ip} ${e.names.join(' ')}`;
    if (!listed.has(key)) { listed.add(key); entries.push(e); }
  };
  const sandboxName = new Map<string, string>();
  const nameOf = (id: string) => {
    if (!sandboxName.has(id)) sandboxName.set(id, tx.getSandbox(id)?.name ?? '');
    return sandboxName.get(id)!;
  };
  for (const net of networks.values()) {
    if (net.isDefault) continue; // the default network has no name resolution, as docker0
    for (const peer of tx.listEndpoints({ networkId: net.id })) {
      if (peer.sandboxId === sb.id) continue;
      const name = nameOf(peer.sandboxId);
      if (name) add({ ip: peer.address, names: [name, ...peer.aliases.filter((a) => a !== name)] });
    }
  }
  for (const link of sb.links) {
    const target = tx.getSandbox(link.name);
    if (!target) continue;
    const shared = tx.listEndpoints({ sandboxId: target.id }).find((ep) => networks.has(ep.networkId));
    if (shared) add({ ip: shared.address, names: link.alias === target.name ? [target.name] : [link.alias, target.name] });
  }
  for (const h of sb.extraHosts) add({ ip: h.ip, names: [h.host] });
  return entries;
}

/** Sandboxes whose hosts file lists members of these networks, or links to this sandbox. */
export function sandboxesToRefresh(tx: StateTx, networkIds: string[], sandboxName?: string): SandboxRecord[] {
  const ids = new Set<string>();
  for (const id of networkIds) {
    const net = tx.getNetwork(id);
    if (!net || net.isDefault) continue;
    for (const ep of tx.listEndpoints({ networkId: id })) ids.add(ep.sandboxId);
  }
  const out: SandboxRecord[] = [];
  for (const sb of tx.listSandboxes()) {
    if (sb.mode.kind !== 'networks') continue;
    if (ids.has(sb.id) || (sandboxName && sb.links.some((l) => l.name === sandboxName))) out.push(sb);
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

/** resolv.conf for a sandbox: --dns servers, else the host's own, less loopback servers it cannot reach. */
export function renderResolvConf(dns: string[], hostFile = '/etc/resolv.conf'): string {
  const lines: string[] = [];
  let host = '';
  try {
    host = readFileSync(hostFile, 'utf8');
  } catch {
    // no resolv.conf on the host: only what was given
  }
  for (const raw of host.split('\n')) {
    const line = raw.trim();
    const [key, value] = line.split(/\s+/);
    if (key === 'search' || key === 'options' || key === 'domain') lines.push(line);
    else if (key === 'nameserver' && dns.length === 0 && isIP(value ?? '') && !/^127\.|^::1$/.test(value)) lines.push(line);
  }
  for (const server of dns) lines.push(`nameserver ${server}`);
  return `# written by netplumb\n${lines.join('\n')}\n`;
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

/** Rewrites the hosts files of these sandboxes with the contents given. */
export async function writeHostsFiles(contents: Array<{ sandbox: string; text: string }>): Promise<void> {
  for (const { sandbox, text } of contents) {
    try {
      await rewriteInPlace(hostsPath(sandbox), text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

export type { EndpointRecord };
