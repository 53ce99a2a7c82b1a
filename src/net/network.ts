// Networks: create (subnet from IPAM, kernel objects by the driver), list,
// inspect, remove, prune; the default network `bridge` (np0), made on first use.
import { NetplumbError } from './errors';
import { dnsNameProblem } from './dns/names';
import { syncDnsNetworks } from './dns-sync';
import { checkOptionTypes, checkStrings } from './arguments';
import { newId } from './endpoint';
import { networkDriver } from './drivers';
import { planNetworkIpam, coveringPrefix, type TakenPrefix, parsePrefix } from './ipam';
import { withRollback, faultPoint, type UndoLog } from './rollback';
import { currentOwner, ownerAlive, type Runtime } from './runtime';
import { networkCreated, networkRemoved, recordEvents } from './record';
import type { EndpointRecord, NetworkRecord } from './state/store';
import type { Netlink } from '../netlink/handle';

export interface NetworkCreateOptions {
  name: string;
  driver?: string;
  subnet?: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
  internal?: boolean;
  mtu?: number;
  options?: Record<string, string>;
}

export const DEFAULT_NETWORK = 'bridge';
/** Names that are network modes, not networks. */
const RESERVED = new Set(['host', 'none', 'default', DEFAULT_NETWORK]);

export function checkNetworkName(name: string): void {
  if (typeof name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name))
    throw new NetplumbError(`invalid network name ${JSON.stringify(name)}: letters, digits, '_', '.', '-', starting with a letter or digit`);
  if (name.length > 64) throw new NetplumbError(`network name ${JSON.stringify(name.slice(0, 20) + '...')} is ${name.length} characters long; at most 64`);
  // members resolve as NAME.NETWORK
  const problem = dnsNameProblem(name);
  if (problem) throw new NetplumbError(`invalid network name ${JSON.stringify(name)}: it must be a DNS name, and ${problem}`);
}

/** What already uses addresses on the host, apart from netplumb's own devices. */
async function hostPrefixes(host: Netlink, ownDevices: Set<string>): Promise<{ addresses: TakenPrefix[]; routes: TakenPrefix[] }> {
  const links = await host.linkList();
  const nameOf = new Map(links.map((l) => [l.index, l.name]));
  const foreign = (index: number | undefined) => index === undefined || !ownDevices.has(nameOf.get(index) ?? '');
  const addresses = (await host.addrList({ family: 4 }))
    .filter((a) => foreign(a.index) && !a.local.startsWith('127.'))
    .map((a) => ({ prefix: coveringPrefix(a.local, a.prefixlen), by: `address ${a.cidr} on ${nameOf.get(a.index) ?? a.index}` }));
  const routes = (await host.routeList({ family: 4 }))
    .filter((r) => r.dst !== 'default' && foreign(r.index))
    .map((r) => ({ prefix: coveringPrefix(r.dst.split('/')[0], r.dstLen), by: `route ${r.dst}${r.index ? ` dev ${nameOf.get(r.index)}` : ''}` }));
  return { addresses, routes };
}

