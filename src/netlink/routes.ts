// Routes: what `ip route` adds, replaces, deletes and shows.
import { K } from '../../bindings';
import { checkIp, parseCidr, type IpFamily } from './address';
import { familyConstant } from './addresses';
import { refLink, type LinkRef, type PlannedRequest } from './request';
import type { Netlink } from './handle';

export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'local';

export interface RouteSpec {
  /** 'default', a CIDR ('10.0.0.0/8'), or a host address. */
  dst: string;
  gateway?: string;
  /** Output device (`dev DEV`). */
  dev?: LinkRef;
  /** Family for 'default' without a gateway (default 4). */
  family?: IpFamily;
  src?: string;
  /** Preferred source address (`src ADDR` in `ip route`). */
  prefsrc?: string;
  metric?: number;
  /** 'main' (default), 'local' or a number. */
  table?: 'main' | 'local' | number;
  type?: RouteType;
  scope?: 'global' | 'link' | 'host' | number;
  protocol?: 'boot' | 'static' | 'kernel' | number;
  mtu?: number;
  onlink?: boolean;
}

export interface RouteFilter {
  family?: IpFamily;
  table?: 'main' | 'local' | number;
  dev?: LinkRef;
}

export interface Route {
  family: number;
  /** CIDR, or 'default'. */
  dst: string;
  dstLen: number;
  gateway?: string;
  index?: number;
  prefsrc?: string;
  metric?: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  mtu?: number;
}

const types: Record<RouteType, number> = {
  unicast: K.RTN_UNICAST, blackhole: K.RTN_BLACKHOLE, unreachable: K.RTN_UNREACHABLE, prohibit: K.RTN_PROHIBIT, local: K.RTN_LOCAL,
};
const tables: Record<string, number> = { main: K.RT_TABLE_MAIN, local: K.RT_TABLE_LOCAL };
const scopes: Record<string, number> = { global: K.RT_SCOPE_UNIVERSE, link: K.RT_SCOPE_LINK, host: K.RT_SCOPE_HOST };
const protocols: Record<string, number> = { boot: K.RTPROT_BOOT, static: K.RTPROT_STATIC, kernel: K.RTPROT_KERNEL };

function named(value: string | number, names: Record<string, number>, what: string, max: number): number {
  const n = typeof value === 'number' ? value : names[value];
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${what}: unknown ${what} ${String(value)}`);
  return n;
}

export function planRoute(spec: RouteSpec, action: 'add' | 'replace' | 'delete'): PlannedRequest {
  if (!spec || typeof spec !== 'object') throw new TypeError('route: expected a route spec');
  const req: PlannedRequest = { op: `route.${action}`, args: {} };
  const a = req.args;
  if (spec.family !== undefined && spec.family !== 4 && spec.family !== 6) throw new RangeError(`family: 4 or 6, got ${String(spec.family)}`);
  let family: IpFamily | undefined = spec.family;
  if (spec.dst !== 'default') {
    const c = parseCidr(spec.dst, 'dst');
    a.dst = c.address;
    a.dstLen = c.prefixlen;
    family = c.family;
  } else {
    a.dstLen = 0;
  }
  if (spec.gateway !== undefined) {
    const gf = checkIp(spec.gateway, 'gateway');
    if (family !== undefined && gf !== family) throw new TypeError(`gateway: ${spec.gateway} is not the same family as ${spec.dst}`);
    family = gf;
    a.gateway = spec.gateway;
  }
  a.family = familyConstant(family ?? 4);
  if (spec.dev !== undefined) refLink(req, 'index', spec.dev);
  if (spec.src !== undefined) { checkIp(spec.src, 'src'); a.src = spec.src; }
  if (spec.prefsrc !== undefined) { checkIp(spec.prefsrc, 'prefsrc'); a.prefsrc = spec.prefsrc; }
  if (spec.metric !== undefined) a.metric = named(spec.metric, {}, 'metric', 0xffffffff);
  if (spec.table !== undefined) a.table = named(spec.table, tables, 'table', 0xffffffff);
  if (spec.type !== undefined) a.type = named(spec.type, types, 'type', 255);
  if (spec.scope !== undefined) a.scope = named(spec.scope, scopes, 'scope', 255);
  if (spec.protocol !== undefined) a.protocol = named(spec.protocol, protocols, 'protocol', 255);
  if (spec.mtu !== undefined) a.mtu = named(spec.mtu, {}, 'mtu', 0xffffffff);
  if (spec.onlink !== undefined) a.onlink = spec.onlink;
  return req;
}

export function planRouteList(filter: RouteFilter): PlannedRequest {
  const req: PlannedRequest = { op: 'route.dump', args: {} };
  if (filter.family !== undefined) req.args.family = familyConstant(filter.family);
  if (filter.table !== undefined) req.args.table = named(filter.table, tables, 'table', 0xffffffff);
  return req;
}

export function toRoute(raw: Record<string, unknown>): Route {
  const r = raw as unknown as Route & { dst?: string };
  r.dst = r.dst === undefined && r.dstLen === 0 ? 'default' : `${r.dst}/${r.dstLen}`;
  return r;
}

/** Routes of the table asked for (main by default, as `ip route show`), of one device if given. */
export async function filterRoutes(raw: Array<Record<string, unknown>>, filter: RouteFilter, handle: Netlink): Promise<Route[]> {
  const table = filter.table === undefined ? K.RT_TABLE_MAIN : named(filter.table, tables, 'table', 0xffffffff);
  let list = raw.map(toRoute).filter((r) => r.table === table);
  if (filter.family !== undefined) list = list.filter((r) => r.family === familyConstant(filter.family!));
  if (filter.dev !== undefined) {
    const index = typeof filter.dev === 'number' ? filter.dev : (await handle.linkGet(filter.dev)).index;
    list = list.filter((r) => r.index === index);
  }
  return list;
}
