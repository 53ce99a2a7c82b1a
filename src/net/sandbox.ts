// Sandboxes ("containers"): a named network namespace (/run/netns/NAME), a UTS
// and a mount namespace kept under /run/netplumb (hostname, /etc/hosts,
// /etc/resolv.conf), endpoints on networks, and the processes started in it.
// Created whole or not at all; removed by deleting the namespace, which lets
// the kernel destroy the veth pairs in bulk.
import { execFile } from 'child_process';
import { existsSync, promises as fsp } from 'fs';
import { isIPv4 } from 'net';
import { promisify } from 'util';
import { native } from '../../bindings';
import { NetlinkError } from '../errors';
import { NETNS_DIR, NetNs } from '../netns';
import { Netlink } from '../netlink/handle';
import { planLinkSet } from '../netlink/links';
import type { PlannedRequest } from '../netlink/request';
import { NetplumbError } from './errors';
import { createEndpointRecord, newId, nextIfname } from './endpoint';
import { networkDriver } from './drivers';
import type { EndpointPlan } from './drivers/driver';
import type { GuardedPort } from './firewall/source-guard';
import { firewallDriver } from './firewall/driver';
import { hostsEntries, hostsPath, memoizedReads, removeSandboxFiles, writeHostsFiles, renderHosts, renderResolvConf, resolvPath, sandboxesToRefresh, writeSandboxFiles } from './hosts';
import { DEFAULT_NETWORK, removeDefaultNetworkIfUnused, resolveNetwork } from './network';
import { helperPath, markerFile, mntFile, NS_DIR, SANDBOX_MARKERS, utsFile } from './paths';
import { parsePortSpec } from './ports';
import { killProcesses, sandboxProcesses } from './processes';
import { faultPoint, teardownAll, withRollback, type UndoLog } from './rollback';
import { currentOwner, ownerAlive, type Runtime } from './runtime';
import { attachment, eventContainer, portEvents, recordEvents } from './record';
import type { NewEvent } from './events/types';
import { checkOptionTypes, checkStrings } from './arguments';
import type { EndpointRecord, NetworkMode, NetworkRecord, PortMapping, SandboxRecord } from './state/store';

const execFileAsync = promisify(execFile);

export interface SandboxOptions {
  name?: string;
  hostname?: string;
  /** --net values: 'bridge' (default), network names, 'host', 'none', 'container:NAME'. */
  networks?: string[];
  /** --ip: the address on the first user-defined network. */
  ip?: string;
  /** --network-alias: extra names on user-defined networks. */
  aliases?: string[];
  /** -p specs. */
  publish?: string[];
  dns?: string[];
  /** --add-host HOST:IP. */
  addHosts?: string[];
  /** --link NAME[:ALIAS]. */
  links?: string[];
  autoRemove?: boolean;
}

type ModeSpec = { kind: 'networks'; networks: string[] } | { kind: 'host' } | { kind: 'none' } | { kind: 'container'; target: string };

export function checkSandboxName(name: string): void {
  if (typeof name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name))
    throw new NetplumbError(`invalid sandbox name ${JSON.stringify(name)}: letters, digits, '_', '.', '-', starting with a letter or digit`);
  if (name.length > 63) throw new NetplumbError(`sandbox name ${JSON.stringify(name.slice(0, 20) + '...')} is ${name.length} characters long; at most 63 (it is the hostname and a DNS label)`);
}

function checkHostname(hostname: string): void {
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/.test(hostname) || hostname.length > 64)
    throw new NetplumbError(`invalid hostname ${JSON.stringify(hostname)}: 1 to 64 letters, digits, '-', '_', '.'`);
}

