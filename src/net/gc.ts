// The reconciler (`netplumb gc`): compares kernel, files and records, and
// removes what a crash left on either side: changes whose command died
// (records marked creating or removing by a dead owner: a creation is undone,
// a removal finished), records whose namespace is gone, links tagged with an
// owner that has no record, sandbox namespaces and files without a record,
// firewall and source-guard entries of owners that are gone; it makes again
// what the records say should exist but was removed by hand (repair.ts, then
// the firewall's and the source guard's share), sends the DNS server every
// network's members again (a server that died knows none) and rewrites hosts
// and resolv.conf files that missed an update. Run in full by `netplumb gc`;
// its quick part (changes whose command died) runs at the start of every
// mutating command.
import { promises as fsp } from 'fs';
import * as path from 'path';
import { native } from '../../bindings';
import { NetlinkError } from '../errors';
import { NETNS_DIR } from '../netns';
import { allDrivers } from './drivers';
import { removeSandboxFiles } from './hosts';
import { resyncDns, syncDnsNetworks } from './dns-sync';
import { NS_DIR, SANDBOX_MARKERS, markerFile } from './paths';
import { currentOwner, ownerAlive, type Runtime } from './runtime';
import { sandboxProcesses } from './processes';
import { refreshAllFiles, refreshFiles, teardownSandbox, waitLinksGone } from './sandbox';
import { endpointOf, removeEndpoint } from './connect';
import { finishNetworkRemoval } from './network';
import { repairFromStore } from './repair';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from './state/store';

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

/**
 * Takes over a record whose owner died (compare and set, in one transaction),
 * so that of several reconcilers running at once only one finishes it.
 * A ready sandbox whose namespace is gone is claimed as being removed.
 */
async function claimSandbox(rt: Runtime, sb: SandboxRecord): Promise<SandboxRecord | undefined> {
  return rt.store.update((tx) => {
    const fresh = tx.getSandbox(sb.id);
    if (!fresh || fresh.status !== sb.status || (fresh.status !== 'ready' && ownerAlive(fresh.owner))) return undefined;
    const claimed: SandboxRecord = { ...fresh, status: fresh.status === 'ready' ? 'removing' : fresh.status, owner: currentOwner() };
    tx.putSandbox(claimed);
    return claimed;
  });
}

async function claimNetwork(rt: Runtime, net: NetworkRecord): Promise<NetworkRecord | undefined> {
  return rt.store.update((tx) => {
    const fresh = tx.getNetwork(net.id);
    if (!fresh || fresh.status !== net.status || ownerAlive(fresh.owner)) return undefined;
    const claimed: NetworkRecord = { ...fresh, owner: currentOwner() };
    tx.putNetwork(claimed);
    return claimed;
  });
}

async function claimEndpoint(rt: Runtime, ep: EndpointRecord): Promise<EndpointRecord | undefined> {
  return rt.store.update((tx) => {
    const fresh = endpointOf(tx, ep);
    if (!fresh || fresh.status !== ep.status || ownerAlive(fresh.owner)) return undefined;
    const claimed: EndpointRecord = { ...fresh, owner: currentOwner() };
    tx.putEndpoint(claimed);
    return claimed;
  });
}

