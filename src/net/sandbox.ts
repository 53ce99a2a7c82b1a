// Sandboxes ("containers"): a named network namespace (/run/netns/NAME), a UTS
// and a mount namespace kept under /run/netplumb (hostname, /etc/hosts,
// /etc/resolv.conf), endpoints on networks, and the processes started in it.
// Created whole or not at all; removed by deleting the namespace, which lets
// the kernel destroy the veth pairs in bulk.
import { execFile } from 'child_process';
import { existsSync, promises as fsp } from 'fs';
import { promisify } from 'util';
import { native } from '../../bindings';
import { NetlinkError } from '../errors';
import { NETNS_DIR } from '../netns';
import { Netlink } from '../netlink/handle';
import { planLinkSet } from '../netlink/links';
import type { PlannedRequest } from '../netlink/request';
import { NetplumbError } from './errors';
import { createEndpointRecord, newId, nextIfname } from './endpoint';
import { networkDriver } from './drivers';
import type { EndpointPlan } from './drivers/driver';
import { parsePortSpec, type PortSpec } from './firewall/ports';
import { dnsNameProblem } from './dns/names';
import { HOST_GATEWAY } from './dns';
import { checkUpstreamsFor, servedByDns, syncDnsNetworks } from './dns-sync';
import { hostGatewayOf, hostsPath, memoizedReads, readHostResolvConf, removeSandboxFiles, resolvPath, rewriteInPlace, rewriteSandboxFiles, sandboxesToRefresh, sandboxFiles, writeSandboxFiles, type SandboxFiles } from './hosts';
import { parseNameOptions } from './name-options';
import type { GuardedPort } from './firewall/source-guard';
import { DEFAULT_NETWORK, removeDefaultNetworkIfUnused, resolveNetwork } from './network';
import { helperPath, markerFile, mntFile, NS_DIR, SANDBOX_MARKERS, utsFile } from './paths';
import { killProcesses, sandboxProcesses } from './processes';
import { faultPoint, teardownAll, withRollback, type UndoLog } from './rollback';
import { currentOwner, ownerAlive, type Runtime } from './runtime';
import { attachment, eventContainer, portEvents, recordEvents } from './record';
import type { NewEvent } from './events/types';
import { checkOptionTypes, checkStrings } from './arguments';
import type { EndpointRecord, NetworkMode, NetworkRecord, SandboxRecord } from './state/store';

const execFileAsync = promisify(execFile);

export interface SandboxOptions {
  name?: string;
  hostname?: string;
  /** --net values: 'bridge' (default), network names, 'host', 'none', 'container:NAME'. */
  networks?: string[];
  /** --ip: the address on the first user-defined network. */
  ip?: string;
  /** --alias / --network-alias: extra names on user-defined networks. */
  aliases?: string[];
  /** -p specs. */
  publish?: string[];
  /** --dns: resolvers (on a network with netplumb's DNS server, that server's upstreams for this sandbox). */
  dns?: string[];
  /** --dns-search domains ('.' for none). */
  dnsSearch?: string[];
  /** --dns-option values (resolv.conf options). */
  dnsOptions?: string[];
  /** --add-host NAME:IP (or NAME:host-gateway). */
  addHosts?: string[];
  /** --link NAME[:ALIAS]. */
  links?: string[];
  autoRemove?: boolean;
  /** Told what the user should know but is no error (no usable resolver for resolv.conf). */
  onWarning?: (message: string) => void;
}

type ModeSpec = { kind: 'networks'; networks: string[] } | { kind: 'host' } | { kind: 'none' } | { kind: 'container'; target: string };

export function checkSandboxName(name: string): void {
  if (typeof name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name))
    throw new NetplumbError(`invalid sandbox name ${JSON.stringify(name)}: letters, digits, '_', '.', '-', starting with a letter or digit`);
  if (name.length > 63) throw new NetplumbError(`sandbox name ${JSON.stringify(name.slice(0, 20) + '...')} is ${name.length} characters long; at most 63 (it is the hostname and a DNS label)`);
  // other sandboxes resolve it by DNS
  const problem = dnsNameProblem(name);
  if (problem) throw new NetplumbError(`invalid sandbox name ${JSON.stringify(name)}: it must be a DNS name, and ${problem}`);
}