function parseModes(values: string[]): ModeSpec {
  const list = values.length ? values.map((v) => (v === 'default' ? DEFAULT_NETWORK : v)) : [DEFAULT_NETWORK];
  const special = list.filter((v) => v === 'host' || v === 'none' || v.startsWith('container:'));
  if (special.length && list.length > 1) throw new NetplumbError(`network mode ${special[0]} cannot be combined with other networks`);
  if (list[0] === 'host') return { kind: 'host' };
  if (list[0] === 'none') return { kind: 'none' };
  if (list[0].startsWith('container:')) {
    const target = list[0].slice('container:'.length);
    if (!target) throw new NetplumbError('network mode container: needs a sandbox name (container:NAME)');
    return { kind: 'container', target };
  }
  const dup = list.find((v, i) => list.indexOf(v) !== i);
  if (dup) throw new NetplumbError(`network ${dup} is given twice`);
  return { kind: 'networks', networks: list };
}

function parseAddHost(spec: string): { host: string; ip: string } {
  const colon = spec.indexOf(':');
  const host = spec.slice(0, colon);
  const ip = spec.slice(colon + 1);
  if (colon <= 0 || !/^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/.test(host) || !isIPv4(ip))
    throw new NetplumbError(`invalid --add-host ${JSON.stringify(spec)}: expected HOST:IPv4`);
  return { host, ip };
}

function parseLink(spec: string): { name: string; alias: string } {
  const [name, alias, extra] = spec.split(':');
  if (extra !== undefined || !name) throw new NetplumbError(`invalid --link ${JSON.stringify(spec)}: expected NAME[:ALIAS]`);
  checkSandboxName(name);
  if (alias !== undefined) checkHostname(alias);
  return { name, alias: alias ?? name };
}

function isMissing(err: unknown): boolean {
  return err instanceof NetlinkError && (err.code === 'ENOENT' || err.code === 'ENODEV');
}

/** Unmounts and unlinks a namespace file (UTS, mount or network); gone already is fine. */
async function dropNamespaceFile(file: string): Promise<void> {
  await native.netnsDelete(file).catch((err) => { if (!isMissing(err)) throw err; });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until host-side links are gone: deleting a namespace hands its veth
 * pairs to the kernel's cleanup, which finishes a moment later. Waiting keeps
 * the promise that nothing is left once a command returns.
 */
export async function waitLinksGone(host: Netlink, names: string[], timeoutMs = 10000): Promise<void> {
  if (names.length === 0) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = await host.send(names.map((name) => ({ op: 'link.get', args: { name } })));
    const left = names.filter((_, i) => !(results[i] instanceof Error && isMissing(results[i])));
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new NetplumbError(`links ${left.join(', ')} still exist ${timeoutMs / 1000} s after their namespace was deleted (does a process still hold it?)`, 'EBUSY');
    await sleep(5);
  }
}

/** What a bridge endpoint's port may send as; undefined for endpoints without a host-side veth. */
export function guardedPort(ep: EndpointRecord): GuardedPort | undefined {
  return ep.hostIfname ? { endpointId: ep.id, port: ep.hostIfname, mac: ep.mac, address: ep.address } : undefined;
}

/** Turns the first failed request of a batch into its error (the others' results are ignored). */
function firstError(results: Array<unknown>): Error | undefined {
  return results.find((r): r is Error => r instanceof Error);
}

