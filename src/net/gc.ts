// The reconciler (`netplumb gc`): compares kernel, files and records, and
// removes what a crash left on either side: half-made records whose command
// died, records whose namespace is gone, links tagged with an owner that has
// no record, sandbox namespaces and files without a record, firewall entries
// of owners that are gone; and it sends the DNS server every network's
// members again (a server that died knows none). Run in full by `netplumb
// gc`; its quick part (dead half-made records only) runs at the start of
// every mutating command.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { native } from '../../bindings';
import { NetlinkError } from '../errors';
import { NETNS_DIR } from '../netns';
import { allDrivers, networkDriver } from './drivers';
import { removeSandboxFiles } from './hosts';
import { resyncDns } from './dns-sync';
import { NS_DIR, SANDBOX_MARKERS, markerFile } from './paths';
import { ownerAlive, type Runtime } from './runtime';
import { sandboxProcesses } from './processes';
import { teardownSandbox, waitLinksGone } from './sandbox';
import type { NetworkRecord, SandboxRecord } from './state/store';

export interface GcOptions {
  /** Only records left half-made by commands that died (cheap: no kernel dump). */
  quick?: boolean;
}

function gone(err: unknown): boolean {
  return (err instanceof NetlinkError && (err.code === 'ENOENT' || err.code === 'ENODEV')) || (err as NodeJS.ErrnoException).code === 'ENOENT';
}

async function exists(file: string): Promise<boolean> {
  try { await fsp.lstat(file); return true; } catch { return false; }
}

/** Whether a sandbox record has lost its namespace (a reboot, `ip netns del`). */
async function sandboxIsStale(sb: SandboxRecord, all: SandboxRecord[]): Promise<boolean> {
  if (sb.mode.kind === 'host') return false;
  if (sb.mode.kind === 'container') {
    const ownerId = sb.mode.sandboxId;
    if (!all.some((s) => s.id === ownerId)) return true;
  }
  return !(await exists(`${NETNS_DIR}/${sb.netns}`));
}

