// Self-repair (`netplumb gc`): what the store says should exist but the
// kernel no longer holds, because someone removed it by hand (`ip link del` of
// a bridge or a veth, `ip addr flush`, `ip link set nomaster`), is made again
// as recorded: the bridge with its address and owner tag, each endpoint's
// link on its bridge with its address and default route. What cannot be made
// again is reported, never guessed at. Records whose sandbox namespace is gone
// are gc's (they cannot be honoured: the processes that used it are gone too).
import { existsSync } from 'fs';
import { Netlink } from '../netlink/handle';
import { NETNS_DIR } from '../netns';
import { networkDriver } from './drivers';
import { isMissing } from './drivers/bridge';
import { withRollback } from './rollback';
import { guardedPort, makeEndpoints } from './sandbox';
import type { Runtime } from './runtime';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from './state/store';

export interface RepairResult {
  /** One line per thing made again. */
  restored: string[];
  /** One line per thing that could not be. */
  errors: string[];
}

/**
 * Makes sure the host holds the network's device, up, with the gateway
 * address (made again when missing); its index, or undefined when it cannot
 * be had (a macvlan parent is not netplumb's to make).
 */
async function repairNetwork(rt: Runtime, net: NetworkRecord, out: RepairResult): Promise<number | undefined> {
  const host = await rt.host();
  const driver = networkDriver(net.driver);
  let link;
  try {
    link = await host.linkGet(net.device);
  } catch (err) {
    if (!isMissing(err)) throw err;
    if (net.driver !== 'bridge') {
      out.errors.push(`network ${net.name}: its parent device ${net.device} is gone; netplumb cannot make it (restore it, or remove the network)`);
      return undefined;
    }
    const index = await withRollback((undo) => driver.ensure(net, host, undo));
    out.restored.push(`re-created bridge ${net.device} of network ${net.name} with address ${net.gateway}/${net.subnet.split('/')[1]} (it had been deleted)`);
    return index;
  }
  if (net.driver !== 'bridge') return link.index;
  const prefixlen = Number(net.subnet.split('/')[1]);
  const addrs = await host.addrList({ family: 4, link: link.index });
  if (!addrs.some((a) => a.index === link.index && a.local === net.gateway && a.prefixlen === prefixlen)) {
    await host.addrAdd(net.device, `${net.gateway}/${prefixlen}`);
    out.restored.push(`restored address ${net.gateway}/${prefixlen} on bridge ${net.device} of network ${net.name}`);
  }
  if (!link.up) {
    await host.linkSet(net.device, { up: true });
    out.restored.push(`set bridge ${net.device} of network ${net.name} up again`);
  }
  return link.index;
}