/** Makes endpoints' links and addresses: one batch on the host, one inside the sandbox. */
async function makeEndpoints(
  rt: Runtime,
  sb: SandboxRecord,
  items: Array<{ net: NetworkRecord; ep: EndpointRecord; defaultRoute: boolean }>,
  fresh: boolean,
  undo: UndoLog,
): Promise<void> {
  const host = await rt.host();
  const inSandbox = await Netlink.open({ netns: sb.netns! });
  try {
    const plans: EndpointPlan[] = [];
    const deviceIndex = new Map<string, number>();
    for (const item of items) {
      if (!deviceIndex.has(item.net.id)) deviceIndex.set(item.net.id, await networkDriver(item.net.driver).ensure(item.net, host, undo));
    }
    // In a namespace made just now only lo (1) exists, so the sandbox ends can be given
    // known indexes (2, 3 ...) and the requests inside it need no name lookup first.
    const plan = (pin: boolean) => items.map((item, i) =>
      networkDriver(item.net.driver).planEndpoint(item.net, item.ep, deviceIndex.get(item.net.id)!, { netns: sb.netns!, pinIndex: pin ? 2 + i : undefined, defaultRoute: item.defaultRoute }));
    plans.push(...plan(fresh));
    let results = await host.send(plans.flatMap((p) => p.host));
    if (fresh && firstError(results) && results.every((r) => !(r instanceof Error) || ['EBUSY', 'EEXIST'].includes((r as NetlinkError).code))) {
      // An index was taken after all (fallback tunnel devices of loaded modules): name them instead.
      const made = results.filter((r) => !(r instanceof Error)).length;
      if (made > 0) throw firstError(results)!;
      plans.splice(0, plans.length, ...plan(false));
      results = await host.send(plans.flatMap((p) => p.host));
    }
    for (const item of items) {
      if (item.ep.hostIfname && !fresh) {
        const name = item.ep.hostIfname;
        undo.record(`veth ${name}`, () => host.linkDel(name).catch((err) => { if (!isMissing(err)) throw err; }));
      }
    }
    const hostError = firstError(results);
    if (hostError) throw hostError;
    // Each bridge port may send only as its endpoint (anti-spoofing).
    const guard = await rt.guard();
    for (const item of items) {
      const port = guardedPort(item.ep);
      if (!port) continue;
      await guard.guard(port);
      undo.record(`source guard of ${port.port}`, () => guard.unguardPort(port));
    }
    faultPoint('after-veth');
    const inside: PlannedRequest[] = fresh ? [planLinkSet(1, { up: true })] : [];
    inside.push(...plans.flatMap((p) => p.sandbox));
    const sandboxError = firstError(await inSandbox.send(inside));
    if (sandboxError) throw sandboxError;
    faultPoint('after-addresses');
  } finally {
    inSandbox.close();
  }
}

