// Neighbours (`ip neigh`) and bridge forwarding entries (`bridge fdb`).
import { K } from '../../bindings';
import { checkIp, type IpFamily } from './address';
import { familyConstant } from './addresses';
import { refLink, type LinkRef, type PlannedRequest } from './request';

export type NeighState = 'permanent' | 'reachable' | 'stale' | 'noarp';

export interface NeighSpec {
  dev: LinkRef;
  /** The IP address. */
  address: string;
  /** Link-layer address (`lladdr MAC`); required to add. */
  lladdr?: string;
  /** Default 'permanent'. */
  state?: NeighState;
  /** Replace an existing entry instead of failing (`ip neigh replace`). */
  replace?: boolean;
}

export interface NeighFilter {
  dev?: LinkRef;
  family?: IpFamily;
}

export interface Neighbour {
  family: number;
  index: number;
  address?: string;
  lladdr?: string;
  state: number;
  flags: number;
  type: number;
}

export interface FdbSpec {
  /** The bridge port (or vxlan device) the entry points at. */
  dev: LinkRef;
  lladdr: string;
  /** 'master' adds to the bridge's table (default), 'self' to the device's own (vxlan). */
  target?: 'master' | 'self';
  /** Default 'static' (never aged out); 'permanent' makes a local entry. */
  state?: 'static' | 'permanent';
  vlan?: number;
  /** VXLAN remote endpoint. */
  dst?: string;
  vni?: number;
  port?: number;
  replace?: boolean;
}

export interface FdbFilter {
  /** Entries of this bridge (`bridge fdb show br BR`). */
  bridge?: LinkRef;
  /** Entries of this port (`bridge fdb show dev DEV`). */
  dev?: LinkRef;
}

export interface FdbEntry {
  index: number;
  lladdr: string;
  state: number;
  flags: number;
  vlan?: number;
  master?: number;
  address?: string;
  vni?: number;
  port?: number;
}

const neighStates: Record<NeighState, number> = {
  permanent: K.NUD_PERMANENT, reachable: K.NUD_REACHABLE, stale: K.NUD_STALE, noarp: K.NUD_NOARP,
};

function checkMac(mac: unknown, what: string): string {
  if (typeof mac !== 'string' || !/^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(mac))
    throw new TypeError(`${what}: expected a link-layer address like 02:42:ac:11:00:02, got ${JSON.stringify(mac)}`);
  return mac;
}

export function planNeigh(spec: NeighSpec, action: 'add' | 'delete'): PlannedRequest {
  checkIp(spec.address, 'address');
  const op = action === 'delete' ? 'neigh.delete' : spec.replace ? 'neigh.replace' : 'neigh.add';
  const req: PlannedRequest = { op, args: { address: spec.address } };
  if (spec.lladdr !== undefined) req.args.lladdr = checkMac(spec.lladdr, 'lladdr');
  else if (action === 'add') throw new TypeError('lladdr: required to add a neighbour');
  if (spec.state !== undefined) {
    const state = neighStates[spec.state];
    if (state === undefined) throw new RangeError(`state: unknown neighbour state ${String(spec.state)}`);
    req.args.state = state;
  }
  return refLink(req, 'index', spec.dev);
}

export function planNeighList(filter: NeighFilter): PlannedRequest {
  const req: PlannedRequest = { op: 'neigh.dump', args: {} };
  if (filter.family !== undefined) req.args.family = familyConstant(filter.family);
  if (filter.dev !== undefined) refLink(req, 'index', filter.dev);
  return req;
}

export function filterNeighbours(raw: Array<Record<string, unknown>>, filter: NeighFilter): Neighbour[] {
  let list = raw as unknown as Neighbour[];
  list = list.filter((n) => n.family === K.AF_INET || n.family === K.AF_INET6);
  if (filter.family !== undefined) list = list.filter((n) => n.family === familyConstant(filter.family!));
  return list;
}

export function planFdb(spec: FdbSpec, action: 'add' | 'delete'): PlannedRequest {
  const op = action === 'delete' ? 'fdb.delete' : spec.replace ? 'fdb.replace' : 'fdb.add';
  const req: PlannedRequest = { op, args: { lladdr: checkMac(spec.lladdr, 'lladdr') } };
  req.args.flags = spec.target === 'self' ? K.NTF_SELF : K.NTF_MASTER;
  // The states `bridge fdb add` sends: NOARP|PERMANENT (a local entry) for
  // permanent, NOARP|REACHABLE for static; the kernel keys on PERMANENT, then NOARP.
  req.args.state = spec.state === 'permanent' ? K.NUD_NOARP | K.NUD_PERMANENT : K.NUD_NOARP | K.NUD_REACHABLE;
  if (spec.vlan !== undefined) {
    if (!Number.isInteger(spec.vlan) || spec.vlan < 1 || spec.vlan > 4094) throw new RangeError('vlan: 1 to 4094');
    req.args.vlan = spec.vlan;
  }
  if (spec.dst !== undefined) { checkIp(spec.dst, 'dst'); req.args.dst = spec.dst; }
  if (spec.vni !== undefined) {
    if (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > 0xffffff) throw new RangeError(`vni: 0 to ${0xffffff}, got ${spec.vni}`);
    req.args.vni = spec.vni;
  }
  if (spec.port !== undefined) {
    if (!Number.isInteger(spec.port) || spec.port < 0 || spec.port > 0xffff) throw new RangeError(`port: 0 to 65535, got ${spec.port}`);
    req.args.port = spec.port;
  }
  return refLink(req, 'index', spec.dev);
}

export function planFdbList(filter: FdbFilter): PlannedRequest {
  const req: PlannedRequest = { op: 'fdb.dump', args: {} };
  if (filter.bridge !== undefined) refLink(req, 'master', filter.bridge);
  if (filter.dev !== undefined) refLink(req, 'index', filter.dev);
  return req;
}

export function filterFdb(raw: Array<Record<string, unknown>>, _filter: FdbFilter): FdbEntry[] {
  return raw as unknown as FdbEntry[];
}
