// Keeps netplumb's DNS server (src/net/dns) in step with the store: whenever
// a sandbox joins or leaves a network the server serves, the network's whole
// membership, read from the records, is sent again (setNetwork), or the
// network is taken away when its last member left (removeNetwork; the server
// exits when it serves nothing). Sending the full membership read from the
// store makes every update idempotent, so an undo is the same call made after
// the records changed back.
//
// Two commands must not interleave "read the members" and "send them", or
// the older read could land last; a process lock (lock.ts) orders them.
import { MAX_NAMESERVERS, removeNetwork as dnsRemoveNetwork, setNetwork, dnsServerStatus, type DnsMember, type DnsNetwork } from './dns';
import { isLoopbackIp } from './dns/ip';
import { dnsNameProblem } from './dns/names';
import { networkDriver } from './drivers';
import { NetplumbError } from './errors';
import { withProcessLock } from './lock';
import { RUN_DIR } from './paths';
import type { Runtime } from './runtime';
import type { NetworkRecord, SandboxRecord, StateTx } from './state/store';

/** The networks netplumb's DNS server answers for: user-defined ones whose gateway is the host's (bridge). */
export function servedByDns(net: NetworkRecord): boolean {
  return !net.isDefault && networkDriver(net.driver).gatewayOnHost;
}

const isDnsName = (name: string) => dnsNameProblem(name) === undefined;

/** Where the server's control socket, pid file and log are (DEFAULT_RUNTIME_DIR is the same folder). */
const dnsOptions = () => ({ runtimeDir: RUN_DIR });

export interface Exclusion {
  /** Leave this sandbox's endpoints out (it is being removed). */
  sandboxId?: string;
  /** Leave this endpoint out (it is being disconnected). */
  endpointId?: string;
}

/** What the DNS server is told about one network: its subnet, gateway and members, from the records. */
export function dnsNetworkOf(tx: StateTx, net: NetworkRecord, exclude: Exclusion = {}): DnsNetwork {
  const members: DnsMember[] = [];
  for (const ep of tx.listEndpoints({ networkId: net.id })) {
    if (ep.sandboxId === exclude.sandboxId || ep.id === exclude.endpointId) continue;
    const sb = tx.getSandbox(ep.sandboxId);
    // Names are checked as DNS names when given; one kept from before those checks must not block the whole network.
    if (!sb || !isDnsName(sb.name)) continue;
    const member: DnsMember = { id: sb.id, name: sb.name, ipv4: ep.address };
    if (sb.hostname !== sb.name && isDnsName(sb.hostname)) member.hostname = sb.hostname;
    const aliases = ep.aliases.filter(isDnsName);
    if (aliases.length) member.aliases = aliases;
    const upstreams = sb.dns.filter((d) => !isLoopbackIp(d)); // refused when given (checkUpstreamsFor); older records may hold one
    if (upstreams.length) member.dns = upstreams;
    members.push(member);
  }
  return { id: net.id, name: net.name, subnets: [{ subnet: net.subnet, gateway: net.gateway }], members };
}

/**
 * --dns servers cannot be loopback ones on a network the DNS server serves:
 * it forwards from the host, where the sandbox's own loopback is out of reach.
 */
export function checkUpstreamsFor(net: NetworkRecord, sb: Pick<SandboxRecord, 'dns'>): void {
  if (!servedByDns(net)) return;
  const loopback = sb.dns.find((d) => isLoopbackIp(d));
  if (loopback)
    throw new NetplumbError(`--dns ${loopback} cannot be used on network ${net.name}: its DNS server forwards the sandbox's queries from the host, where the sandbox's loopback cannot be reached`);
  if (sb.dns.length > MAX_NAMESERVERS) throw new NetplumbError(`at most ${MAX_NAMESERVERS} --dns servers`);
}

type Change = { kind: 'set'; network: DnsNetwork } | { kind: 'remove'; id: string; name: string };

/** Sends each change; a fresh server (started: true) knows nothing, so it then gets every served network. */
async function send(rt: Runtime, changes: Change[], exclude: Exclusion): Promise<{ restarted: boolean; sent: Change[] }> {
  for (const change of changes) {
    if (change.kind === 'remove') {
      await dnsRemoveNetwork(change.id, dnsOptions());
      continue;
    }
    const { started } = await setNetwork(change.network, dnsOptions());
    if (started) {
      const all = await rt.store.read((tx) => allChanges(tx, exclude));
      for (const other of all) if (other.kind === 'set' && other.network.id !== change.network.id) await setNetwork(other.network, dnsOptions());
      return { restarted: true, sent: all };
    }
  }
  return { restarted: false, sent: changes };
}

function changeFor(tx: StateTx, net: NetworkRecord, exclude: Exclusion): Change {
  const network = dnsNetworkOf(tx, net, exclude);
  return network.members.length ? { kind: 'set', network } : { kind: 'remove', id: net.id, name: net.name };
}

function allChanges(tx: StateTx, exclude: Exclusion): Change[] {
  return tx.listNetworks().filter((n) => n.status === 'ready' && servedByDns(n)).map((n) => changeFor(tx, n, exclude));
}

/**
 * Tells the DNS server the current members of these networks (those it
 * serves; others are skipped), leaving out what `exclude` names. Resolves
 * once the new names answer. Errors (the server cannot start, its gateway
 * cannot be listened on) are thrown, for the caller to roll back.
 */
export async function syncDnsNetworks(rt: Runtime, networkIds: string[], exclude: Exclusion = {}): Promise<void> {
  const ids = [...new Set(networkIds)];
  if (ids.length === 0) return;
  await withProcessLock(RUN_DIR, 'dns-sync', async () => {
    const changes = await rt.store.read((tx) => {
      const out: Change[] = [];
      for (const id of ids) {
        const net = tx.getNetwork(id);
        if (net && servedByDns(net)) out.push(changeFor(tx, net, exclude));
      }
      return out;
    });
    await send(rt, changes, exclude);
  });
}

/**
 * For `netplumb gc`: sends every served network with members again (a server
 * that crashed or was killed is started anew and learns them all), and takes
 * away networks the server serves that no longer have a record or members.
 * Returns one line per repair.
 */
export async function resyncDns(rt: Runtime): Promise<string[]> {
  return withProcessLock(RUN_DIR, 'dns-sync', async () => {
    const report: string[] = [];
    const status = await dnsServerStatus(dnsOptions());
    const served = new Map((status?.networks ?? []).map((n) => [n.id, n]));
    const changes = await rt.store.read((tx) => allChanges(tx, {}));
    const wanted = changes.filter((c): c is Extract<Change, { kind: 'set' }> => c.kind === 'set');
    for (const [id, n] of served)
      if (!wanted.some((c) => c.network.id === id)) {
        await dnsRemoveNetwork(id, dnsOptions());
        report.push(`stopped serving names for network ${n.name} on the DNS server (no members)`);
      }
    if (wanted.length === 0) return report;
    const { restarted } = await send(rt, wanted, {});
    for (const c of wanted) {
      const known = served.get(c.network.id);
      if (restarted || !known) report.push(`sent network ${c.network.name} (${c.network.members.length} members) to the DNS server${restarted ? ', which had to be started' : ''}`);
      else if (known.members !== c.network.members.length) report.push(`corrected the members of network ${c.network.name} on the DNS server (${known.members} -> ${c.network.members.length})`);
    }
    return report;
  });
}