/** `docker create`: a sandbox with its namespaces, files and endpoints, whole or not at all. */
export async function createSandbox(rt: Runtime, opts: SandboxOptions): Promise<SandboxRecord> {
  checkOptionTypes('createSandbox', opts, {
    name: 'string', hostname: 'string', networks: 'strings', ip: 'string', aliases: 'strings', publish: 'strings',
    dns: 'strings', addHosts: 'strings', links: 'strings', autoRemove: 'boolean',
  });
  const id = newId();
  const name = opts.name ?? id.slice(0, 12);
  checkSandboxName(name);
  const mode = parseModes(opts.networks ?? []);
  if (opts.hostname !== undefined) {
    checkHostname(opts.hostname);
    if (mode.kind === 'host' || mode.kind === 'container') throw new NetplumbError(`--hostname cannot be used with network mode ${mode.kind}: the hostname is shared`);
  }
  const ports: PortMapping[] = (opts.publish ?? []).flatMap(parsePortSpec);
  if (ports.length) {
    if (mode.kind !== 'networks') throw new NetplumbError(`ports cannot be published in network mode ${mode.kind}`);
    if (!firewallDriver()) throw new NetplumbError('cannot publish ports: this build of netplumb has no firewall driver (nf_tables port publishing)', 'ENOTSUP');
  }
  for (const server of opts.dns ?? []) if (!isIPv4(server)) throw new NetplumbError(`invalid --dns ${JSON.stringify(server)}: expected an IPv4 address`);
  const extraHosts = (opts.addHosts ?? []).map(parseAddHost);
  const links = (opts.links ?? []).map(parseLink);
  if ((links.length || (opts.aliases ?? []).length) && mode.kind !== 'networks') throw new NetplumbError(`--link and --network-alias need a network, not mode ${mode.kind}`);
  for (const alias of opts.aliases ?? []) checkHostname(alias);
  if (opts.ip !== undefined && mode.kind !== 'networks') throw new NetplumbError(`--ip needs a network, not mode ${mode.kind}`);

  const taken = await rt.store.read((tx) => tx.getSandbox(name));
  if (taken && taken.name === name) throw new NetplumbError(`sandbox name ${name} is already in use by sandbox ${taken.id.slice(0, 12)}`, 'EEXIST');
  const nets: NetworkRecord[] = [];
  // Networks this command makes (the default one on first use) go again if it fails.
  const madeHere: NetworkRecord[] = [];
  if (mode.kind === 'networks') {
    try {
      for (const n of mode.networks) nets.push(await resolveNetwork(rt, n, (made) => madeHere.push(made)));
    } catch (err) {
      for (const net of madeHere) await removeDefaultNetworkIfUnused(rt, net).catch(() => undefined);
      throw err;
    }
  }
  const userNet = nets.find((n) => !n.isDefault);
  const created = await withRollback(async (undo) => {
    for (const net of madeHere) undo.record(`default network ${net.name}`, () => removeDefaultNetworkIfUnused(rt, net));
    if (opts.ip !== undefined && !userNet) throw new NetplumbError('--ip works only on user-defined networks, not on the default network bridge');
    if ((opts.aliases ?? []).length && !userNet) throw new NetplumbError('--network-alias works only on user-defined networks');
    return rt.store.update((tx) => {
      const clash = tx.getSandbox(name);
      if (clash && clash.name === name) throw new NetplumbError(`sandbox name ${name} is already in use by sandbox ${clash.id.slice(0, 12)}`, 'EEXIST');
      // Checked after the records: a sandbox of that name being made by another command is recorded before its namespace.
      if (mode.kind !== 'host' && mode.kind !== 'container' && existsSync(`${NETNS_DIR}/${name}`))
        throw new NetplumbError(`a network namespace named ${name} already exists (${NETNS_DIR}/${name}) and is not a netplumb sandbox`, 'EEXIST');
      let recordMode: NetworkMode = { kind: mode.kind } as NetworkMode;
      let netns: string | undefined = mode.kind === 'host' ? undefined : name;
      if (mode.kind === 'container') {
        const target = tx.getSandbox(mode.target);
        if (!target) throw new NetplumbError(`sandbox ${mode.target} not found (network mode container:${mode.target})`, 'ENOENT');
        if (target.status !== 'ready') throw new NetplumbError(`sandbox ${mode.target} is being ${target.status === 'creating' ? 'created' : 'removed'}`, 'EBUSY');
        if (!target.netns) throw new NetplumbError(`sandbox ${mode.target} runs in host mode: it has no network namespace to join`);
        const owner = target.mode.kind === 'container' ? tx.getSandbox(target.mode.sandboxId) : target;
        if (!owner) throw new NetplumbError(`sandbox ${mode.target} joins a sandbox that no longer exists`, 'ENOENT');
        recordMode = { kind: 'container', sandboxId: owner.id };
        netns = owner.netns;
      }
      for (const link of links) if (!tx.getSandbox(link.name)) throw new NetplumbError(`sandbox ${link.name} not found (--link)`, 'ENOENT');
      const sb: SandboxRecord = {
        id, name, hostname: opts.hostname ?? name, mode: recordMode, netns, dns: opts.dns ?? [], extraHosts, links, ports,
        processes: [], autoRemove: !!opts.autoRemove, created: new Date().toISOString(), status: 'creating', owner: currentOwner(),
      };
      if (mode.kind === 'container') sb.hostname = tx.getSandbox(recordMode.kind === 'container' ? recordMode.sandboxId : '')?.hostname ?? name;
      tx.putSandbox(sb);
      const endpoints: Array<{ net: NetworkRecord; ep: EndpointRecord; defaultRoute: boolean }> = [];
      let gatewayTaken = false;
      for (const net of nets) {
        const fresh = tx.getNetwork(net.id);
        if (!fresh || fresh.status !== 'ready') throw new NetplumbError(`network ${net.name} was removed meanwhile`, 'ENOENT');
        const isFirstUser = net === userNet;
        const ep = createEndpointRecord(tx, net, id, nextIfname(endpoints.map((e) => e.ep)), {
          ip: isFirstUser ? opts.ip : undefined,
          aliases: net.isDefault ? [] : (opts.aliases ?? []),
          withHostLink: net.driver === 'bridge',
        });
        const defaultRoute = !gatewayTaken && !net.internal;
        if (defaultRoute) {
          gatewayTaken = true;
          ep.defaultGateway = net.gateway;
          tx.putEndpoint(ep);
        }
        endpoints.push({ net, ep, defaultRoute });
      }
      return { sb, endpoints };
    });
  });
  const { sb, endpoints } = created;

  const ready = await withRollback(async (undo) => {
    for (const net of madeHere) undo.record(`default network ${net.name}`, () => removeDefaultNetworkIfUnused(rt, net));
    undo.record(`record of sandbox ${name}`, () => rt.store.update((tx) => {
      for (const ep of tx.listEndpoints({ sandboxId: id })) tx.deleteEndpoint(ep.id);
      tx.deleteSandbox(id);
    }));
    await fsp.mkdir(SANDBOX_MARKERS, { recursive: true, mode: 0o700 });
    await fsp.writeFile(markerFile(name), `${id}\n`, { flag: 'wx', mode: 0o600 });
    undo.record(`marker ${markerFile(name)}`, () => fsp.rm(markerFile(name), { force: true }));

    if (mode.kind === 'host') {
      faultPoint('after-netns');
    } else {
      if (mode.kind !== 'container') {
        await NetNs.create(name);
        const hostLinks = endpoints.map((e) => e.ep.hostIfname).filter((n): n is string => !!n);
        undo.record(`network namespace ${name}`, async () => {
          await dropNamespaceFile(`${NETNS_DIR}/${name}`);
          await waitLinksGone(await rt.host(), hostLinks);
        });
        faultPoint('after-netns');
        undo.record(`files ${hostsPath(name)}`, () => removeSandboxFiles(name));
        const hosts = await rt.store.read((tx) => renderHosts(hostsEntries(tx, sb)));
        await writeSandboxFiles(name, hosts, renderResolvConf(sb.dns));
      }
      const filesOf = mode.kind === 'container' ? sb.netns! : name;
      await fsp.mkdir(NS_DIR, { recursive: true });
      undo.record(`namespaces ${utsFile(name)}, ${mntFile(name)}`, async () => {
        await dropNamespaceFile(utsFile(name));
        await dropNamespaceFile(mntFile(name));
      });
      await makeUtsAndMountNamespaces(name, sb.netns!, sb.hostname, filesOf);
      faultPoint('after-namespaces');
      if (mode.kind === 'none') {
        const inSandbox = await Netlink.open({ netns: name });
        try { await inSandbox.linkSet(1, { up: true }); } finally { inSandbox.close(); }
      }
      if (endpoints.length) await makeEndpoints(rt, sb, endpoints, true, undo);
    }
    const fw = firewallDriver();
    if (fw && ports.length) {
      const first = endpoints.find((e) => e.defaultRoute) ?? endpoints[0];
      sb.ports = await fw.publishPorts(sb, first.ep, first.net, ports, undo);
    }
    sb.status = 'ready';
    delete sb.owner;
    await rt.store.update((tx) => tx.putSandbox(sb));
    faultPoint('after-state');
    await refreshPeers(rt, endpoints.map((e) => e.net.id), sb);
    return sb;
  });
  const publishedOn = endpoints.find((e) => e.defaultRoute) ?? endpoints[0];
  await recordEvents(rt, [
    { kind: 'container.create', container: eventContainer(ready) },
    ...endpoints.map((e) => attachment('network.connect', e.net, ready, e.ep)),
    // Issue 5's firewall driver fills in the host ports; each published mapping is announced here.
    ...portEvents('port.publish', ready, publishedOn?.net, ready.ports),
  ]);
  return ready;
}

