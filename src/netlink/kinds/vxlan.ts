// vxlan: `ip link add NAME type vxlan id VNI [remote ADDR | group ADDR dev DEV]
// [local ADDR] [dev DEV] [dstport PORT] [srcport MIN MAX] [ttl N] [tos N]
// [[no]learning] [udpcsum] [ageing SECS] [maxaddress N] [proxy] [l2miss] [l3miss]`.
import { isIP } from 'net';
import type { KindPlanner } from './index';
import type { LinkRef } from '../request';
import { refLink } from '../request';
import { checkBoolean, checkInteger, copyBooleans, rejectUnknownOptions } from './options';

export interface VxlanOptions {
  /** VXLAN network identifier, 0 to 16777215 (`id`). Required. */
  vni: number;
  /** Unicast address of the one remote end (`remote`). Excludes multicastGroup. */
  remote?: string;
  /**
   * Multicast group to flood to (`ip ... type vxlan group ADDR`); needs dev.
   * Excludes remote. (Not `group`: that is the device group of every link.)
   */
  multicastGroup?: string;
  /** Source address of the outer packets (`local`), same family as remote/group. */
  local?: string;
  /** The underlay device (`dev`): IFLA_VXLAN_LINK. */
  dev?: LinkRef;
  /** UDP destination port (`dstport`). Absent: the kernel's default, 8472; the IANA port is 4789. */
  port?: number;
  /** UDP source port range (`srcport MIN MAX`). */
  srcPortMin?: number;
  srcPortMax?: number;
  /** Outer TTL, 1 to 255 (`ttl`); absent: inherit the kernel's default. */
  ttl?: number;
  /** Outer TOS (`tos`). */
  tos?: number;
  /** Learn remote MACs from received packets. Default true, as `ip` sends it. */
  learning?: boolean;
  /** UDP checksums on IPv4 outer packets (`udpcsum`). */
  udpCsum?: boolean;
  /** Seconds before a learnt FDB entry expires (`ageing`). */
  ageing?: number;
  /** Most FDB entries (`maxaddress`); 0 is no limit. */
  limit?: number;
  /** Answer ARP/ND from the FDB (`proxy`). */
  proxy?: boolean;
  /** Report missing L2/L3 entries to user space (`l2miss`, `l3miss`). */
  l2miss?: boolean;
  l3miss?: boolean;
}

const keys = ['vni', 'remote', 'multicastGroup', 'local', 'dev', 'port', 'srcPortMin', 'srcPortMax', 'ttl', 'tos', 'learning', 'udpCsum', 'ageing', 'limit', 'proxy', 'l2miss', 'l3miss'] as const;

function isMulticast(address: string): boolean {
  if (isIP(address) === 4) return Number(address.split('.')[0]) >= 224 && Number(address.split('.')[0]) <= 239;
  return address.toLowerCase().startsWith('ff');
}

function checkAddress(value: unknown, what: string): string {
  if (typeof value !== 'string' || isIP(value) === 0) throw new TypeError(`${what}: expected an IPv4 or IPv6 address, got ${JSON.stringify(value)}`);
  return value;
}

export const vxlan: KindPlanner = {
  kind: 'vxlan',
  plan(spec, req) {
    rejectUnknownOptions(spec, keys);
    const o = spec as unknown as VxlanOptions;
    if (o.vni === undefined) throw new TypeError(`vni: required for vxlan ${spec.name}`);
    const data: Record<string, unknown> = { vni: checkInteger(o.vni, 'vni', 0, 0xffffff) };
    if (o.remote !== undefined && o.multicastGroup !== undefined) throw new TypeError('vxlan: remote and multicastGroup exclude each other');
    if (o.remote !== undefined) {
      data.remote = checkAddress(o.remote, 'remote');
      if (isMulticast(o.remote)) throw new RangeError(`remote: ${o.remote} is a multicast address; use multicastGroup`);
    }
    if (o.multicastGroup !== undefined) {
      data.group = checkAddress(o.multicastGroup, 'multicastGroup');
      if (!isMulticast(o.multicastGroup)) throw new RangeError(`multicastGroup: ${o.multicastGroup} is not a multicast address; use remote`);
      if (o.dev === undefined) throw new TypeError('multicastGroup: a multicast group needs dev (the underlay device)');
    }
    if (o.local !== undefined) {
      data.local = checkAddress(o.local, 'local');
      const peer = o.remote ?? o.multicastGroup;
      if (peer !== undefined && isIP(peer) !== isIP(o.local)) throw new TypeError('local: not the same family as remote/multicastGroup');
    }
    if (o.port !== undefined) data.port = checkInteger(o.port, 'port', 1, 65535);
    if (o.srcPortMin !== undefined || o.srcPortMax !== undefined) {
      const min = checkInteger(o.srcPortMin, 'srcPortMin', 1, 65535);
      const max = checkInteger(o.srcPortMax, 'srcPortMax', 1, 65535);
      if (min > max) throw new RangeError(`srcPortMin: ${min} is above srcPortMax ${max}`);
      Object.assign(data, { srcPortMin: min, srcPortMax: max });
    }
    if (o.ttl !== undefined) data.ttl = checkInteger(o.ttl, 'ttl', 1, 255);
    if (o.tos !== undefined) data.tos = checkInteger(o.tos, 'tos', 0, 255);
    if (o.ageing !== undefined) data.ageing = checkInteger(o.ageing, 'ageing', 0, 0xffffffff);
    if (o.limit !== undefined) data.limit = checkInteger(o.limit, 'limit', 0, 0xffffffff);
    copyBooleans(o as unknown as Record<string, unknown>, ['udpCsum', 'proxy', 'l2miss', 'l3miss'], data);
    data.learning = o.learning === undefined ? true : checkBoolean(o.learning, 'learning');
    if (o.dev !== undefined) refLink(req, 'vxlanLink', o.dev);
    req.args.data = data;
  },
};
