// Addresses: what `ip addr` adds, deletes, shows and flushes.
import { K } from '../../bindings';
import { NetlinkError } from '../errors';
import { parseCidr, checkIp, type IpFamily } from './address';
import { refLink, type LinkRef, type PlannedRequest } from './request';
import type { Netlink } from './handle';

export interface AddrOptions {
  /** Point-to-point peer (`peer ADDR`). */
  peer?: string;
  /** IPv4 broadcast (`broadcast ADDR`). */
  broadcast?: string;
  label?: string;
  /** 'global' (default), 'link', 'host' or a number. */
  scope?: 'global' | 'link' | 'host' | number;
  /** Do not add the prefix route (`noprefixroute`). */
  noprefixroute?: boolean;
  /** IPv6: skip duplicate address detection (`nodad`). */
  nodad?: boolean;
  validLft?: number;
  preferredLft?: number;
}

export interface AddrFilter {
  link?: LinkRef;
  family?: IpFamily;
}

export interface Address {
  family: number;
  index: number;
  /** The address itself. */
  local: string;
  prefixlen: number;
  /** CIDR text, 'address/prefixlen'. */
  cidr: string;
  peer?: string;
  broadcast?: string;
  label?: string;
  scope: number;
  flags: number;
  permanent: boolean;
  tentative: boolean;
  noprefixroute: boolean;
  validLft?: number;
  preferredLft?: number;
}

const scopes: Record<string, number> = { global: K.RT_SCOPE_UNIVERSE, link: K.RT_SCOPE_LINK, host: K.RT_SCOPE_HOST };

export function familyConstant(family: IpFamily): number {
  return family === 6 ? K.AF_INET6 : K.AF_INET;
}

export function planAddrAdd(link: LinkRef, cidr: string, options: AddrOptions, replace: boolean): PlannedRequest {
  const c = parseCidr(cidr);
  const req: PlannedRequest = { op: replace ? 'addr.replace' : 'addr.add', args: { address: c.address, prefixlen: c.prefixlen } };
  refLink(req, 'index', link);
  if (options.peer !== undefined) {
    if (checkIp(options.peer, 'peer') !== c.family) throw new TypeError('peer: not the same family as the address');
    req.args.peer = options.peer;
  }
  if (options.broadcast !== undefined) {
    if (c.family !== 4 || checkIp(options.broadcast, 'broadcast') !== 4) throw new TypeError('broadcast: IPv4 only');
    req.args.broadcast = options.broadcast;
  }
  if (options.label !== undefined) {
    // IFA_LABEL is an interface name (IFNAMSIZ); iproute2 also insists it start with the link's name.
    const bytes = typeof options.label === 'string' ? Buffer.byteLength(options.label) : -1;
    if (bytes < 1 || bytes > 15) throw new RangeError(`label: ${JSON.stringify(options.label)} must be 1 to 15 bytes`);
    req.args.label = options.label;
  }
  if (options.scope !== undefined) {
    const scope = typeof options.scope === 'number' ? options.scope : scopes[options.scope];
    if (scope === undefined || !Number.isInteger(scope) || scope < 0 || scope > 255) throw new RangeError(`scope: unknown scope ${String(options.scope)}`);
    req.args.scope = scope;
  }
  for (const key of ['noprefixroute', 'nodad'] as const) {
    if (options[key] === undefined) continue;
    if (typeof options[key] !== 'boolean') throw new TypeError(`${key}: expected a boolean`);
    req.args[key] = options[key];
  }
  for (const key of ['validLft', 'preferredLft'] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${key}: expected seconds from 0 to ${0xffffffff} (forever), got ${String(v)}`);
    req.args[key] = v;
  }
  return req;
}

export function planAddrDel(link: LinkRef, cidr: string): PlannedRequest {
  const c = parseCidr(cidr);
  return refLink({ op: 'addr.delete', args: { address: c.address, prefixlen: c.prefixlen } }, 'index', link);
}

export function planAddrList(filter: AddrFilter): PlannedRequest {
  const req: PlannedRequest = { op: 'addr.dump', args: {} };
  if (filter.family !== undefined) req.args.family = familyConstant(filter.family);
  if (filter.link !== undefined) refLink(req, 'index', filter.link);
  return req;
}

export function toAddress(raw: Record<string, unknown>): Address {
  const a = raw as unknown as Address;
  a.cidr = `${a.local}/${a.prefixlen}`;
  return a;
}

/** The kernel filters by family and index (strict checking); this keeps the list honest on older kernels too. */
export async function filterAddresses(raw: Array<Record<string, unknown>>, filter: AddrFilter, handle: Netlink): Promise<Address[]> {
  let list = raw.map(toAddress);
  if (filter.family !== undefined) list = list.filter((a) => a.family === familyConstant(filter.family!));
  if (filter.link !== undefined) {
    const index = typeof filter.link === 'number' ? filter.link : (await handle.linkGet(filter.link)).index;
    list = list.filter((a) => a.index === index);
  }
  return list;
}

/** `ip addr flush dev DEV`: deletes every address of the link (of one family, if given). */
export async function flush(handle: Netlink, link: LinkRef, filter: Omit<AddrFilter, 'link'>): Promise<void> {
  const list = await handle.addrList({ ...filter, link });
  if (list.length === 0) return;
  const batch = handle.batch();
  for (const a of list) batch.addrDel(a.index, a.cidr);
  try {
    await batch.commit();
  } catch (err) {
    // An address that went away meanwhile (a secondary deleted with its primary) is already flushed.
    const errors = (err as { errors?: NetlinkError[] }).errors;
    if (!errors || errors.some((e) => e.code !== 'EADDRNOTAVAIL')) throw err;
  }
}