/** The helper makes the UTS and mount namespaces and binds them under /run/netplumb/ns. */
async function makeUtsAndMountNamespaces(name: string, netns: string, hostname: string, filesOf: string): Promise<void> {
  const args = ['create', '--uts', utsFile(name), '--mnt', mntFile(name), '--netns', `${NETNS_DIR}/${netns}`, '--hostname', hostname];
  for (const [src, dst] of [[hostsPath(filesOf), '/etc/hosts'], [resolvPath(filesOf), '/etc/resolv.conf']])
    if (existsSync(dst)) args.push('--bind', `${src}:${dst}`);
  try {
    await execFileAsync(helperPath(), args);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().replace(/^netplumb-enter: /, '');
    throw new NetplumbError(`cannot set up sandbox ${name}: ${stderr || (err as Error).message}`);
  }
}

/** Rewrites the hosts files of everyone on these networks (and of sandboxes linking to `sb`). */
export async function refreshPeers(rt: Runtime, networkIds: string[], sb?: SandboxRecord): Promise<void> {
  // One consistent read renders every file; then the writes. Commands running
  // at once may write in another order than they read: a command that wrote
  // what an older read rendered reads again, and writes again until what it
  // wrote is what the store holds now. Every command's last write is then of
  // the newest state (lock-free; a command that dies before its write leaves
  // a file gc rewrites).
  const render = () => rt.store.read((raw) => {
    const tx = memoizedReads(raw);
    const list = sandboxesToRefresh(tx, networkIds, sb?.name);
    const self = sb && tx.getSandbox(sb.id);
    if (self && self.mode.kind === 'networks' && !list.some((t) => t.id === self.id)) list.push(self);
    return list.map((t) => ({ sandbox: t.name, text: renderHosts(hostsEntries(tx, t)) }));
  });
  let contents = await render();
  const written = new Map<string, string>();
  for (let round = 0; round < 20 && contents.length; round++) {
    await writeHostsFiles(contents);
    for (const c of contents) written.set(c.sandbox, c.text);
    contents = (await render()).filter((c) => written.get(c.sandbox) !== c.text);
  }
}

