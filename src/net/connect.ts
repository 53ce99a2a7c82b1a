// `docker network connect` and `disconnect`: one endpoint added to or taken
// from a sandbox that stays. The default route moves to another network when
// the one that carried it goes. Each records its intent on the endpoint
// first (creating or removing, with this process as owner): if the command
// dies part-way, gc undoes the connect or finishes the disconnect.
import { Netlink } from '../netlink/handle';
import { NetplumbError } from './errors';
import { checkOptionTypes, checkStrings } from './arguments';
import { createEndpointRecord, nextIfname } from './endpoint';
import { networkDriver } from './drivers';
import { isMissing } from './drivers/bridge';
import { resolveNetwork } from './network';
import { faultPoint, withRollback } from './rollback';
import { guardedPort, makeEndpoints, refreshFiles } from './sandbox';
import { checkUpstreamsFor, servedByDns, syncDnsNetworks } from './dns-sync';
import { checkAlias } from './name-options';
import { currentOwner, ownerAlive, type Runtime } from './runtime';
import { attachment, recordEvents } from './record';
import type { EndpointRecord, NetworkRecord, SandboxRecord, StateTx } from './state/store';

export interface ConnectOptions {
  ip?: string;
  aliases?: string[];
}

function connectable(sb: SandboxRecord | undefined, name: string): SandboxRecord {
  if (!sb) throw new NetplumbError(`no such sandbox: ${name}`, 'ENOENT');
  if (sb.status !== 'ready') throw new NetplumbError(`sandbox ${sb.name} is ${sb.status === 'creating' ? 'still being created' : 'being removed'}`, 'EBUSY');
  if (sb.mode.kind !== 'networks') throw new NetplumbError(`sandbox ${sb.name} is in network mode ${sb.mode.kind}: it cannot be connected to or disconnected from networks`);
  return sb;
}

/** The endpoint's record as the store holds it now. */
export function endpointOf(tx: StateTx, ep: EndpointRecord): EndpointRecord | undefined {
  return tx.listEndpoints({ sandboxId: ep.sandboxId }).find((e) => e.id === ep.id);
}

/** `docker network connect [--ip IP] [--alias NAME] NETWORK SANDBOX` */
export async function connectNetwork(rt: Runtime, networkName: string, sandboxName: string, options: ConnectOptions = {}): Promise<EndpointRecord> {
  checkStrings('connectNetwork', { networkName, sandboxName });
  checkOptionTypes('connectNetwork', options, { ip: 'string', aliases: 'strings' });
  const net = await resolveNetwork(rt, networkName);
  if (options.ip !== undefined && net.isDefault) throw new NetplumbError('--ip works only on user-defined networks, not on the default network bridge');
  if ((options.aliases ?? []).length && net.isDefault) throw new NetplumbError('--alias works only on user-defined networks');
  const aliases = [...new Set((options.aliases ?? []).map((a) => checkAlias(a)))];
  const { sb, ep, defaultRoute } = await rt.store.update((tx) => {
    const sb = connectable(tx.getSandbox(sandboxName), sandboxName);
    const fresh = tx.getNetwork(net.id);
    if (!fresh || fresh.status !== 'ready') throw new NetplumbError(`network ${net.name} was removed meanwhile`, 'ENOENT');
    checkUpstreamsFor(net, sb);
    const existing = tx.listEndpoints({ sandboxId: sb.id });
    if (existing.some((e) => e.networkId === net.id)) throw new NetplumbError(`sandbox ${sb.name} is already connected to network ${net.name}`, 'EEXIST');
    const ep = createEndpointRecord(tx, net, sb.id, nextIfname(existing), { ip: options.ip, aliases, withHostLink: net.driver === 'bridge', creatingBy: currentOwner() });
    const defaultRoute = !net.internal && !existing.some((e) => e.defaultGateway);
    if (defaultRoute) {
      ep.defaultGateway = net.gateway;
      tx.putEndpoint(ep);
    }
    return { sb, ep, defaultRoute };
  });
  const made = await withRollback(async (undo) => {
    // Recorded before the record's undo so that it runs after it: names and files are made again from records without this endpoint.
    let namesSent = false;
    let filesWritten = false;
    undo.record(`names and files of ${sb.name} on network ${net.name}`, async () => {
      if (namesSent) await syncDnsNetworks(rt, [net.id]);
      if (filesWritten) await refreshFiles(rt, [net.id], sb);
    });
    undo.record(`record of endpoint ${ep.id.slice(0, 12)}`, () => rt.store.update((tx) => tx.deleteEndpoint(ep.id)));
    await makeEndpoints(rt, sb, [{ net, ep, defaultRoute }], false, undo);
    faultPoint('after-connect');
    if (servedByDns(net)) {
      faultPoint('dns');
      namesSent = true;
      await syncDnsNetworks(rt, [net.id]);
      faultPoint('after-dns');
    }
    delete ep.status;
    delete ep.owner;
    await rt.store.update((tx) => tx.putEndpoint(ep));
    // Its resolv.conf may name the DNS server now; its hosts lists the new address.
    filesWritten = true;
    await refreshFiles(rt, [net.id], sb);
    return ep;
  });
  await recordEvents(rt, [attachment('network.connect', net, sb, made)]);
  return made;
}

