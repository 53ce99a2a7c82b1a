// Anti-spoofing on netplumb's bridge ports: a container may send only with
// its own MAC address, and IPv4 and ARP only with its own IPv4 address. The
// check sits in the bridge family, on the frames that enter the bridge through
// an endpoint's host-side veth: traffic between containers of one network is
// bridged, so the inet table (plan.ts) never sees it. One rule per check, and
// every endpoint is a few set elements tagged with its owner, so the rules
// never change and a frame costs the same hash lookups at 1 or 1,000 endpoints.
//
//   table bridge netplumb_guard {                                comment "netplumb:guard-v1"
//     set ports   { type ifname }                                 guarded bridge ports
//     set macs    { type ifname . ether_addr }                    port . the MAC it may send with
//     set sources { type ifname . ether_addr . ipv4_addr }        port . MAC . the address it may send with
//     chain prerouting { type filter hook prerouting priority filter (-200); policy accept
//       iifname @ports iifname . ether saddr != @macs counter drop
//       iifname @ports iifname . ether saddr . ip saddr != @sources counter drop          (IPv4)
//       iifname @ports iifname . ether saddr . arp saddr ip != @sources counter drop      (ARP sender address)
//       iifname @ports iifname . arp saddr ether . arp saddr ip != @sources counter drop  (ARP sender MAC)
//   }
//
// IPv6 frames pass when their MAC is the port's (netplumb gives containers no
// IPv6 addresses and routes none).
import { isIPv4 } from 'net';
import { K } from '../../../bindings';
import { BatchError, NetlinkError } from '../../errors';
import type { NetNs } from '../../netns';
import { Nftables } from '../../nft/nftables';
import { rule } from '../../nft/rule';
import type { Family } from '../../nft/types';
import { checkId, owner } from './plan';

const FAMILY: Family = 'bridge';
export const GUARD_LAYOUT = 'guard-v1';
const SETS = { ports: 'ports', macs: 'macs', sources: 'sources' } as const;
const CHAIN = 'prerouting';

/** An endpoint's bridge port and what it may send as. */
export interface GuardedPort {
  /** The endpoint's id (the owner tag of its elements). */
  endpointId: string;
  /** The host end of its veth: the bridge port its frames come in by. */
  port: string;
  mac: string;
  address: string;
}

function kernelCode(err: unknown): string | undefined {
  if (err instanceof NetlinkError) return err.code;
  if (err instanceof BatchError) return err.errors[0]?.code;
  return undefined;
}

function checkPort(p: GuardedPort): void {
  if (!p || typeof p !== 'object') throw new TypeError('guard: expected {endpointId, port, mac, address}');
  checkId(p.endpointId, 'endpoint id');
  if (typeof p.port !== 'string' || p.port.length === 0 || Buffer.byteLength(p.port) >= K.IFNAMSIZ || /[\s/:\0]/.test(p.port))
    throw new RangeError(`guard: port ${JSON.stringify(p.port)} is not an interface name`);
  if (typeof p.mac !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(p.mac)) throw new RangeError(`guard: ${JSON.stringify(p.mac)} is not a MAC address`);
  if (typeof p.address !== 'string' || !isIPv4(p.address)) throw new RangeError(`guard: ${JSON.stringify(p.address)} is not an IPv4 address`);
}

export class SourceGuard {
  private constructor(readonly nft: Nftables, readonly table: string) {}

  /** Opens the nf_tables handle in the host namespace (default: this process's); changes nothing. */
  static async open(options: { netns?: NetNs | string; table?: string } = {}): Promise<SourceGuard> {
    const table = options.table ?? 'netplumb_guard';
    if (typeof table !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(table)) throw new RangeError(`guard table: ${JSON.stringify(table)} is not a table name`);
    return new SourceGuard(await Nftables.open({ netns: options.netns }), table);
  }

  close(): void {
    this.nft.close();
  }

  private ref(name: string) {
    return { family: FAMILY, table: this.table, name };
  }

  private async tableExists(): Promise<boolean> {
    const t = (await this.nft.listTables(FAMILY)).find((x) => x.name === this.table);
    if (!t) return false;
    if (t.comment !== `netplumb:${GUARD_LAYOUT}`) throw new Error(`table ${FAMILY} ${this.table} exists but is not netplumb's source guard (comment ${JSON.stringify(t.comment ?? '')}); netplumb never changes other tables`);
    return true;
  }

  /** Creates the table, its sets and its rules in one transaction, unless it exists. */
  async ensureBase(): Promise<void> {
    if (await this.tableExists()) return;
    const t = { family: FAMILY, table: this.table };
    const chain = { ...t, chain: CHAIN };
    const batch = this.nft.batch();
    batch.addTable({ family: FAMILY, name: this.table, owner: GUARD_LAYOUT, exclusive: true });
    batch.addSet({ ...t, name: SETS.ports, type: 'ifname', comment: 'guarded bridge ports' });
    batch.addSet({ ...t, name: SETS.macs, type: ['ifname', 'ether_addr'], comment: 'port . MAC it may send with' });
    batch.addSet({ ...t, name: SETS.sources, type: ['ifname', 'ether_addr', 'ipv4_addr'], comment: 'port . MAC . address it may send with' });
    batch.addChain({ ...t, name: CHAIN, hook: 'prerouting', type: 'filter', priority: K.NF_BR_PRI_FILTER_BRIDGED, policy: 'accept' });
    const guarded = () => rule().inSet(['iifname'], SETS.ports);
    batch.addRule(chain, guarded().inSet(['iifname', 'ether saddr'], SETS.macs, '!=').counter().drop().comment('mac'));
    batch.addRule(chain, guarded().inSet(['iifname', 'ether saddr', 'ip saddr'], SETS.sources, '!=').counter().drop().comment('ipv4'));
    batch.addRule(chain, guarded().inSet(['iifname', 'ether saddr', 'arp saddr ip'], SETS.sources, '!=').counter().drop().comment('arp'));
    batch.addRule(chain, guarded().inSet(['iifname', 'arp saddr ether', 'arp saddr ip'], SETS.sources, '!=').counter().drop().comment('arp-sha'));
    try {
      await batch.commit();
    } catch (err) {
      if (kernelCode(err) === 'EEXIST' && (await this.tableExists())) return; // another command made it at the same moment
      throw err;
    }
  }