/** gc: rewrites every sandbox's hosts file that differs from what the store says; one line per file rewritten. */
export async function refreshAllHostsFiles(rt: Runtime): Promise<string[]> {
  const contents = await rt.store.read((raw) => {
    const tx = memoizedReads(raw);
    return tx.listSandboxes().filter((s) => s.status === 'ready' && s.mode.kind === 'networks')
      .map((t) => ({ sandbox: t.name, text: renderHosts(hostsEntries(tx, t)) }));
  });
  const report: string[] = [];
  for (const { sandbox, text } of contents) {
    let current: string;
    try {
      current = await fsp.readFile(hostsPath(sandbox), 'utf8');
    } catch {
      continue; // no file (its namespace is gone): nothing bind-mounts it
    }
    if (current === text) continue;
    await writeHostsFiles([{ sandbox, text }]);
    report.push(`rewrote ${hostsPath(sandbox)} (it was out of date)`);
  }
  return report;
}

export interface RemoveOptions {
  /** Kill its processes first (rm -f). */
  force?: boolean;
}

/** `docker rm [-f] NAME`. */
export async function removeSandbox(rt: Runtime, nameOrId: string, options: RemoveOptions = {}, deferredLinks?: string[]): Promise<SandboxRecord> {
  checkStrings('removeSandbox', { nameOrId });
  checkOptionTypes('removeSandbox', options, { force: 'boolean' });
  const sb = await rt.store.read((tx) => tx.getSandbox(nameOrId));
  if (!sb) throw new NetplumbError(`no such sandbox: ${nameOrId}`, 'ENOENT');
  const joiners = await rt.store.read((tx) => tx.listSandboxes().filter((s) => s.mode.kind === 'container' && s.mode.sandboxId === sb.id).map((s) => s.name));
  if (joiners.length) throw new NetplumbError(`sandbox ${sb.name} is joined by ${joiners.join(', ')} (--net container:${sb.name}); remove ${joiners.length === 1 ? 'it' : 'them'} first`, 'EBUSY');
  const pids = await sandboxProcesses(sb);
  if (pids.length && !options.force) throw new NetplumbError(`sandbox ${sb.name} has ${pids.length} running process${pids.length === 1 ? '' : 'es'} (${pids.join(', ')}); stop them or use rm -f`, 'EBUSY');
  // The intent goes into the record before anything is removed: if this
  // command dies part-way, gc finishes the removal.
  await rt.store.update((tx) => {
    const fresh = tx.getSandbox(sb.id);
    if (!fresh) throw new NetplumbError(`no such sandbox: ${nameOrId}`, 'ENOENT');
    if (fresh.status !== 'ready' && ownerAlive(fresh.owner))
      throw new NetplumbError(`sandbox ${fresh.name} is being ${fresh.status === 'creating' ? 'created' : 'removed'} by another command`, 'EBUSY');
    if (tx.listSandboxes().some((s) => s.mode.kind === 'container' && s.mode.sandboxId === sb.id))
      throw new NetplumbError(`sandbox ${sb.name} was joined by another sandbox meanwhile`, 'EBUSY');
    tx.putSandbox({ ...fresh, status: 'removing', owner: currentOwner() });
  });
  faultPoint('rm-marked');
  await teardownSandbox(rt, sb, pids, deferredLinks);
  return sb;
}

