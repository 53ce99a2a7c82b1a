// Links: what `ip link` adds, changes, deletes and shows. Each kind's own
// options are planned by its file in kinds/ (veth, bridge, vxlan ...).
import { NETNS_DIR, NetNs, checkNetnsName } from '../netns';
import { checkLinkName, refLink, type LinkRef, type PlannedRequest } from './request';
import { kindPlanner } from './kinds';
import { planBridgePort } from './kinds/bridge-port';

export type LinkRefArg = LinkRef;

/** Where a link is born or moved: a namespace, a namespace's name, or a process's. */
export type NetnsRef = NetNs | string | { pid: number };

export interface LinkCommon {
  mtu?: number;
  /** Link-layer address, 'aa:bb:cc:dd:ee:ff'. */
  address?: string;
  txqlen?: number;
  alias?: string;
  group?: number;
  up?: boolean;
  promisc?: boolean;
  noarp?: boolean;
  /** The bridge (or other master) to enslave to. */
  master?: LinkRef;
  /** Create it inside (or move it to) this namespace. */
  netns?: NetnsRef;
}

export interface LinkSpec extends LinkCommon {
  name: string;
  /** 'bridge', 'veth', 'vxlan', 'macvlan', 'vlan', 'dummy' ..., or any kind the kernel knows. */
  kind: string;
  /** The lower device of a vlan, macvlan, macvtap, ipvlan. */
  parent?: LinkRef;
  /** Pin the interface index (the kernel refuses one already in use). */
  index?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  /** Kind-specific options, e.g. veth's peer, bridge's stp, vxlan's vni. */
  [option: string]: unknown;
}

/** Bridge-port flags, as `ip link set DEV type bridge_slave ...`. */
export interface BridgePortChange {
  hairpin?: boolean;
  isolated?: boolean;
  learning?: boolean;
  flood?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  proxyArp?: boolean;
  neighSuppress?: boolean;
  guard?: boolean;
  cost?: number;
  priority?: number;
  /** 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking. */
  state?: number;
}

export interface LinkChange extends Omit<LinkCommon, 'master'> {
  /** New name (`ip link set DEV name NEW`). */
  name?: string;
  /** The master to enslave to; null to release (`nomaster`). */
  master?: LinkRef | null;
  bridgePort?: BridgePortChange;
}

export interface LinkFilter {
  /** Only ports of this master (`ip link show master BR`). */
  master?: LinkRef;
  /** Only links of this kind (`ip link show type bridge`). */
  kind?: string;
}

/** 64-bit counters, as `ip -s link` shows them. */
export interface LinkStats {
  rxPackets: number; txPackets: number; rxBytes: number; txBytes: number;
  rxErrors: number; txErrors: number; rxDropped: number; txDropped: number;
  multicast: number; collisions: number;
  rxOverErrors: number; rxCrcErrors: number; rxFrameErrors: number; rxFifoErrors: number; rxMissedErrors: number;
  txAbortedErrors: number; txCarrierErrors: number; txFifoErrors: number; rxNohandler: number;
}

export interface Link {
  index: number;
  name: string;
  /** ifi_family: AF_UNSPEC for the link itself, AF_BRIDGE in a bridge's notices about its ports. */
  family?: number;
  /** IFLA_INFO_KIND: 'veth', 'bridge' ...; absent for loopback and physical devices. */
  kind?: string;
  up: boolean;
  /** IFF_* flags. */
  flags: number;
  /** ARPHRD_* type. */
  type: number;
  operstate?: string;
  mtu?: number;
  minMtu?: number;
  maxMtu?: number;
  address?: string;
  broadcast?: string;
  permAddress?: string;
  master?: number;
  /** The peer's or parent's index (IFLA_LINK), in linkNetnsId's namespace when that is set. */
  link?: number;
  linkNetnsId?: number;
  txqlen?: number;
  alias?: string;
  group?: number;
  carrier?: boolean;
  promiscuity?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  stats?: LinkStats;
  /** The kind's own settings (IFLA_INFO_DATA), e.g. { stp, vlanFiltering } for a bridge. */
  data?: Record<string, unknown>;
  /** Settings as a port of its master (IFLA_INFO_SLAVE_DATA), e.g. { kind: 'bridge', hairpin }. */
  port?: { kind: string } & Record<string, unknown>;
  /**
   * Attributes the parser does not know, by number (a kernel newer than the
   * headers netplumb was built with sends some). linkGet and events give
   * them; linkList only when asked ({ unknown: true }).
   */
  unknown?: Record<string, Buffer>;
}

/** The namespace file a NetnsRef names. */
export function netnsPath(ref: NetnsRef): { netns?: string; netnsPid?: number } {
  if (ref instanceof NetNs) return { netns: ref.path };
  if (typeof ref === 'string') {
    checkNetnsName(ref);
    return { netns: `${NETNS_DIR}/${ref}` };
  }
  if (typeof ref === 'object' && ref && Number.isInteger(ref.pid) && ref.pid > 0) return { netnsPid: ref.pid };
  throw new TypeError('netns: expected a NetNs, a namespace name or { pid }');
}

