// `netplumb network inspect`: a network as `docker network inspect` shows one.
import { isIP } from 'net';
import { parseCidr } from '../../netlink/address';
import type { DockerIpamConfig, DockerNetworkInspect, DockerNetworkMember, InspectNetworkInput } from './types';

function fail(what: string, why: string): never {
  throw new TypeError(`network inspect ${what}: ${why}`);
}

function checkNetwork(n: InspectNetworkInput): void {
  if (typeof n !== 'object' || n === null) throw new TypeError('network inspect: expected a network description');
  for (const k of ['name', 'id', 'driver'] as const) if (typeof n[k] !== 'string' || !n[k]) fail(k, 'must be a non-empty string');
  if (!(n.created instanceof Date) || Number.isNaN(n.created.getTime())) fail(`${n.name}: created`, 'must be a valid Date');
  if (!Array.isArray(n.subnets)) fail(`${n.name}: subnets`, 'must be an array');
  for (const s of n.subnets) {
    parseCidr(s?.subnet, `network inspect ${n.name}: subnet`);
    if (s.ipRange !== undefined) parseCidr(s.ipRange, `network inspect ${n.name}: ip range`);
    if (s.gateway !== undefined && isIP(s.gateway) === 0) fail(`${n.name}: gateway`, `${JSON.stringify(s.gateway)} is not an IP address`);
    for (const [k, a] of Object.entries(s.auxAddresses ?? {})) if (isIP(a) === 0) fail(`${n.name}: aux address ${k}`, `${JSON.stringify(a)} is not an IP address`);
  }
  if (!Array.isArray(n.containers)) fail(`${n.name}: containers`, 'must be an array');
  for (const c of n.containers) {
    if (typeof c?.id !== 'string' || !c.id || typeof c.name !== 'string' || !c.name) fail(`${n.name}: container`, 'needs an id and a name');
    if (!Array.isArray(c.addresses)) fail(`${n.name}: container ${c.name}`, 'addresses must be an array');
    for (const a of c.addresses) parseCidr(a, `network inspect ${n.name}: container ${c.name}: address`);
  }
}

function member(c: InspectNetworkInput['containers'][number]): DockerNetworkMember {
  const v4 = c.addresses.find((a) => parseCidr(a).family === 4);
  const v6 = c.addresses.find((a) => parseCidr(a).family === 6);
  return { Name: c.name, EndpointID: c.endpointId, MacAddress: c.mac ?? '', IPv4Address: v4 ?? '', IPv6Address: v6 ?? '' };
}

/**
 * Equivalent to: `docker network inspect NAME` (one element of its array).
 * Fields that mean nothing without swarm (Scope, Ingress, ConfigFrom,
 * ConfigOnly) carry the values Docker gives a local network.
 */
export function inspectNetwork(n: InspectNetworkInput): DockerNetworkInspect {
  checkNetwork(n);
  const config = n.subnets.map((s): DockerIpamConfig => {
    const c: DockerIpamConfig = { Subnet: s.subnet };
    if (s.ipRange) c.IPRange = s.ipRange;
    if (s.gateway) c.Gateway = s.gateway;
    if (s.auxAddresses && Object.keys(s.auxAddresses).length) c.AuxiliaryAddresses = { ...s.auxAddresses };
    return c;
  });
  const hasV6 = n.subnets.some((s) => parseCidr(s.subnet).family === 6);
  const hasV4 = n.subnets.some((s) => parseCidr(s.subnet).family === 4);
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created.toISOString(),
    Scope: 'local',
    Driver: n.driver,
    EnableIPv4: n.enableIPv4 ?? (hasV4 || !hasV6),
    EnableIPv6: n.enableIPv6 ?? hasV6,
    IPAM: { Driver: n.ipamDriver ?? 'default', Options: n.ipamOptions ? { ...n.ipamOptions } : null, Config: config },
    Internal: n.internal ?? false,
    Attachable: n.attachable ?? false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: Object.fromEntries(n.containers.map((c) => [c.id, member(c)])),
    Options: { ...(n.options ?? {}) },
    Labels: { ...(n.labels ?? {}) },
  };
}