/**
 * `docker rm [-f] NAME...`: removes each (going on past failures), deleting
 * all their namespaces before waiting once for the kernel to finish their
 * veth pairs, which it then destroys in bulk. Returns per name the error, if any.
 */
export async function removeSandboxes(rt: Runtime, names: string[], options: RemoveOptions = {}): Promise<Array<Error | undefined>> {
  const pending: string[] = [];
  const results: Array<Error | undefined> = [];
  for (const name of names) {
    try {
      await removeSandbox(rt, name, options, pending);
      results.push(undefined);
    } catch (err) {
      results.push(err as Error);
    }
  }
  await waitLinksGone(await rt.host(), pending);
  return results;
}

/**
 * Removes everything of a sandbox, going on past errors: its processes, its
 * ports, its namespaces (the kernel then destroys its veth pairs in bulk), its
 * files, then its records; and updates the hosts files of former peers.
 */
export async function teardownSandbox(rt: Runtime, sb: SandboxRecord, pids: number[], deferredLinks?: string[]): Promise<void> {
  const { endpoints, networks } = await rt.store.read((tx) => {
    const endpoints = tx.listEndpoints({ sandboxId: sb.id });
    return { endpoints, networks: new Map(endpoints.map((e) => [e.id, tx.getNetwork(e.networkId)])) };
  });
  const host = await rt.host();
  const fw = firewallDriver();
  const tasks: Array<[string, () => Promise<void>]> = [];
  if (pids.length) tasks.push([`kill processes ${pids.join(', ')}`, () => killProcesses(pids)]);
  if (fw && sb.ports.length) {
    for (const ep of endpoints) {
      const net = await rt.store.read((tx) => tx.getNetwork(ep.networkId));
      if (net) tasks.push([`unpublish ports of ${sb.name}`, () => fw.unpublishPorts(sb, ep, net)]);
    }
  }
  const guarded = endpoints.map(guardedPort).filter((p): p is GuardedPort => !!p);
  if (guarded.length) tasks.push([`remove the source guard of ${guarded.map((p) => p.port).join(', ')}`, async () => {
    const guard = await rt.guard();
    for (const p of guarded) await guard.unguardPort(p);
  }]);
  if (sb.mode.kind !== 'host') {
    tasks.push([`remove UTS namespace ${utsFile(sb.name)}`, () => dropNamespaceFile(utsFile(sb.name))]);
    tasks.push([`remove mount namespace ${mntFile(sb.name)}`, () => dropNamespaceFile(mntFile(sb.name))]);
  }
  if (sb.mode.kind === 'networks' || sb.mode.kind === 'none') {
    tasks.push([`delete network namespace ${sb.netns}`, () => dropNamespaceFile(`${NETNS_DIR}/${sb.netns}`)]);
    tasks.push([`remove ${hostsPath(sb.name)}`, () => removeSandboxFiles(sb.name)]);
    const hostLinks = endpoints.map((e) => e.hostIfname).filter((n): n is string => !!n);
    if (deferredLinks) deferredLinks.push(...hostLinks);
    else tasks.push(['wait for the veth pairs to go', () => waitLinksGone(host, hostLinks)]);
  }
  tasks.push([`remove ${markerFile(sb.name)}`, () => fsp.rm(markerFile(sb.name), { force: true })]);
  tasks.push([`remove ${sb.name}.log`, () => fsp.rm(`${markerFile(sb.name)}.log`, { force: true })]);
  tasks.push([`delete the records of ${sb.name}`, () => rt.store.update((tx) => {
    for (const ep of tx.listEndpoints({ sandboxId: sb.id })) tx.deleteEndpoint(ep.id);
    tx.deleteSandbox(sb.id);
  })]);
  tasks.push(['update the hosts files of peers', () => refreshPeers(rt, endpoints.map((e) => e.networkId), sb)]);
  await teardownAll(`cannot remove sandbox ${sb.name} completely`, tasks);
  // A sandbox left half-made was never announced, so its removal is not either.
  if (sb.status === 'creating') return;
  const events: NewEvent[] = [];
  if (pids.length) events.push({ kind: 'container.stop', container: eventContainer(sb) });
  if (fw && sb.ports.length) {
    const carrier = endpoints.find((e) => e.defaultGateway) ?? endpoints[0];
    events.push(...portEvents('port.unpublish', sb, carrier && networks.get(carrier.id), sb.ports));
  }
  for (const ep of endpoints) {
    const net = networks.get(ep.id);
    if (net) events.push(attachment('network.disconnect', net, sb, ep));
  }
  events.push({ kind: 'container.remove', container: eventContainer(sb) });
  await recordEvents(rt, events);
}