/**
 * Returns one line per thing removed or restored. The quick run (at the start
 * of every mutating command) finishes or undoes only the changes whose
 * command died; the full run (`netplumb gc`) also compares the kernel with
 * the store both ways: it removes what has no record and makes again what the
 * records say should exist (see repair.ts).
 */
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

  // 1. Sandboxes whose command died half-way (creating or removing), and (full run) those whose namespace is gone.
  const sandboxes = await rt.store.read((tx) => tx.listSandboxes());
  for (const sb of sandboxes) {
    const dead = sb.status !== 'ready' && !ownerAlive(sb.owner);
    const stale = !options.quick && sb.status === 'ready' && (await sandboxIsStale(sb, sandboxes));
    if (!dead && !stale) continue;
    const why = stale ? 'its namespace is gone' : sb.status === 'creating' ? 'left half-made' : 'its removal was interrupted';
    const claimed = await claimSandbox(rt, sb);
    if (!claimed) continue;
    await attempt(`removed sandbox ${sb.name} (${why})`, async () => teardownSandbox(rt, claimed, await sandboxProcesses(claimed)));
  }

  // 2. Connects and disconnects whose command died: the connect is undone, the disconnect finished.
  const pending = await rt.store.read((tx) => tx.listEndpoints().filter((e) => e.status && !ownerAlive(e.owner))
    .map((ep) => ({ ep, sb: tx.getSandbox(ep.sandboxId), net: tx.getNetwork(ep.networkId) })));
  for (const { ep, sb, net } of pending) {
    if (!sb || !net) {
      await attempt(`removed the record of endpoint ${ep.id.slice(0, 12)} (its ${sb ? 'network' : 'sandbox'} is gone)`, () => rt.store.update((tx) => tx.deleteEndpoint(ep.id)));
      continue;
    }
    if (sb.status !== 'ready') continue; // its sandbox is being made or removed: that covers it
    const claimed = await claimEndpoint(rt, ep);
    if (!claimed) continue;
    const what = ep.status === 'creating'
      ? `removed the endpoint of sandbox ${sb.name} on network ${net.name} (its connect was interrupted)`
      : `disconnected sandbox ${sb.name} from network ${net.name} (the disconnect was interrupted)`;
    await attempt(what, async () => {
      const others = await removeEndpoint(rt, sb, net, claimed, true);
      await syncDnsNetworks(rt, [net.id]);
      await refreshFiles(rt, [net.id, ...others], sb);
    });
  }

  // 3. Networks whose command died half-way (made or removed).
  const networks = await rt.store.read((tx) => tx.listNetworks());
  for (const net of networks) {
    if (net.status === 'ready' || ownerAlive(net.owner)) continue;
    const claimed = await claimNetwork(rt, net);
    if (!claimed) continue;
    const why = net.status === 'creating' ? 'left half-made' : 'its removal was interrupted';
    await attempt(`removed network ${net.name} (${why})`, () => finishNetworkRemoval(rt, claimed));
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

  // 4. Links on the host tagged with an owner that has no record.
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

  // 5. Sandbox namespaces and files with a marker but no record.
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

  // 6. What the records say should exist but someone removed by hand: bridges, links, addresses, guards.
  const repaired = await repairFromStore(rt);
  report.push(...repaired.restored);
  errors.push(...repaired.errors);

  // 7. Firewall entries of owners that are gone; firewall state the records want but the kernel lost
  //    (after the repair: a re-created bridge needs its elements again).
  const fw = rt.firewall();
  if (fw) {
    try {
      const result = await fw.gc(await rt.store.read((tx) => ({ networks: tx.listNetworks(), endpoints: tx.listEndpoints(), sandboxes: tx.listSandboxes() })));
      report.push(...result.changes);
      errors.push(...result.errors);
    } catch (err) {
      errors.push(`firewall: ${(err as Error).message}`);
    }
  }

  // The source guard's entries of endpoints that are gone.
  try {
    for (const id of (await (await rt.guard())?.reconcile(live.endpoints)) ?? []) report.push(`removed the source guard of endpoint ${id.slice(0, 12)} (it has no record)`);
  } catch (err) {
    errors.push(`source guard: ${(err as Error).message}`);
  }

  // 8. The DNS server: every network with members sent again (a server that died is started anew and
  //    learns them all); networks it serves without records or members taken away.
  try {
    report.push(...(await resyncDns(rt)));
  } catch (err) {
    errors.push(`DNS server: ${(err as Error).message}`);
  }

  // 9. Hosts and resolv.conf files that missed an update (their command died between its change and the rewrite).
  try {
    report.push(...(await refreshAllFiles(rt)));
  } catch (err) {
    errors.push(`hosts files: ${(err as Error).message}`);
  }

  if (errors.length) throw new Error(`gc removed ${report.length} thing(s) but failed on: ${errors.join('; ')}`);
  return report;
}