/** `docker network create`: validates everything, then makes the network whole or not at all. */
export async function createNetwork(rt: Runtime, opts: NetworkCreateOptions, isDefault = false): Promise<NetworkRecord> {
  checkOptionTypes('createNetwork', opts, {
    name: 'string', driver: 'string', subnet: 'string', ipRange: 'string', gateway: 'string', auxAddresses: 'record', internal: 'boolean', mtu: 'number', options: 'record',
  });
  if (!isDefault) {
    checkNetworkName(opts.name);
    if (RESERVED.has(opts.name)) throw new NetplumbError(`network name ${opts.name} is reserved (it is a network mode)`);
  }
  if (opts.mtu !== undefined && (!Number.isInteger(opts.mtu) || opts.mtu < 68 || opts.mtu > 65535)) throw new NetplumbError(`mtu ${opts.mtu} is out of range (68 to 65535)`);
  const driver = networkDriver(opts.driver ?? 'bridge');
  const existing = await rt.store.read((tx) => tx.getNetwork(opts.name));
  if (existing && existing.name === opts.name) throw new NetplumbError(`network with name ${opts.name} already exists`, 'EEXIST');
  const host = await rt.host();
  const id = newId();
  const plan = await driver.prepare({ id, name: opts.name, isDefault, mtu: opts.mtu, options: opts.options ?? {} }, host);
  const ownDevices = new Set((await rt.store.read((tx) => tx.listNetworks())).filter((n) => n.driver === 'bridge').map((n) => n.device));
  const onHost = await hostPrefixes(host, ownDevices);

  const net = await rt.store.update((tx) => {
    const clash = tx.getNetwork(opts.name);
    if (clash && clash.name === opts.name) throw new NetplumbError(`network with name ${opts.name} already exists`, 'EEXIST');
    const others: TakenPrefix[] = tx.listNetworks().map((n) => ({ prefix: parsePrefix(n.subnet, 'subnet'), by: `network ${n.name}` }));
    const conflicts = driver.subnetOwnedByHost ? [...others, ...onHost.addresses] : others;
    const ipam = planNetworkIpam(
      { subnet: opts.subnet, ipRange: opts.ipRange, gateway: opts.gateway, auxAddresses: opts.auxAddresses },
      conflicts,
      driver.subnetOwnedByHost ? onHost.routes : [],
    );
    const record: NetworkRecord = {
      id, name: opts.name, driver: driver.name, ...ipam, internal: !!opts.internal, mtu: plan.mtu, options: opts.options ?? {},
      device: plan.device, isDefault, created: new Date().toISOString(), status: 'creating', owner: currentOwner(),
    };
    tx.putNetwork(record);
    return record;
  });

  const made = await withRollback(async (undo) => {
    undo.record(`record of network ${net.name}`, () => rt.store.update((tx) => tx.deleteNetwork(net.id)));
    await driver.create(net, host, undo);
    const fw = rt.firewall();
    if (fw) await fw.setupNetwork(net, undo);
    if (net.driver === 'bridge') await ensureGuard(rt, undo, net);
    faultPoint('after-network');
    net.status = 'ready';
    delete net.owner;
    await rt.store.update((tx) => tx.putNetwork(net));
    return net;
  });
  await recordEvents(rt, [networkCreated(made)]);
  return made;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The network a sandbox joins: the default one is made on first use. */
export async function resolveNetwork(rt: Runtime, name: string, onCreated?: (net: NetworkRecord) => void): Promise<NetworkRecord> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const net = await rt.store.read((tx) => tx.getNetwork(name));
    if (net && net.status === 'ready') return net;
    if (net && net.status === 'removing') throw new NetplumbError(`network ${name} is being removed`, 'ENOENT');
    if (net && !ownerAlive(net.owner)) throw new NetplumbError(`network ${name} was left half-made by a command that died; run \`netplumb gc\``, 'EBUSY');
    if (!net) {
      if (name !== DEFAULT_NETWORK) throw new NetplumbError(`network ${name} not found`, 'ENOENT');
      try {
        const made = await createNetwork(rt, { name: DEFAULT_NETWORK, driver: 'bridge' }, true);
        onCreated?.(made);
        return made;
      } catch (err) {
        // Another command made it meanwhile: use theirs.
        if (!(err instanceof NetplumbError && err.code === 'EEXIST' && /already exists/.test(err.message))) throw err;
      }
    }
    await sleep(50); // being made by a concurrent command
  }
  throw new NetplumbError(`network ${name} is still being created by another command`, 'EBUSY');
}

export interface NetworkDetails extends NetworkRecord {
  sandboxes: Array<{ name: string; id: string } & Omit<EndpointRecord, 'networkId' | 'sandboxId'> & { endpointId: string }>;
}

export async function listNetworks(rt: Runtime): Promise<NetworkRecord[]> {
  return rt.store.read((tx) => tx.listNetworks());
}

/** `docker network inspect NAME`. */
export async function inspectNetwork(rt: Runtime, name: string): Promise<NetworkDetails> {
  checkStrings('inspectNetwork', { name });
  return rt.store.read((tx) => {
    const net = tx.getNetwork(name);
    if (!net) throw new NetplumbError(`network ${name} not found`, 'ENOENT');
    const sandboxes = tx.listEndpoints({ networkId: net.id }).map(({ networkId: _n, sandboxId, id: endpointId, ...ep }) => {
      const sb = tx.getSandbox(sandboxId);
      return { name: sb?.name ?? '', id: sandboxId, endpointId, ...ep };
    });
    return { ...net, sandboxes };
  });
}

