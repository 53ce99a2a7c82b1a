// `docker network connect` and `disconnect`: one endpoint added to or taken
// from a sandbox that stays. The default route moves to another network when
// the one that carried it goes.
import { Netlink } from '../netlink/handle';
import { NetplumbError } from './errors';
import { createEndpointRecord, nextIfname } from './endpoint';
import { networkDriver } from './drivers';
import { resolveNetwork } from './network';
import { faultPoint, withRollback } from './rollback';
import { makeEndpoints, refreshFiles } from './sandbox';
import { checkUpstreamsFor, servedByDns, syncDnsNetworks } from './dns-sync';
import { checkAlias } from './name-options';
import type { Runtime } from './runtime';
import { attachment, recordEvents } from './record';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from './state/store';

export interface ConnectOptions {
  ip?: string;
  aliases?: string[];
}

function connectable(sb: SandboxRecord | undefined, name: string): SandboxRecord {
  if (!sb) throw new NetplumbError(`no such sandbox: ${name}`, 'ENOENT');
  if (sb.status !== 'ready') throw new NetplumbError(`sandbox ${sb.name} is still being created`, 'EBUSY');
  if (sb.mode.kind !== 'networks') throw new NetplumbError(`sandbox ${sb.name} is in network mode ${sb.mode.kind}: it cannot be connected to or disconnected from networks`);
  return sb;
}

/** `docker network connect [--ip IP] [--alias NAME] NETWORK SANDBOX` */
export async function connectNetwork(rt: Runtime, networkName: string, sandboxName: string, options: ConnectOptions = {}): Promise<EndpointRecord> {
  const net = await resolveNetwork(rt, networkName);
  if (options.ip !== undefined && net.isDefault) throw new NetplumbError('--ip works only on user-defined networks, not on the default network bridge');
  if ((options.aliases ?? []).length && net.isDefault) throw new NetplumbError('--alias works only on user-defined networks');
  const aliases = [...new Set((options.aliases ?? []).map((a) => checkAlias(a)))];
  const { sb, ep, defaultRoute } = await rt.store.update((tx) => {
    const sb = connectable(tx.getSandbox(sandboxName), sandboxName);
    checkUpstreamsFor(net, sb);
    const existing = tx.listEndpoints({ sandboxId: sb.id });
    if (existing.some((e) => e.networkId === net.id)) throw new NetplumbError(`sandbox ${sb.name} is already connected to network ${net.name}`, 'EEXIST');
    const ep = createEndpointRecord(tx, net, sb.id, nextIfname(existing), { ip: options.ip, aliases, withHostLink: net.driver === 'bridge' });
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
  const { sb, net, ep, others } = await rt.store.read((tx) => {
    const net = tx.getNetwork(networkName);
    if (!net) throw new NetplumbError(`network ${networkName} not found`, 'ENOENT');
    const sb = connectable(tx.getSandbox(sandboxName), sandboxName);
    const all = tx.listEndpoints({ sandboxId: sb.id });
    const ep = all.find((e) => e.networkId === net.id);
    if (!ep) throw new NetplumbError(`sandbox ${sb.name} is not connected to network ${net.name}`, 'ENOENT');
    const others = all.filter((e) => e.id !== ep.id).map((e) => ({ ep: e, net: tx.getNetwork(e.networkId) as NetworkRecord }));
    return { sb, net, ep, others };
  });
  const host = await rt.host();
  // Ports published to this endpoint's address go first: the address is about to be released.
  const published = sb.ports.filter((p) => p.endpointId === ep.id);
  const fw = rt.firewall();
  if (published.length && fw) await fw.unpublishPorts(ep.id);
  const removal = networkDriver(net.driver).planEndpointRemoval(net, ep);
  const served = servedByDns(net);
  await withRollback(async (undo) => {
    // Its name goes first, before its address stops answering; undone, it is sent again from the records, which still have it.
    if (served) {
      undo.record(`names on network ${net.name} on the DNS server`, () => syncDnsNetworks(rt, [net.id]));
      faultPoint('dns');
      await syncDnsNetworks(rt, [net.id], { endpointId: ep.id });
      faultPoint('after-dns');
    }
    const inSandbox = await Netlink.open({ netns: sb.netns! });
    try {
      if (removal.host.length) for (const r of await host.send(removal.host)) if (r instanceof Error) throw r;
      if (removal.sandbox.length) for (const r of await inSandbox.send(removal.sandbox)) if (r instanceof Error) throw r;
      // The default route went with the link: give it to the next network that has a gateway.
      const next = ep.defaultGateway ? others.find((o) => o.net && !o.net.internal) : undefined;
      if (next) {
        await inSandbox.routeReplace({ dst: 'default', gateway: next.net.gateway, dev: next.ep.ifname });
        next.ep.defaultGateway = next.net.gateway;
      }
      await rt.store.update((tx) => {
        tx.deleteEndpoint(ep.id);
        if (next) tx.putEndpoint(next.ep);
        if (published.length) {
          const current = tx.getSandbox(sb.id);
          if (current) tx.putSandbox({ ...current, ports: current.ports.filter((p) => p.endpointId !== ep.id) });
        }
      });
    } finally {
      inSandbox.close();
    }
  });
  await refreshFiles(rt, [net.id, ...others.map((o) => o.ep.networkId)], sb);
  if (served) {
    // Again from the records, now without it: a command that sent names meanwhile may have read them before it went.
    await syncDnsNetworks(rt, [net.id]).catch((err: Error) => {
      throw new NetplumbError(`sandbox ${sb.name} is disconnected from network ${net.name}, but the DNS server could not be told (run \`netplumb gc\`): ${err.message}`);
    });
  }
  await recordEvents(rt, [attachment('network.disconnect', net, sb, ep)]);
}

