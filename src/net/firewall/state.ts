// What netplumb's firewall table holds, read back from the kernel: the
// networks (from their set elements and NAT rules) and the published ports
// (from the two maps), each found by the owner in its comment. The kernel is
// the record: removal, `netplumb port` and gc read it here.
import type { Nftables } from '../../nft/nftables';
import type { Element, Expression, Rule } from '../../nft/types';
import { CHAINS, FAMILY, intToIpv4, ipv4ToInt, owner, SETS, setRef } from './plan';
import type { FirewallNetwork, Protocol, PublishedPort } from './types';

/** A network as the table holds it, with the kernel objects that make it up. */
export interface InstalledNetwork extends Required<Omit<FirewallNetwork, 'outboundNat'>> {
  outboundNat: 'masquerade' | 'none' | { snat: string };
  /** Handles of its rules in nat_postrouting. */
  ruleHandles: number[];
}

export interface FirewallState {
  networks: Map<string, InstalledNetwork>;
  published: PublishedPort[];
  /** Comments on elements or rules that name no owner netplumb knows (left alone). */
  unowned: number;
}

/** A range of addresses of an interval set, with the comment of its start element. */
export interface AddressRange {
  first: number;
  last: number;
  comment?: string;
}

/** The ranges of an interval set's elements: each start up to the next end element, exclusive. */
export function intervalRanges(elements: Element[]): AddressRange[] {
  const items = elements.map((e) => ({ n: ipv4ToInt(String(e.key)), end: e.intervalEnd, comment: e.comment }));
  // Equal keys: an end before a start (adjacent ranges share the boundary).
  items.sort((a, b) => a.n - b.n || (a.end === b.end ? 0 : a.end ? -1 : 1));
  const out: AddressRange[] = [];
  let open: { n: number; comment?: string } | undefined;
  for (const it of items) {
    if (it.end) {
      if (open) out.push({ first: open.n, last: it.n - 1, comment: open.comment });
      open = undefined;
    } else {
      if (open) out.push({ first: open.n, last: it.n - 1, comment: open.comment });
      open = { n: it.n, comment: it.comment };
    }
  }
  if (open) out.push({ first: open.n, last: 0xffffffff, comment: open.comment });
  return out;
}

/** '172.18.0.0/16' for an aligned power-of-two range, else 'a-b'. */
export function rangeText(r: AddressRange): string {
  const size = r.last - r.first + 1;
  const bits = Math.log2(size);
  if (Number.isInteger(bits) && r.first % size === 0) return `${intToIpv4(r.first)}/${32 - bits}`;
  return `${intToIpv4(r.first)}-${intToIpv4(r.last)}`;
}

function natOf(rule: Rule): FirewallNetwork['outboundNat'] | undefined {
  const stmt = rule.expressions.find((e: Expression) => e.expr === 'masq' || e.expr === 'nat');
  if (!stmt) return undefined;
  if (stmt.expr === 'masq') return 'masquerade';
  // snat: the address is the immediate loaded into regAddrMin.
  const imm = rule.expressions.find((e) => e.expr === 'immediate' && e.dreg === stmt.regAddrMin);
  const data = imm?.data as { value?: Buffer } | Buffer | undefined;
  const bytes = Buffer.isBuffer(data) ? data : data?.value;
  return bytes && bytes.length >= 4 ? { snat: [...bytes.subarray(0, 4)].join('.') } : undefined;
}

/**
 * Reads networks and published ports from the table (which must exist).
 * Without options.ports the port maps are not read: what publishing needs
 * (the networks) then costs the same however many ports are published.
 */
export async function readState(nft: Nftables, table: string, options: { ports?: boolean } = { ports: true }): Promise<FirewallState> {
  const list = (name: string) => nft.listElements(setRef(table, name));
  const none = Promise.resolve([] as Element[]);
  const [bridges, internal, noIcc, subnets, natSubnets, portsAddr, portsAny, rules] = await Promise.all([
    list(SETS.bridges), list(SETS.internal), list(SETS.noIcc), list(SETS.subnets), list(SETS.natSubnets),
    options.ports ? list(SETS.portsAddr) : none, options.ports ? list(SETS.portsAny) : none, nft.listRules({ family: FAMILY, name: table }, CHAINS.postrouting),
  ]);
  let unowned = 0;
  const networkOf = (comment: string | undefined) => {
    const o = owner.parse(comment);
    if (o?.kind === 'network') return o.id;
    unowned++;
    return undefined;
  };
  const networks = new Map<string, InstalledNetwork>();
  for (const e of bridges) {
    const id = networkOf(e.comment);
    if (id) networks.set(id, { id, bridge: String(e.key), subnets: [], internal: false, icc: true, outboundNat: 'none', ruleHandles: [] });
  }
  // A network whose bridge element is gone (a crash between transactions cannot cause it, one
  // transaction adds all; but an operator might delete it) still shows up, so gc can remove the rest.
  const ensure = (id: string) => {
    if (!networks.has(id)) networks.set(id, { id, bridge: '', subnets: [], internal: false, icc: true, outboundNat: 'none', ruleHandles: [] });
    return networks.get(id)!;
  };
  for (const e of internal) { const id = networkOf(e.comment); if (id) ensure(id).internal = true; }
  for (const e of noIcc) { const id = networkOf(e.comment); if (id) ensure(id).icc = false; }
  for (const r of intervalRanges(subnets)) { const id = networkOf(r.comment); if (id) ensure(id).subnets.push(rangeText(r)); }
  const natted = new Set<string>();
  for (const r of intervalRanges(natSubnets)) { const id = networkOf(r.comment); if (id) natted.add(id); }
  for (const r of rules) {
    const o = owner.parse(r.comment);
    if (o?.kind !== 'network') continue;
    const net = ensure(o.id);
    net.ruleHandles.push(r.handle);
    const nat = natOf(r);
    if (nat) net.outboundNat = nat;
  }
  for (const id of natted) if (ensure(id).outboundNat === 'none') ensure(id).outboundNat = 'masquerade';

  const published: PublishedPort[] = [];
  // One owner's ports come one after another with the same comment: parse it once.
  let lastComment: string | undefined;
  let lastOwner: ReturnType<typeof owner.parse>;
  const port = (e: Element, hostIp: string, protocol: unknown, hostPort: unknown) => {
    if (e.comment === undefined || e.comment !== lastComment) {
      lastComment = e.comment;
      lastOwner = owner.parse(e.comment);
    }
    const o = lastOwner;
    if (o?.kind !== 'endpoint') { unowned++; return; }
    const [containerIp, containerPort] = e.value as [string, number];
    published.push({ endpointId: o.id, protocol: protocol as Protocol, hostIp, hostPort: hostPort as number, containerIp, containerPort });
  };
  for (const e of portsAddr) { const [p, ip, hp] = e.key as [string, string, number]; port(e, ip, p, hp); }
  for (const e of portsAny) { const [p, hp] = e.key as [string, number]; port(e, '0.0.0.0', p, hp); }
  return { networks, published, unowned };
}