function checkHostname(hostname: string): void {
  const problem = hostname.length > 64 ? 'it is longer than 64 bytes (HOST_NAME_MAX)' : dnsNameProblem(hostname);
  if (problem || hostname.endsWith('.')) throw new NetplumbError(`invalid hostname ${JSON.stringify(hostname)}: ${problem ?? 'it ends with a dot'}`);
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

/** -p values, each parsed as Docker takes it; a bad one is one clear error. */
export function parsePublish(values: string[]): PortSpec[] {
  return values.map((v) => {
    try {
      return parsePortSpec(v);
    } catch (err) {
      throw new NetplumbError((err as Error).message);
    }
  });
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
  /** A handle already open in the sandbox's namespace (the caller closes it); else one is opened here. */
  opened?: Netlink,
): Promise<void> {
  const host = await rt.host();
  const inSandbox = opened ?? await Netlink.open({ netns: sb.netns! });
  try {
    const plans: EndpointPlan[] = [];
    const deviceIndex = new Map<string, number>();
    for (const item of items) {
      if (deviceIndex.has(item.net.id)) continue;
      const steps = undo.size;
      deviceIndex.set(item.net.id, await networkDriver(item.net.driver).ensure(item.net, host, undo));
      // The driver had to make the network's device again (after a reboot): its firewall state goes with it.
      if (undo.size > steps) await rt.firewall()?.restoreNetwork(item.net, undo);
    }
    // In a namespace made just now only lo (1) exists, so the sandbox ends can be given
    // known indexes (2, 3 ...) and the requests inside it need no name lookup first.
    const plan = (pin: boolean) => items.map((item, i) =>
      networkDriver(item.net.driver).planEndpoint(item.net, item.ep, deviceIndex.get(item.net.id)!, { netns: sb.netns!, pinIndex: pin ? 2 + i : undefined, defaultRoute: item.defaultRoute }));
    plans.push(...plan(fresh));
    // The firewall's bridge-port settings (icc=false: isolated) go in the same send as the links they change.
    const fw = rt.firewall();
    const portChanges: PlannedRequest[] = [];
    for (const item of items) {
      const change = fw && item.ep.hostIfname ? await fw.endpointPortChange(item.net) : undefined;
      if (change) portChanges.push(planLinkSet(item.ep.hostIfname!, { bridgePort: change }));
    }
    let results = await host.send([...plans.flatMap((p) => p.host), ...portChanges]);
    let creates = results.slice(0, results.length - portChanges.length);
    if (fresh && firstError(creates) && creates.every((r) => !(r instanceof Error) || ['EBUSY', 'EEXIST'].includes((r as NetlinkError).code))) {
      // An index was taken after all (fallback tunnel devices of loaded modules): name them instead.
      const made = creates.filter((r) => !(r instanceof Error)).length;
      if (made > 0) throw firstError(creates)!;
      plans.splice(0, plans.length, ...plan(false));
      results = await host.send([...plans.flatMap((p) => p.host), ...portChanges]);
      creates = results.slice(0, results.length - portChanges.length);
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
      if (!port || !guard) continue;
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
    if (!opened) inSandbox.close();
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
  const specs = parsePublish(opts.publish ?? []);
  if (specs.length) {
    if (mode.kind !== 'networks') throw new NetplumbError(`ports cannot be published in network mode ${mode.kind}`);
    if (!rt.firewall()) throw new NetplumbError('cannot publish ports: the firewall driver is turned off (NETPLUMB_FIREWALL=none); port publishing needs nf_tables', 'ENOTSUP');
  }
  const { dns, dnsSearch, dnsOptions, extraHosts, links, aliases } = parseNameOptions(opts);
  if ((links.length || aliases.length) && mode.kind !== 'networks') throw new NetplumbError(`--link and --network-alias need a network, not mode ${mode.kind}`);
  if (mode.kind === 'host' || mode.kind === 'container') {
    // Docker's "conflicting options": these files are the host's, or the joined sandbox's
    const given = [['--dns', dns], ['--dns-search', dnsSearch], ['--dns-option', dnsOptions], ['--add-host', extraHosts]].find(([, v]) => (v as unknown[]).length);
    if (given) throw new NetplumbError(`${given[0]} cannot be used with network mode ${mode.kind}: the sandbox has no /etc/hosts and /etc/resolv.conf of its own`);
  }
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
  // Ports are published to the address on the network that carries the default route (as Docker), a bridge network.
  const publishOn = specs.length ? (nets.find((n) => !n.internal && n.driver === 'bridge') ?? nets.find((n) => n.driver === 'bridge') ?? nets[0]) : undefined;
  const created = await withRollback(async (undo) => {
    for (const net of madeHere) undo.record(`default network ${net.name}`, () => removeDefaultNetworkIfUnused(rt, net));
    if (publishOn && publishOn.driver !== 'bridge') throw new NetplumbError(`ports can be published only on bridge networks; network ${publishOn.name} uses the ${publishOn.driver} driver`, 'ENOTSUP');
    if (publishOn?.internal) throw new NetplumbError(`network ${publishOn.name} is internal: its sandboxes cannot publish ports`);
    if (opts.ip !== undefined && !userNet) throw new NetplumbError('--ip works only on user-defined networks, not on the default network bridge');
    if (aliases.length && !userNet) throw new NetplumbError('--network-alias works only on user-defined networks');
    if (extraHosts.some((h) => h.ip === HOST_GATEWAY) && !hostGatewayOf(nets))
      throw new NetplumbError(`--add-host ...:${HOST_GATEWAY} needs a network that has the host on it (a bridge network), and this sandbox has none`);
    for (const net of nets) checkUpstreamsFor(net, { dns });
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
        id, name, hostname: opts.hostname ?? name, mode: recordMode, netns, dns, dnsSearch, dnsOptions, extraHosts, links, publish: specs.map((p) => p.text), ports: [],
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
          aliases: net.isDefault ? [] : aliases,
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

  const dnsNetworks = endpoints.filter((e) => servedByDns(e.net)).map((e) => e.net.id);
  const ready = await withRollback(async (undo) => {
    for (const net of madeHere) undo.record(`default network ${net.name}`, () => removeDefaultNetworkIfUnused(rt, net));
    // Recorded before the records' undo so that it runs after it: the names are sent again from records without this sandbox.
    let namesSent = false;
    undo.record(`names of ${name} on the DNS server`, () => (namesSent ? syncDnsNetworks(rt, dnsNetworks) : undefined));
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
      // ip netns add NAME, with the handle for the requests inside it opened on the same thread.
      const inSandbox = mode.kind !== 'container' ? await Netlink.openNew(name) : undefined;
      try {
        if (inSandbox) {
          const hostLinks = endpoints.map((e) => e.ep.hostIfname).filter((n): n is string => !!n);
          undo.record(`network namespace ${name}`, async () => {
            inSandbox.close(); // an open socket would keep the namespace, and so its veths, alive
            await dropNamespaceFile(`${NETNS_DIR}/${name}`);
            await waitLinksGone(await rt.host(), hostLinks);
          });
          faultPoint('after-netns');
          undo.record(`files ${hostsPath(name)}`, () => removeSandboxFiles(name));
          const hostResolvers = await readHostResolvConf();
          const files = await rt.store.read((tx) => sandboxFiles(tx, sb, hostResolvers));
          for (const warning of files.warnings) opts.onWarning?.(`sandbox ${name}: ${warning}`);
          await writeSandboxFiles(name, files.hosts, files.resolvConf);
        }
        const filesOf = mode.kind === 'container' ? sb.netns! : name;
        await fsp.mkdir(NS_DIR, { recursive: true });
        undo.record(`namespaces ${utsFile(name)}, ${mntFile(name)}`, async () => {
          await dropNamespaceFile(utsFile(name));
          await dropNamespaceFile(mntFile(name));
        });
        await makeUtsAndMountNamespaces(name, sb.netns!, sb.hostname, filesOf);
        faultPoint('after-namespaces');
        if (mode.kind === 'none') await inSandbox!.linkSet(1, { up: true });
        if (endpoints.length) await makeEndpoints(rt, sb, endpoints, true, undo, inSandbox);
      } finally {
        inSandbox?.close();
      }
    }
    if (publishOn) {
      const target = endpoints.find((e) => e.net.id === publishOn.id)!;
      sb.ports = await rt.firewall()!.publishPorts(sb, target.ep, target.net, specs, undo);
      faultPoint('after-publish');
    }
    if (dnsNetworks.length) {
      // Its addresses answer now: other members may resolve it.
      faultPoint('dns');
      namesSent = true;
      await syncDnsNetworks(rt, dnsNetworks);
      faultPoint('after-dns');
    }
    sb.status = 'ready';
    delete sb.owner;
    await rt.store.update((tx) => tx.putSandbox(sb));
    faultPoint('after-state');
    await refreshFiles(rt, endpoints.map((e) => e.net.id), sb);
    return sb;
  });
  const publishedOn = endpoints.find((e) => e.defaultRoute) ?? endpoints[0];
  await recordEvents(rt, [
    { kind: 'container.create', container: eventContainer(ready) },
    ...endpoints.map((e) => attachment('network.connect', e.net, ready, e.ep)),
    // Each mapping the firewall published, with its host port.
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

/**
 * Rewrites the hosts and resolv.conf files that change when `sb` joins or
 * leaves these networks: its own, those of sandboxes linking to it, and
 * those of members of networks listed by address (macvlan).
 */
export async function refreshFiles(rt: Runtime, networkIds: string[], sb?: SandboxRecord): Promise<void> {
  const hostResolvers = await readHostResolvConf();
  // One consistent read renders every file; then the writes. Commands running
  // at once may write in another order than they read: a command that wrote
  // what an older read rendered reads again, and writes again until what it
  // wrote is what the store holds now. Every command's last write is then of
  // the newest state (lock-free; a command that dies before its write leaves
  // a file gc rewrites).
  const render = () => rt.store.read((raw) => {
    const tx = memoizedReads(raw);
    const current = sb && (tx.getSandbox(sb.id) ?? sb);
    return sandboxesToRefresh(tx, networkIds, current).map((t) => ({ sandbox: t.name, files: sandboxFiles(tx, t, hostResolvers) }));
  });
  const key = (f: SandboxFiles) => `${f.hosts}\0${f.resolvConf}`;
  let contents = await render();
  const written = new Map<string, string>();
  for (let round = 0; round < 20 && contents.length; round++) {
    await rewriteSandboxFiles(contents);
    for (const c of contents) written.set(c.sandbox, key(c.files));
    contents = (await render()).filter((c) => written.get(c.sandbox) !== key(c.files));
  }
}

/** gc: rewrites every sandbox's hosts and resolv.conf that differ from what the store says; one line per file rewritten. */
export async function refreshAllFiles(rt: Runtime): Promise<string[]> {
  const hostResolvers = await readHostResolvConf();
  const contents = await rt.store.read((raw) => {
    const tx = memoizedReads(raw);
    return tx.listSandboxes().filter((s) => s.status === 'ready' && (s.mode.kind === 'networks' || s.mode.kind === 'none'))
      .map((t) => ({ sandbox: t.name, files: sandboxFiles(tx, t, hostResolvers) }));
  });
  const report: string[] = [];
  for (const { sandbox, files } of contents) {
    for (const [file, text] of [[hostsPath(sandbox), files.hosts], [resolvPath(sandbox), files.resolvConf]]) {
      let current: string;
      try {
        current = await fsp.readFile(file, 'utf8');
      } catch {
        continue; // no file (its namespace is gone): nothing bind-mounts it
      }
      if (current === text) continue;
      await rewriteInPlace(file, text);
      report.push(`rewrote ${file} (it was out of date)`);
    }
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
  const { endpoints, networks, dnsNetworks } = await rt.store.read((tx) => {
    const endpoints = tx.listEndpoints({ sandboxId: sb.id });
    const networks = new Map(endpoints.map((e) => [e.id, tx.getNetwork(e.networkId)]));
    const dnsNetworks = [...networks.values()].filter((n): n is NetworkRecord => !!n && servedByDns(n)).map((n) => n.id);
    return { endpoints, networks, dnsNetworks };
  });
  const host = await rt.host();
  const fw = rt.firewall();
  const tasks: Array<[string, () => Promise<void>]> = [];
  // Its names go first, before its addresses stop answering.
  if (dnsNetworks.length) tasks.push([`remove the names of ${sb.name} from the DNS server`, () => syncDnsNetworks(rt, dnsNetworks, { sandboxId: sb.id })]);
  if (pids.length) tasks.push([`kill processes ${pids.join(', ')}`, () => killProcesses(pids)]);
  // A sandbox that was ready knows which endpoint published; one left half-made may have published on any of them.
  const publishers = sb.status !== 'creating' ? [...new Set(sb.ports.map((p) => p.endpointId))] : (sb.publish ?? []).length ? endpoints.map((e) => e.id) : [];
  if (fw) for (const id of publishers) tasks.push([`unpublish the ports of ${sb.name}`, () => fw.unpublishPorts(id)]);
  const guarded = endpoints.map(guardedPort).filter((p): p is GuardedPort => !!p);
  if (guarded.length) tasks.push([`remove the source guard of ${guarded.map((p) => p.port).join(', ')}`, async () => {
    const guard = await rt.guard();
    for (const p of guarded) await guard?.unguardPort(p);
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
  tasks.push(['update the files of peers', () => refreshFiles(rt, endpoints.map((e) => e.networkId), sb)]);
  // Again from the records, now without it: a command that sent names meanwhile may have read them before they went.
  if (dnsNetworks.length) tasks.push(['update the names on the DNS server', () => syncDnsNetworks(rt, dnsNetworks)]);
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