/** An endpoint of a sandbox whose namespace exists: its link, bridge port and address, made again where missing. */
async function repairEndpoint(rt: Runtime, sb: SandboxRecord, net: NetworkRecord, deviceIndex: number, ep: EndpointRecord, out: RepairResult): Promise<void> {
  const host = await rt.host();
  const inSandbox = await Netlink.open({ netns: sb.netns! });
  const what = `sandbox ${sb.name} on network ${net.name}`;
  try {
    let inside;
    try {
      inside = await inSandbox.linkGet(ep.ifname);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    if (!inside) {
      // One end of a veth pair never outlives the other: both are gone. Remove a stray host end all the same.
      if (ep.hostIfname) await host.linkDel(ep.hostIfname).catch((err) => { if (!isMissing(err)) throw err; });
      await withRollback((undo) => makeEndpoints(rt, sb, [{ net, ep, defaultRoute: !!ep.defaultGateway }], false, undo));
      out.restored.push(`re-created the link of ${what} (${ep.hostIfname ? `${ep.hostIfname}, ` : ''}${ep.ifname} ${ep.address}/${ep.prefixlen}) (it had been deleted)`);
      return;
    }
    if (ep.hostIfname) {
      const port = await host.linkGet(ep.hostIfname);
      if (port.master !== deviceIndex || !port.up) {
        await host.linkSet(ep.hostIfname, { master: deviceIndex, up: true });
        out.restored.push(`re-attached ${ep.hostIfname} of ${what} to bridge ${net.device}`);
      }
    }
    const addrs = await inSandbox.addrList({ family: 4 });
    if (!addrs.some((a) => a.index === inside.index && a.local === ep.address && a.prefixlen === ep.prefixlen)) {
      await inSandbox.addrAdd(ep.ifname, `${ep.address}/${ep.prefixlen}`);
      out.restored.push(`restored address ${ep.address}/${ep.prefixlen} on ${ep.ifname} of ${what}`);
    }
    if (!inside.up) {
      await inSandbox.linkSet(ep.ifname, { up: true });
      out.restored.push(`set ${ep.ifname} of ${what} up again`);
    }
    if (ep.defaultGateway) {
      const routes = await inSandbox.routeList({ family: 4 });
      if (!routes.some((r) => r.dst === 'default')) {
        await inSandbox.routeReplace({ dst: 'default', gateway: ep.defaultGateway, dev: ep.ifname });
        out.restored.push(`restored the default route of sandbox ${sb.name} via ${ep.defaultGateway}`);
      }
    }
  } finally {
    inSandbox.close();
  }
}

/**
 * Makes again what the store holds but the kernel lacks, for every network
 * and for the endpoints of every sandbox whose namespace still exists. Goes
 * on past failures, reporting each.
 */
export async function repairFromStore(rt: Runtime): Promise<RepairResult> {
  const out: RepairResult = { restored: [], errors: [] };
  const { networks, sandboxes, endpoints } = await rt.store.read((tx) => ({
    networks: tx.listNetworks().filter((n) => n.status === 'ready'),
    sandboxes: tx.listSandboxes().filter((s) => s.status === 'ready'),
    endpoints: tx.listEndpoints().filter((e) => !e.status),
  }));
  const deviceIndex = new Map<string, number>();
  for (const net of networks) {
    try {
      const index = await repairNetwork(rt, net, out);
      if (index !== undefined) deviceIndex.set(net.id, index);
    } catch (err) {
      out.errors.push(`network ${net.name}: cannot restore ${net.device}: ${(err as Error).message}`);
    }
  }
  const byId = new Map(networks.map((n) => [n.id, n]));
  const guard = await rt.guard();
  for (const sb of sandboxes) {
    if (sb.mode.kind !== 'networks' || !sb.netns || !existsSync(`${NETNS_DIR}/${sb.netns}`)) continue;
    for (const ep of endpoints.filter((e) => e.sandboxId === sb.id)) {
      const net = byId.get(ep.networkId);
      const index = net && deviceIndex.get(net.id);
      if (!net || index === undefined) continue;
      try {
        await repairEndpoint(rt, sb, net, index, ep, out);
      } catch (err) {
        out.errors.push(`sandbox ${sb.name} on network ${net.name}: cannot restore its link: ${(err as Error).message}`);
      }
    }
  }
  // The source guard of every bridge port (after `nft flush ruleset`, or a table deleted by hand).
  if (guard) try {
    if (networks.some((n) => n.driver === 'bridge')) await guard.ensureBase();
    const have = new Set((await guard.list()).map((g) => `${g.endpointId} ${g.port} ${g.mac} ${g.address}`));
    const ready = new Set(sandboxes.map((s) => s.id));
    for (const ep of endpoints) {
      const port = guardedPort(ep);
      if (!port || !ready.has(ep.sandboxId) || have.has(`${port.endpointId} ${port.port} ${port.mac.toLowerCase()} ${port.address}`)) continue;
      await guard.guard(port);
      out.restored.push(`restored the source guard of ${port.port} (sandbox ${sandboxes.find((s) => s.id === ep.sandboxId)?.name}, ${ep.address})`);
    }
  } catch (err) {
    out.errors.push(`restoring the source guard: ${(err as Error).message}`);
  }
  return out;
}
