// The networking layer's firewall driver on NftablesFirewall: every bridge
// network gets its masquerade, isolation, --internal and icc state in
// netplumb's nf_tables table, endpoints their bridge-port settings, and -p
// its map elements, with host ports reserved in the state store. Each step
// records its undo in the command's UndoLog. The nf_tables handles are opened
// on first use, so commands that need no firewall change pay nothing for it.
import { NetlinkError } from '../../errors';
import type { BridgePortChange } from '../../netlink/links';
import { NetplumbError } from '../errors';
import { faultPoint, UndoLog } from '../rollback';
import { StorePortReservations } from '../state/port-reservations';
import type { EndpointRecord, NetworkRecord, PublishedPortRecord, SandboxRecord } from '../state/store';
import type { FirewallContext, FirewallDriver } from './driver';
import { FirewallError, NftablesFirewall } from './nftables-firewall';
import { parsePortSpec, type PortSpec } from './ports';
import { describeKey, PortConflictError, type FirewallNetwork, type PublishedPort } from './types';

/** Docker's bridge options that the firewall honours (the bridge driver validates their values). */
export const FIREWALL_OPTIONS = {
  icc: ['com.docker.network.bridge.enable_icc', 'icc'],
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  hostBinding: 'com.docker.network.bridge.host_binding_ipv4',
} as const;

/** The firewall's view of a network record; undefined for drivers without a firewall part (macvlan). */
export function firewallNetwork(net: NetworkRecord): FirewallNetwork | undefined {
  if (net.driver !== 'bridge') return undefined;
  const icc = !FIREWALL_OPTIONS.icc.some((key) => net.options[key] === 'false');
  const masquerade = net.options[FIREWALL_OPTIONS.masquerade] !== 'false';
  const spec: FirewallNetwork = { id: net.id, bridge: net.device, subnets: [net.subnet], internal: net.internal, icc };
  if (!net.internal) spec.outboundNat = masquerade ? 'masquerade' : 'none';
  return spec;
}