/** Records a process started detached in a sandbox (for ps and rm in host mode). */
export async function recordProcess(rt: Runtime, sandboxId: string, pid: number, start: string): Promise<void> {
  await rt.store.update((tx) => {
    const sb = tx.getSandbox(sandboxId);
    if (!sb) return;
    sb.processes = [...sb.processes.filter((p) => p.pid !== pid), { pid, start }];
    tx.putSandbox(sb);
  });
}

export { makeEndpoints };

export interface SandboxDetails extends SandboxRecord {
  endpoints: Array<EndpointRecord & { network: string }>;
  /** Pids running in it now. */
  pids: number[];
  /** Where its namespaces and files are. */
  paths: { netns?: string; uts?: string; mnt?: string; hosts?: string; resolvConf?: string };
  /** The sandbox whose network namespace it joins (mode container:NAME). */
  joins?: string;
}

/** `docker inspect NAME` and the rows of `docker ps`. */
export async function describeSandbox(rt: Runtime, nameOrId: string): Promise<SandboxDetails> {
  checkStrings('describeSandbox', { nameOrId });
  const found = await rt.store.read((tx) => {
    const sb = tx.getSandbox(nameOrId);
    if (!sb) return undefined;
    const endpoints = tx.listEndpoints({ sandboxId: sb.id }).map((ep) => ({ ...ep, network: tx.getNetwork(ep.networkId)?.name ?? ep.networkId }));
    const joins = sb.mode.kind === 'container' ? tx.getSandbox(sb.mode.sandboxId)?.name : undefined;
    return { sb, endpoints, joins };
  });
  if (!found) throw new NetplumbError(`no such sandbox: ${nameOrId}`, 'ENOENT');
  const { sb, endpoints, joins } = found;
  const filesOf = joins ?? sb.name;
  const paths = sb.mode.kind === 'host' ? {} : {
    netns: `${NETNS_DIR}/${sb.netns}`, uts: utsFile(sb.name), mnt: mntFile(sb.name), hosts: hostsPath(filesOf), resolvConf: resolvPath(filesOf),
  };
  const { owner: _owner, ...record } = sb;
  return { ...record, endpoints, pids: await sandboxProcesses(sb), paths, joins };
}

export async function listSandboxes(rt: Runtime): Promise<SandboxDetails[]> {
  const all = await rt.store.read((tx) => tx.listSandboxes());
  const out: SandboxDetails[] = [];
  for (const sb of all) out.push(await describeSandbox(rt, sb.id));
  return out;
}
