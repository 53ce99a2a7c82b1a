// `netplumb inspect`: the network part of `docker inspect CONTAINER`.
import { isIP } from 'net';
import { parseCidr } from '../../netlink/address';
import type { DockerContainerInspect, DockerEndpointSettings, DockerPortMap, InspectContainerInput, InspectEndpoint, InspectPort } from './types';

function fail(what: string, why: string): never {
  throw new TypeError(`inspect ${what}: ${why}`);
}

function checkContainer(c: InspectContainerInput): void {
  if (typeof c !== 'object' || c === null) throw new TypeError('inspect: expected a container description');
  for (const k of ['id', 'name', 'sandboxKey'] as const) if (typeof c[k] !== 'string' || !c[k]) fail(k, 'must be a non-empty string');
  if (!Array.isArray(c.endpoints)) fail(`${c.name}: endpoints`, 'must be an array');
  const seen = new Set<string>();
  for (const e of c.endpoints) {
    if (typeof e?.network?.name !== 'string' || !e.network.name) fail(`${c.name}: endpoint`, 'needs its network { id, name }');
    if (seen.has(e.network.name)) fail(`${c.name}: network ${e.network.name}`, 'is listed twice');
    seen.add(e.network.name);
    if (!Array.isArray(e.addresses)) fail(`${c.name}: addresses on ${e.network.name}`, 'must be an array');
    for (const a of e.addresses) parseCidr(a, `inspect ${c.name}: address on ${e.network.name}`);
    for (const g of e.gateways ?? []) if (isIP(g) === 0) fail(`${c.name}: gateway on ${e.network.name}`, `${JSON.stringify(g)} is not an IP address`);
  }
  for (const p of c.ports ?? []) {
    if (p.protocol !== 'tcp' && p.protocol !== 'udp' && p.protocol !== 'sctp') fail(`${c.name}: port`, `protocol must be tcp, udp or sctp, got ${JSON.stringify(p.protocol)}`);
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) fail(`${c.name}: port`, `containerPort must be 1 to 65535, got ${String(p.containerPort)}`);
    if (p.hostPort !== undefined && (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535)) fail(`${c.name}: port`, `hostPort must be 1 to 65535, got ${String(p.hostPort)}`);
    if (p.hostIp !== undefined && isIP(p.hostIp) === 0) fail(`${c.name}: port`, `hostIp ${JSON.stringify(p.hostIp)} is not an IP address`);
  }
}

function endpointSettings(e: InspectEndpoint): DockerEndpointSettings {
  const cidrs = e.addresses.map((a) => parseCidr(a));
  const v4 = cidrs.find((c) => c.family === 4);
  // Docker's GlobalIPv6Address is the first address that is not link-local.
  const v6 = cidrs.find((c) => c.family === 6 && !/^fe[89ab]/i.test(c.address));
  const gw4 = (e.gateways ?? []).find((g) => isIP(g) === 4);
  const gw6 = (e.gateways ?? []).find((g) => isIP(g) === 6);
  const requested = e.requested && (e.requested.ipv4 || e.requested.ipv6) ? { ...(e.requested.ipv4 ? { IPv4Address: e.requested.ipv4 } : {}), ...(e.requested.ipv6 ? { IPv6Address: e.requested.ipv6 } : {}) } : null;
  return {
    IPAMConfig: requested,
    Links: null,
    Aliases: e.aliases?.length ? [...e.aliases] : null,
    MacAddress: e.mac ?? '',
    DriverOpts: e.driverOpts ? { ...e.driverOpts } : null,
    NetworkID: e.network.id,
    EndpointID: e.endpointId,
    Gateway: gw4 ?? '',
    IPAddress: v4?.address ?? '',
    IPPrefixLen: v4?.prefixlen ?? 0,
    IPv6Gateway: gw6 ?? '',
    GlobalIPv6Address: v6?.address ?? '',
    GlobalIPv6PrefixLen: v6?.prefixlen ?? 0,
    DNSNames: e.dnsNames?.length ? [...e.dnsNames] : null,
  };
}

/** Docker's PortMap: "80/tcp" -> [{HostIp, HostPort}], null for a port exposed but not published. */
export function portMap(ports: readonly InspectPort[]): DockerPortMap {
  const map: DockerPortMap = {};
  for (const p of ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    if (p.hostPort === undefined) {
      if (!(key in map)) map[key] = null;
      continue;
    }
    const list = map[key] ?? [];
    list.push({ HostIp: p.hostIp ?? '0.0.0.0', HostPort: String(p.hostPort) });
    map[key] = list;
  }
  return map;
}

/** Equivalent to: `docker inspect CONTAINER` (Id, Name and NetworkSettings of one element of its array). */
export function inspectContainer(c: InspectContainerInput): DockerContainerInspect {
  checkContainer(c);
  return {
    Id: c.id,
    Name: `/${c.name}`,
    NetworkSettings: {
      SandboxID: c.sandboxId ?? c.id,
      SandboxKey: c.sandboxKey,
      Ports: portMap(c.ports ?? []),
      Networks: Object.fromEntries(c.endpoints.map((e) => [e.network.name, endpointSettings(e)])),
    },
  };
}