  /**
   * Lets the port send only as the endpoint (one transaction; a port already
   * guarded for another endpoint or otherwise fails with EEXIST and changes nothing).
   * Equivalent to: `nft add element bridge netplumb_guard ports { "np1a2b" comment "ep:ID" }`, and the same in macs and sources.
   */
  async guard(p: GuardedPort): Promise<void> {
    checkPort(p);
    await this.ensureBase();
    const tag = owner.endpoint(p.endpointId);
    const mac = p.mac.toLowerCase();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.nft.batch()
          .addElements(this.ref(SETS.ports), [{ key: p.port, comment: tag }], { exclusive: true })
          .addElements(this.ref(SETS.macs), [{ key: [p.port, mac], comment: tag }], { exclusive: true })
          .addElements(this.ref(SETS.sources), [{ key: [p.port, mac, p.address], comment: tag }], { exclusive: true })
          .commit();
        return;
      } catch (err) {
        // Guarded already, exactly so, for this endpoint (a repair making its link again): nothing to do.
        if (kernelCode(err) === 'EEXIST' && (await this.list()).some((g) => g.endpointId === p.endpointId && g.port === p.port && g.mac === mac && g.address === p.address)) return;
        // The table was deleted meanwhile (the last network went, or `nft flush ruleset`): make it again.
        if (kernelCode(err) !== 'ENOENT' || attempt > 2) throw err;
        await this.ensureBase();
      }
    }
  }

  /**
   * Removes one endpoint's elements by their keys (no read of the sets),
   * falling back to a read by owner when the kernel lacks one of them. The
   * table stays (see drop()): deleting it when it looks empty could take away
   * a port another command guards at that moment.
   */
  async unguardPort(p: GuardedPort): Promise<void> {
    checkPort(p);
    if (!(await this.tableExists())) return;
    const mac = p.mac.toLowerCase();
    try {
      await this.nft.batch()
        .deleteElements(this.ref(SETS.ports), [{ key: p.port }])
        .deleteElements(this.ref(SETS.macs), [{ key: [p.port, mac] }])
        .deleteElements(this.ref(SETS.sources), [{ key: [p.port, mac, p.address] }])
        .commit();
    } catch (err) {
      if (kernelCode(err) !== 'ENOENT') throw err;
      await this.removeOwners((id) => id === p.endpointId);
    }
  }

  /**
   * Deletes the table (when the last bridge network goes: no port can be
   * guarded then). Equivalent to: `nft delete table bridge netplumb_guard`.
   */
  async drop(): Promise<void> {
    if (!(await this.tableExists())) return;
    try {
      await this.nft.batch().deleteTable({ family: FAMILY, name: this.table }).commit();
    } catch (err) {
      if (kernelCode(err) !== 'ENOENT') throw err;
    }
  }

  /** Every guarded port, read from the kernel. */
  async list(): Promise<GuardedPort[]> {
    if (!(await this.tableExists())) return [];
    const sources = await this.nft.listElements(this.ref(SETS.sources));
    return sources.map((e) => {
      const [port, mac, address] = e.key as [string, string, string];
      return { endpointId: owner.parse(e.comment)?.id ?? '', port, mac, address };
    });
  }

  /**
   * Removes an endpoint's elements, read from the kernel by their owner tag.
   * Nothing of the endpoint: nothing done (false).
   * Equivalent to: `nft delete element bridge netplumb_guard ports { "np1a2b" }` ...
   */
  async unguard(endpointId: string): Promise<boolean> {
    checkId(endpointId, 'endpoint id');
    return (await this.removeOwners((id) => id === endpointId)).length > 0;
  }

  /** gc: removes the elements of endpoints not in `live`; returns their ids. */
  async reconcile(live: Set<string>): Promise<string[]> {
    if (!(live instanceof Set)) throw new TypeError('reconcile: expected a Set of endpoint ids');
    return this.removeOwners((id) => !live.has(id));
  }

  private async removeOwners(match: (id: string) => boolean): Promise<string[]> {
    if (!(await this.tableExists())) return [];
    const all = await Promise.all(Object.values(SETS).map(async (name) => ({ name, elements: await this.nft.listElements(this.ref(name)) })));
    const ownerOf = (comment?: string) => owner.parse(comment)?.id ?? '';
    const gone = new Set<string>();
    const batch = this.nft.batch();
    for (const { name, elements } of all) {
      const mine = elements.filter((e) => match(ownerOf(e.comment)));
      for (const e of mine) gone.add(ownerOf(e.comment));
      if (mine.length) batch.deleteElements(this.ref(name), mine.map((e) => ({ key: e.key })));
    }
    if (gone.size) await batch.commit();
    return [...gone];
  }
}