function rangeText([lo, hi]: [number, number]): string {
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** The spec on another host address (a network's host_binding_ipv4 replaces "every address"). */
export function specOnAddress(spec: PortSpec, hostIp: string): PortSpec {
  return parsePortSpec(`${hostIp}:${spec.hostPorts ? rangeText(spec.hostPorts) : ''}:${rangeText(spec.containerPorts)}/${spec.protocol}`);
}

function record(p: PublishedPort): PublishedPortRecord {
  return { protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort, containerIp: p.containerIp, containerPort: p.containerPort, endpointId: p.endpointId };
}

const short = (id: string) => id.slice(0, 12);
const sameMapping = (a: PublishedPortRecord, b: PublishedPortRecord) =>
  a.protocol === b.protocol && a.hostIp === b.hostIp && a.hostPort === b.hostPort && a.containerIp === b.containerIp && a.containerPort === b.containerPort;

class NftablesFirewallDriver implements FirewallDriver {
  readonly name = 'nftables';
  private opened?: Promise<NftablesFirewall>;

  constructor(private readonly ctx: FirewallContext) {}

  private firewall(): Promise<NftablesFirewall> {
    this.opened ??= NftablesFirewall.open({ reservations: new StorePortReservations(this.ctx.store) });
    return this.opened;
  }

  async setupNetwork(net: NetworkRecord, undo: UndoLog): Promise<void> {
    const spec = firewallNetwork(net);
    if (!spec) return;
    const fw = await this.firewall();
    await fw.addNetwork(spec);
    undo.record(`firewall rules of network ${net.name}`, () => this.teardownNetwork(net));
    faultPoint('after-firewall');
    // Another firewall that drops forwarded traffic would make the network silently useless: say so, with the fix.
    let problems;
    try {
      problems = await fw.coexistence();
    } catch (err) {
      this.ctx.warn(`cannot check the host's other firewall rules: ${(err as Error).message}`);
      return;
    }
    for (const p of problems) this.ctx.warn(`${p.message}${p.remedy ? `; to let it through, run: ${p.remedy}` : ''}`);
  }

  async restoreNetwork(net: NetworkRecord, undo: UndoLog): Promise<boolean> {
    const spec = firewallNetwork(net);
    if (!spec) return false;
    const fw = await this.firewall();
    if ((await fw.listNetworks()).some((n) => n.id === net.id)) return false;
    await fw.addNetwork(spec);
    undo.record(`firewall rules of network ${net.name}`, () => this.teardownNetwork(net));
    return true;
  }

  async teardownNetwork(net: NetworkRecord): Promise<void> {
    if (!firewallNetwork(net)) return;
    const fw = await this.firewall();
    try {
      await fw.removeNetwork(net.id);
    } catch (err) {
      if (!(err instanceof FirewallError && err.code === 'ENOENT')) throw err; // nothing of it in the table
    }
  }

  async endpointPortChange(net: NetworkRecord): Promise<BridgePortChange | undefined> {
    const spec = firewallNetwork(net);
    if (!spec) return undefined;
    const brNetfilter = await this.brNetfilter();
    // A new bridge port is neither isolated nor hairpin: with icc on and no
    // br_netfilter that is what the firewall wants, and no request is needed.
    if (spec.icc !== false && !brNetfilter) return undefined;
    return (await this.firewall()).endpointPortSettings(spec, { brNetfilter });
  }

  /** Whether bridged IPv4 traffic goes through the IP hooks (net.bridge.bridge-nf-call-iptables = 1). */
  private async brNetfilter(): Promise<boolean> {
    try {
      return (await (await this.ctx.host()).sysctlGet('net.bridge.bridge-nf-call-iptables')).trim() === '1';
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'ENOENT') return false; // br_netfilter not loaded
      throw err;
    }
  }

  async publishPorts(sb: SandboxRecord, ep: EndpointRecord, net: NetworkRecord, specs: PortSpec[], undo: UndoLog): Promise<PublishedPortRecord[]> {
    if (!firewallNetwork(net)) throw new NetplumbError(`ports can be published only on bridge networks; network ${net.name} uses the ${net.driver} driver`, 'ENOTSUP');
    const binding = net.options[FIREWALL_OPTIONS.hostBinding];
    const ports = binding ? specs.map((s) => (s.hostIp === '0.0.0.0' ? specOnAddress(s, binding) : s)) : specs;
    const fw = await this.firewall();
    let published: PublishedPort[];
    try {
      published = await fw.publish(ep.id, { containerIp: ep.address, ports });
    } catch (err) {
      throw await this.explain(err, net);
    }
    undo.record(`published ports of sandbox ${sb.name}`, async () => { await fw.unpublish(ep.id); });
    return published.map(record);
  }

  /** Names sandboxes instead of endpoint ids in conflicts, and points at gc when the network lost its rules. */
  private async explain(err: unknown, net: NetworkRecord): Promise<unknown> {
    if (err instanceof FirewallError && err.code === 'ENOENT')
      return new NetplumbError(`cannot publish ports on network ${net.name}: its firewall rules are missing from nf_tables (removed by hand?); \`netplumb gc\` restores them`, 'ENOENT');
    if (!(err instanceof PortConflictError)) return err;
    const names = await this.ctx.store.read((tx) => new Map(tx.listEndpoints().map((e) => [e.id, tx.getSandbox(e.sandboxId)?.name ?? e.sandboxId])));
    return new PortConflictError(err.conflicts.map((c) => {
      const m = /^published by endpoint (\S+) \((.*)\)$/.exec(c.holder);
      if (!m) return c;
      const name = names.get(m[1]);
      return { key: c.key, holder: name ? `published by sandbox ${name} (${m[2]})` : `published by endpoint ${short(m[1])} (${m[2]}), which has no record (\`netplumb gc\` removes it)` };
    }));
  }

  async unpublishPorts(endpointId: string): Promise<void> {
    await (await this.firewall()).unpublish(endpointId);
  }

  async listPublished(endpointIds?: string[]): Promise<PublishedPortRecord[]> {
    const all = await (await this.firewall()).listPublished();
    const wanted = endpointIds && new Set(endpointIds);
    return all.filter((p) => !wanted || wanted.has(p.endpointId)).map(record);
  }

  async gc(state: { networks: NetworkRecord[]; endpoints: EndpointRecord[]; sandboxes: SandboxRecord[] }): Promise<{ changes: string[]; errors: string[] }> {
    const fw = await this.firewall();
    const changes: string[] = [];
    const errors: string[] = [];
    // 1. Entries and reservations whose owner has no record.
    const removed = await fw.reconcile({ networks: state.networks.map((n) => n.id), endpoints: state.endpoints.map((e) => e.id) });
    for (const id of removed.networks) changes.push(`removed the firewall entries of network ${short(id)} (no record)`);
    for (const id of removed.endpoints) changes.push(`removed the published ports and host-port reservations of endpoint ${short(id)} (no record)`);
    if (removed.tableRemoved) changes.push(`removed nftables table inet ${fw.table} (nothing left in it)`);

    // 2. What the records say should exist but the kernel lacks (a table deleted or flushed by hand).
    const installed = new Set((await fw.listNetworks()).map((n) => n.id));
    for (const net of state.networks) {
      if (net.status !== 'ready' || installed.has(net.id)) continue;
      try {
        if (await this.restoreNetwork(net, new UndoLog())) changes.push(`restored the firewall rules of network ${net.name}`);
      } catch (err) {
        // A bridge that is gone (a reboot) is made again, with its rules, by the next sandbox on it.
        if (err instanceof FirewallError && err.code === 'ENODEV') continue;
        errors.push(`restore the firewall rules of network ${net.name}: ${(err as Error).message}`);
      }
    }
    const inKernel = await fw.listPublished();
    for (const sb of state.sandboxes) {
      if (sb.status !== 'ready' || !sb.ports.length) continue;
      for (const endpointId of new Set(sb.ports.map((p) => p.endpointId))) {
        if (!state.endpoints.some((e) => e.id === endpointId)) continue;
        const missing = sb.ports.filter((p) => p.endpointId === endpointId && !inKernel.some((k) => k.endpointId === endpointId && sameMapping(k, p)));
        if (!missing.length) continue;
        try {
          // Its own reservations of these ports would count as holders: publish takes them again.
          await fw.reservations.release(endpointId, missing.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort })));
          await fw.publish(endpointId, { containerIp: missing[0].containerIp, ports: missing.map((p) => `${p.hostIp}:${p.hostPort}:${p.containerPort}/${p.protocol}`) });
          changes.push(`restored ${missing.length} published port${missing.length === 1 ? '' : 's'} of sandbox ${sb.name} (${missing.slice(0, 3).map((p) => describeKey(p)).join(', ')}${missing.length > 3 ? ', ...' : ''})`);
        } catch (err) {
          errors.push(`restore the published ports of sandbox ${sb.name}: ${(err as Error).message}`);
        }
      }
    }
    return { changes, errors };
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) (await opened.catch(() => undefined))?.close();
  }
}

/** The default firewall driver: netplumb's own nf_tables table. */
export function nftablesFirewallDriver(ctx: FirewallContext): FirewallDriver {
  return new NftablesFirewallDriver(ctx);
}
