// What the kernel holds in a namespace, read through iproute2 (never through
// netplumb): used to prove that a failed call changed nothing.
import { execFileSync } from 'child_process';
import type { NetNs } from '../../src/netns';
import { ipJson } from './sandbox';

/** Links (with their details), addresses, routes of every table and neighbours, as `ip -j` prints them. */
export function kernelState(ns: NetNs | undefined): string {
  // Counters and timers move on their own; everything else must stay put.
  // (IPv6 duplicate address detection clears "tentative" by itself, too.)
  const volatile = new Set(['stats64', 'stats', 'valid_life_time', 'preferred_life_time', 'used', 'updated', 'confirmed', 'tentative']);
  const keep = (k: string) => !volatile.has(k) && !k.endsWith('_timer');
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => keep(k)).map(([k, x]) => [k, strip(x)])) : v;
  return JSON.stringify({
    links: strip(ipJson(ns, '-d', 'link', 'show')),
    addrs: strip(ipJson(ns, 'addr', 'show')),
    routes: strip(ipJson(ns, 'route', 'show', 'table', 'all')),
    routes6: strip(ipJson(ns, '-6', 'route', 'show', 'table', 'all')),
    neigh: strip(ipJson(ns, 'neigh', 'show')),
  });
}

/** `ip netns list` names. */
export function ipNetnsNames(): string[] {
  const out = execFileSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8' }).trim();
  return out ? (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name) : [];
}

/** One link as `ip -j -d -s link show DEV` prints it. */
export function ipLink(ns: NetNs | undefined, name: string): Record<string, any> {
  return ipJson<Array<Record<string, any>>>(ns, '-d', '-s', 'link', 'show', 'dev', name)[0];
}

/** True when `ip link show DEV` finds the link. */
export function linkExists(ns: NetNs | undefined, name: string): boolean {
  return ipJson(ns, 'link', 'show').some((l) => l.ifname === name);
}