/** Returns one line per thing removed. */
export async function collectGarbage(rt: Runtime, options: GcOptions = {}): Promise<string[]> {
  const report: string[] = [];
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
      report.push(what);
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };

  // 1. Records whose command died half-way, and (full run) records whose namespace is gone.
  const sandboxes = await rt.store.read((tx) => tx.listSandboxes());
  for (const sb of sandboxes) {
    const dead = sb.status === 'creating' && !ownerAlive(sb.owner);
    const stale = !options.quick && sb.status === 'ready' && (await sandboxIsStale(sb, sandboxes));
    if (dead || stale) {
      await attempt(`removed sandbox ${sb.name} (${dead ? 'left half-made' : 'its namespace is gone'})`, async () => teardownSandbox(rt, sb, await sandboxProcesses(sb)));
    }
  }
  const networks = await rt.store.read((tx) => tx.listNetworks());
  for (const net of networks) {
    if (net.status === 'creating' && !ownerAlive(net.owner)) {
      await attempt(`removed network ${net.name} (left half-made)`, async () => {
        const fw = rt.firewall();
        if (fw) await fw.teardownNetwork(net);
        await networkDriver(net.driver).remove(net, await rt.host());
        await rt.store.update((tx) => {
          for (const ep of tx.listEndpoints({ networkId: net.id })) tx.deleteEndpoint(ep.id);
          tx.deleteNetwork(net.id);
        });
      });
    }
  }
  // Addresses whose endpoint record is gone (a crash between two writes of another store).
  await rt.store.update((tx) => {
    const endpoints = new Set(tx.listEndpoints().map((e) => e.id));
    for (const net of tx.listNetworks())
      for (const [address, owner] of tx.allocatedAddresses(net.id))
        if (!endpoints.has(owner)) { tx.releaseAddresses(owner); report.push(`released address ${address} on network ${net.name}`); }
  });
  if (options.quick) {
    if (errors.length) throw new Error(`gc: ${errors.join('; ')}`);
    return report;
  }

  const records = await rt.store.read((tx) => ({ networks: tx.listNetworks(), endpoints: tx.listEndpoints(), sandboxes: tx.listSandboxes() }));
  const live = {
    networks: new Map<string, NetworkRecord>(records.networks.map((n) => [n.id, n])),
    endpoints: new Set(records.endpoints.map((e) => e.id)),
    sandboxes: records.sandboxes,
  };

  // 2. Links on the host tagged with an owner that has no record.
  const host = await rt.host();
  const links = await host.linkList();
  for (const driver of allDrivers()) {
    for (const { link, kind, ownerId } of driver.ownedHostLinks(links)) {
      const owned = kind === 'network' ? live.networks.has(ownerId) : [...live.endpoints].some((id) => id.startsWith(ownerId));
      if (owned) continue;
      await attempt(`deleted ${link.kind} ${link.name} (its ${kind} ${ownerId.slice(0, 12)} has no record)`, async () => {
        await host.linkDel(link.index).catch((err) => { if (!gone(err)) throw err; });
      });
    }
  }

  // 3. Sandbox namespaces and files with a marker but no record.
  const names = new Set(live.sandboxes.map((s) => s.name));
  let markers: string[] = [];
  try { markers = await fsp.readdir(SANDBOX_MARKERS); } catch { /* none yet */ }
  for (const marker of markers) {
    if (marker.endsWith('.log') || names.has(marker)) continue;
    await attempt(`removed the namespaces and files of sandbox ${marker} (no record)`, async () => {
      await native.netnsDelete(path.join(NS_DIR, `${marker}.uts`)).catch((err) => { if (!gone(err)) throw err; });
      await native.netnsDelete(path.join(NS_DIR, `${marker}.mnt`)).catch((err) => { if (!gone(err)) throw err; });
      await native.netnsDelete(path.join(NETNS_DIR, marker)).catch((err) => { if (!gone(err)) throw err; });
      await removeSandboxFiles(marker);
      await fsp.rm(markerFile(marker), { force: true });
      await fsp.rm(`${markerFile(marker)}.log`, { force: true });
    });
  }
  // Namespace files without a sandbox (a crash before the marker was written cannot make them, but a lost state dir can).
  let nsFiles: string[] = [];
  try { nsFiles = await fsp.readdir(NS_DIR); } catch { /* none yet */ }
  for (const file of nsFiles) {
    const name = file.replace(/\.(uts|mnt)$/, '');
    if (name === file || names.has(name)) continue;
    await attempt(`removed namespace file ${path.join(NS_DIR, file)} (no record)`, async () => {
      await native.netnsDelete(path.join(NS_DIR, file)).catch((err) => { if (!gone(err)) throw err; });
    });
  }

  // Veths of deleted namespaces finish going in the background; wait so the report is true when we return.
  const tagged = allDrivers().flatMap((d) => d.ownedHostLinks(links))
    .filter((l) => l.kind === 'endpoint' && ![...live.endpoints].some((id) => id.startsWith(l.ownerId))).map((l) => l.link.name);
  await waitLinksGone(host, tagged).catch((err) => errors.push((err as Error).message));

  // 4. Firewall entries of owners that are gone; firewall state the records want but the kernel lost.
  const fw = rt.firewall();
  if (fw) {
    try {
      const result = await fw.gc(records);
      report.push(...result.changes);
      errors.push(...result.errors);
    } catch (err) {
      errors.push(`firewall: ${(err as Error).message}`);
    }
  }

  // 5. The DNS server: every network with members sent again (a server that died is started anew and
  //    learns them all); networks it serves without records or members taken away.
  try {
    report.push(...(await resyncDns(rt)));
  } catch (err) {
    errors.push(`DNS server: ${(err as Error).message}`);
  }

  if (errors.length) throw new Error(`gc removed ${report.length} thing(s) but failed on: ${errors.join('; ')}`);
  return report;
}