/** `docker network rm NAME`: refused while sandboxes are connected. */
export async function removeNetwork(rt: Runtime, name: string): Promise<NetworkRecord> {
  checkStrings('removeNetwork', { name });
  const net = await rt.store.read((tx) => tx.getNetwork(name));
  if (!net) throw new NetplumbError(`network ${name} not found`, 'ENOENT');
  if (net.isDefault) throw new NetplumbError(`${net.name} is the default network and cannot be removed`, 'EBUSY');
  // The intent goes into the record first, in the transaction that checks for
  // endpoints: from then on no sandbox can join it, and if this command dies
  // part-way, gc finishes the removal.
  await rt.store.update((tx) => {
    const fresh = tx.getNetwork(net.id);
    if (!fresh) throw new NetplumbError(`network ${name} not found`, 'ENOENT');
    if (fresh.status !== 'ready' && ownerAlive(fresh.owner))
      throw new NetplumbError(`network ${fresh.name} is being ${fresh.status === 'creating' ? 'created' : 'removed'} by another command`, 'EBUSY');
    const users = tx.listEndpoints({ networkId: net.id }).map((ep) => tx.getSandbox(ep.sandboxId)?.name ?? ep.sandboxId);
    if (users.length) throw new NetplumbError(`network ${fresh.name} has active endpoints (sandboxes ${users.join(', ')}); disconnect or remove them first`, 'EBUSY');
    tx.putNetwork({ ...fresh, status: 'removing', owner: currentOwner() });
  });
  try {
    faultPoint('network-rm-marked');
    // Without members the DNS server no longer serves it; this only makes sure (a command that died part-way may have left it served).
    await syncDnsNetworks(rt, [net.id]);
    await deleteNetworkObjects(rt, net);
  } catch (err) {
    // Nothing removed for sure: the network stays as it was.
    await rt.store.update((tx) => {
      const fresh = tx.getNetwork(net.id);
      if (fresh) { delete fresh.owner; tx.putNetwork({ ...fresh, status: 'ready' }); }
    });
    throw err;
  }
  faultPoint('network-rm-objects');
  await rt.store.update((tx) => tx.deleteNetwork(net.id));
  await recordEvents(rt, [networkRemoved(net)]);
  return net;
}

/** Ends a network removal that a dead command left marked (gc): kernel objects, then the record. */
export async function finishNetworkRemoval(rt: Runtime, net: NetworkRecord): Promise<void> {
  await syncDnsNetworks(rt, [net.id]);
  await deleteNetworkObjects(rt, net);
  await rt.store.update((tx) => {
    for (const ep of tx.listEndpoints({ networkId: net.id })) tx.deleteEndpoint(ep.id);
    tx.deleteNetwork(net.id);
  });
}

/**
 * Kernel and firewall objects of a network (and the source guard's table
 * with the last bridge network); what is gone already is not an error. All
 * at once: deleting a bridge waits 20-50 ms for the kernel (an RCU grace
 * period), time the nf_tables work fills.
 */
export async function deleteNetworkObjects(rt: Runtime, net: NetworkRecord): Promise<void> {
  const fw = rt.firewall();
  const host = await rt.host();
  const results = await Promise.allSettled([
    fw?.teardownNetwork(net),
    networkDriver(net.driver).remove(net, host),
    net.driver === 'bridge' ? dropGuardUnlessBridges(rt, net.id) : undefined,
  ]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** The source guard's table comes with the first bridge network (so a network's sandboxes come and go without changing tables)... */
async function ensureGuard(rt: Runtime, undo: UndoLog, net: NetworkRecord): Promise<void> {
  const guard = await rt.guard();
  if (!guard) return;
  await guard.ensureBase();
  undo.record('the source guard table', () => dropGuardUnlessBridges(rt, net.id));
}

/** ... and goes with the last one (no port can be guarded without one). */
async function dropGuardUnlessBridges(rt: Runtime, leaving: string): Promise<void> {
  const bridges = await rt.store.read((tx) => tx.listNetworks().filter((n) => n.driver === 'bridge' && n.id !== leaving).length);
  if (bridges === 0) await (await rt.guard())?.drop();
}

/** `docker network prune`: removes user-defined networks nothing is connected to. */
export async function pruneNetworks(rt: Runtime): Promise<string[]> {
  const unused = await rt.store.read((tx) => tx.listNetworks().filter((n) => !n.isDefault && n.status === 'ready' && tx.listEndpoints({ networkId: n.id }).length === 0));
  const removed: string[] = [];
  for (const net of unused) {
    try {
      await removeNetwork(rt, net.id);
      removed.push(net.name);
    } catch (err) {
      if (!(err instanceof NetplumbError && err.code === 'EBUSY')) throw err;
    }
  }
  return removed;
}

/** Removes the default network again when the command that made it on first use fails (and nothing else joined it). */
export async function removeDefaultNetworkIfUnused(rt: Runtime, net: NetworkRecord): Promise<void> {
  const users = await rt.store.read((tx) => tx.listEndpoints({ networkId: net.id }).length);
  if (users) return;
  await deleteNetworkObjects(rt, net);
  const removed = await rt.store.update((tx) => {
    if (tx.listEndpoints({ networkId: net.id }).length) return false;
    tx.deleteNetwork(net.id);
    return true;
  });
  if (removed) await recordEvents(rt, [networkRemoved(net)]);
}