/** `docker network disconnect NETWORK SANDBOX` */
export async function disconnectNetwork(rt: Runtime, networkName: string, sandboxName: string): Promise<void> {
  checkStrings('disconnectNetwork', { networkName, sandboxName });
  // The intent goes into the endpoint's record first: if this command dies part-way, gc finishes it.
  const { sb, net, ep } = await rt.store.update((tx) => {
    const net = tx.getNetwork(networkName);
    if (!net) throw new NetplumbError(`network ${networkName} not found`, 'ENOENT');
    const sb = connectable(tx.getSandbox(sandboxName), sandboxName);
    const ep = tx.listEndpoints({ sandboxId: sb.id }).find((e) => e.networkId === net.id);
    if (!ep) throw new NetplumbError(`sandbox ${sb.name} is not connected to network ${net.name}`, 'ENOENT');
    if (ep.status && ownerAlive(ep.owner))
      throw new NetplumbError(`sandbox ${sb.name} is being ${ep.status === 'creating' ? 'connected to' : 'disconnected from'} network ${net.name} by another command`, 'EBUSY');
    const marked: EndpointRecord = { ...ep, status: 'removing', owner: currentOwner() };
    tx.putEndpoint(marked);
    return { sb, net, ep: marked };
  });
  faultPoint('disconnect-marked');
  const served = servedByDns(net);
  let others: string[];
  try {
    // Its name goes first, before its address stops answering.
    if (served) {
      faultPoint('dns');
      await syncDnsNetworks(rt, [net.id], { endpointId: ep.id });
      faultPoint('after-dns');
    }
    others = await removeEndpoint(rt, sb, net, ep, false);
  } catch (err) {
    // The endpoint stays: unmarked, its name sent again from the records, which still have it.
    await rt.store.update((tx) => {
      const fresh = endpointOf(tx, ep);
      if (!fresh) return;
      delete fresh.status;
      delete fresh.owner;
      tx.putEndpoint(fresh);
    });
    if (served) await syncDnsNetworks(rt, [net.id]).catch(() => undefined);
    throw err;
  }
  await refreshFiles(rt, [net.id, ...others], sb);
  if (served) {
    // Again from the records, now without it: a command that sent names meanwhile may have read them before it went.
    await syncDnsNetworks(rt, [net.id]).catch((err: Error) => {
      throw new NetplumbError(`sandbox ${sb.name} is disconnected from network ${net.name}, but the DNS server could not be told (run \`netplumb gc\`): ${err.message}`);
    });
  }
  await recordEvents(rt, [attachment('network.disconnect', net, sb, ep)]);
}

/**
 * Takes an endpoint out of a sandbox that stays: the ports published to it,
 * its link (on the host, or in the sandbox), its source guard, its record and
 * address, and moves the default route to the next network with a gateway
 * when this one carried it. `tolerant` (gc finishing or undoing an
 * interrupted change): what is already gone is fine. Returns the ids of the
 * networks the sandbox is still on.
 */
export async function removeEndpoint(rt: Runtime, sb: SandboxRecord, net: NetworkRecord, ep: EndpointRecord, tolerant: boolean): Promise<string[]> {
  const host = await rt.host();
  // Ports published to this endpoint's address go first: the address is about to be released.
  const fw = rt.firewall();
  if (fw && (tolerant || sb.ports.some((p) => p.endpointId === ep.id))) await fw.unpublishPorts(ep.id);
  const removal = networkDriver(net.driver).planEndpointRemoval(net, ep);
  const check = (results: unknown[]) => {
    for (const r of results) if (r instanceof Error && !(tolerant && isMissing(r))) throw r;
  };
  const inSandbox = await Netlink.open({ netns: sb.netns! });
  try {
    if (removal.host.length) check(await host.send(removal.host));
    if (removal.sandbox.length) check(await inSandbox.send(removal.sandbox));
    const port = guardedPort(ep);
    if (port) await (await rt.guard())?.unguardPort(port);
    faultPoint('disconnect-link');
    // The default route went with the link: give it to the next network that has a gateway.
    const others = await rt.store.read((tx) => tx.listEndpoints({ sandboxId: sb.id }).filter((e) => e.id !== ep.id && !e.status)
      .map((e) => ({ ep: e, net: tx.getNetwork(e.networkId) })));
    const next = ep.defaultGateway ? others.find((o) => o.net && !o.net.internal) : undefined;
    if (next && next.net) {
      await inSandbox.routeReplace({ dst: 'default', gateway: next.net.gateway, dev: next.ep.ifname });
      next.ep.defaultGateway = next.net.gateway;
    }
    await rt.store.update((tx) => {
      tx.deleteEndpoint(ep.id);
      if (next) tx.putEndpoint(next.ep);
      const current = tx.getSandbox(sb.id);
      if (current && current.ports.some((p) => p.endpointId === ep.id)) tx.putSandbox({ ...current, ports: current.ports.filter((p) => p.endpointId !== ep.id) });
    });
    return others.map((o) => o.ep.networkId);
  } finally {
    inSandbox.close();
  }
}