function checkUint(value: unknown, what: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${what}: expected an integer from 0 to ${max}, got ${String(value)}`);
}

function checkMac(value: unknown, what: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(value))
    throw new TypeError(`${what}: expected a link-layer address like 02:42:ac:11:00:02, got ${JSON.stringify(value)}`);
}

/** The generic attributes shared by add and set, validated. */
function commonArgs(spec: Omit<LinkCommon, 'master'>, req: PlannedRequest): void {
  checkUint(spec.mtu, 'mtu', 0xffffffff);
  checkUint(spec.txqlen, 'txqlen', 0xffffffff);
  checkUint(spec.group, 'group', 0xffffffff);
  checkMac(spec.address, 'address');
  const a = req.args;
  if (spec.mtu !== undefined) a.mtu = spec.mtu;
  if (spec.address !== undefined) a.address = spec.address;
  if (spec.txqlen !== undefined) a.txqlen = spec.txqlen;
  if (spec.group !== undefined) a.group = spec.group;
  if (spec.alias !== undefined) {
    if (typeof spec.alias !== 'string' || Buffer.byteLength(spec.alias) > 255) throw new RangeError('alias: at most 255 bytes');
    a.alias = spec.alias;
  }
  for (const flag of ['up', 'promisc', 'noarp'] as const) {
    if (spec[flag] === undefined) continue;
    if (typeof spec[flag] !== 'boolean') throw new TypeError(`${flag}: expected a boolean`);
    a[flag] = spec[flag];
  }
  if (spec.netns !== undefined) Object.assign(a, netnsPath(spec.netns));
}

export function planLinkAdd(spec: LinkSpec): PlannedRequest {
  if (!spec || typeof spec !== 'object') throw new TypeError('linkAdd: expected a link spec');
  checkLinkName(spec.name);
  if (typeof spec.kind !== 'string' || !spec.kind) throw new TypeError(`kind: expected a link kind for ${spec.name}`);
  const req: PlannedRequest = { op: 'link.create', args: { name: spec.name, kind: spec.kind } };
  commonArgs(spec, req);
  checkUint(spec.index, 'index', 0x7fffffff);
  if (spec.index !== undefined) req.args.index = spec.index;
  checkUint(spec.numTxQueues, 'numTxQueues', 0xffffffff);
  checkUint(spec.numRxQueues, 'numRxQueues', 0xffffffff);
  if (spec.numTxQueues !== undefined) req.args.numTxQueues = spec.numTxQueues;
  if (spec.numRxQueues !== undefined) req.args.numRxQueues = spec.numRxQueues;
  if (spec.master !== undefined) refLink(req, 'master', spec.master);
  if (spec.parent !== undefined) refLink(req, 'link', spec.parent);
  const planner = kindPlanner(spec.kind);
  if (planner) planner.plan(spec, req);
  return req;
}

/** The request's identity: an index as is, a name looked up by the kernel itself. */
function identify(link: LinkRef, req: PlannedRequest): void {
  if (typeof link === 'number') refLink(req, 'index', link);
  else {
    checkLinkName(link, 'link');
    req.args.name = link;
  }
}

export function planLinkSet(link: LinkRef, change: LinkChange): PlannedRequest {
  if (!change || typeof change !== 'object') throw new TypeError('linkSet: expected the changes to make');
  const req: PlannedRequest = { op: 'link.change', args: {} };
  if (change.name !== undefined) {
    // A rename names the link by index and carries the new name.
    checkLinkName(change.name);
    if (typeof link === 'number') refLink(req, 'index', link);
    else {
      checkLinkName(link, 'link');
      (req.linkRefs ??= {}).index = link;
    }
    req.args.name = change.name;
  } else {
    identify(link, req);
  }
  commonArgs(change, req);
  if (change.master === null) req.args.master = 0;
  else if (change.master !== undefined) refLink(req, 'master', change.master);
  if (change.bridgePort !== undefined) req.args.port = planBridgePort(change.bridgePort);
  return req;
}

export function planLinkDel(link: LinkRef): PlannedRequest {
  const req: PlannedRequest = { op: 'link.delete', args: {} };
  identify(link, req);
  return req;
}

export function planLinkGet(link: LinkRef): PlannedRequest {
  const req: PlannedRequest = { op: 'link.get', args: {} };
  identify(link, req);
  return req;
}

export function planLinkList(filter: LinkFilter): PlannedRequest {
  const req: PlannedRequest = { op: 'link.dump', args: {} };
  if (filter.master !== undefined) refLink(req, 'master', filter.master);
  if (filter.kind !== undefined) req.args.kind = filter.kind;
  return req;
}

export function toLink(raw: Record<string, unknown>): Link {
  return raw as unknown as Link;
}
