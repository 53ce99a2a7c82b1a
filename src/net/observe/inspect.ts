// `netplumb network inspect` and `netplumb inspect`: netplumb's records in
// the JSON shapes `docker network inspect` and `docker inspect` print, so
// scripts written against Docker port with little change. What Docker has
// no field for (the host end of each veth, every pid of a sandbox) is under
// one key of netplumb's own, `Netplumb`, which Docker-minded scripts ignore.
import { NETNS_DIR } from '../../netns';
import { NetplumbError } from '../errors';
import { hostsPath, resolvPath } from '../hosts';
import { inspectContainer } from '../inspect/container';
import { inspectNetwork } from '../inspect/network';
import type { DockerContainerInspect, DockerNetworkInspect, DockerPortMap, InspectEndpoint, InspectNetworkMember } from '../inspect/types';
import { portMap } from '../inspect/container';
import { sandboxProcesses } from '../processes';
import type { Runtime } from '../runtime';
import type { EndpointRecord, NetworkRecord, SandboxRecord, StateTx } from '../state/store';

/** Docker's option keys for what netplumb decided itself (the bridge's name, the MTU, a macvlan's parent). */
const BRIDGE_NAME = 'com.docker.network.bridge.name';
const DRIVER_MTU = 'com.docker.network.driver.mtu';
const MACVLAN_PARENT = 'parent';

function networkOptions(net: NetworkRecord): Record<string, string> {
  const options: Record<string, string> = { ...net.options };
  if (net.driver === 'bridge') options[BRIDGE_NAME] ??= net.device;
  if (net.driver === 'macvlan') options[MACVLAN_PARENT] ??= net.device;
  options[DRIVER_MTU] ??= String(net.mtu);
  return options;
}

function networkJson(tx: StateTx, net: NetworkRecord): DockerNetworkInspect {
  const members: InspectNetworkMember[] = [];
  for (const ep of tx.listEndpoints({ networkId: net.id })) {
    const sb = tx.getSandbox(ep.sandboxId);
    if (!sb) continue;
    members.push({ id: sb.id, name: sb.name, endpointId: ep.id, mac: ep.mac, addresses: [`${ep.address}/${ep.prefixlen}`] });
  }
  return inspectNetwork({
    name: net.name,
    id: net.id,
    driver: net.driver,
    created: new Date(net.created),
    subnets: [{
      subnet: net.subnet,
      ...(net.gateway ? { gateway: net.gateway } : {}),
      ...(net.ipRange ? { ipRange: net.ipRange } : {}),
      ...(Object.keys(net.auxAddresses).length ? { auxAddresses: net.auxAddresses } : {}),
    }],
    internal: net.internal,
    // Any sandbox can be connected to a user-defined network at any time.
    attachable: !net.isDefault,
    containers: members,
    options: networkOptions(net),
  });
}

/**
 * A network as `docker network inspect NAME` shows it (one element of its
 * array): Name, Id, Driver, IPAM.Config [{Subnet, Gateway, IPRange}],
 * Containers {id: {Name, EndpointID, MacAddress, IPv4Address}}, Options
 * (what was given with -o, and the bridge's name and MTU netplumb chose).
 */
export async function inspectNetworkAsDocker(rt: Runtime, nameOrId: string): Promise<DockerNetworkInspect> {
  if (typeof nameOrId !== 'string' || !nameOrId) throw new TypeError('network inspect: expected a network name or id');
  return rt.store.read((tx) => {
    const net = tx.getNetwork(nameOrId);
    if (!net) throw new NetplumbError(`network ${nameOrId} not found`, 'ENOENT');
    return networkJson(tx, net);
  });
}

/** Docker's State, the part netplumb knows: whether a process runs in the sandbox. */
export interface DockerContainerState {
  Status: 'running' | 'created';
  Running: boolean;
  /** The first of the sandbox's processes; 0 when none runs. */
  Pid: number;
}

export interface DockerHostConfig {
  /** 'bridge', a network's name, 'host', 'none' or 'container:<id>'. */
  NetworkMode: string;
  Dns: string[];
  ExtraHosts: string[] | null;
  /** Docker's form: '/target:/this/alias'. */
  Links: string[] | null;
  PortBindings: DockerPortMap;
  AutoRemove: boolean;
}

/** What netplumb adds, under a key of its own. */
export interface NetplumbContainerExtras {
  Pids: number[];
  /** Per network: the interface inside the sandbox and the host end of its veth (bridge networks). */
  Endpoints: Record<string, { Interface: string; HostInterface: string | null }>;
}

export interface NetplumbContainerInspect extends DockerContainerInspect {
  Created: string;
  State: DockerContainerState;
  Config: { Hostname: string };
  HostConfig: DockerHostConfig;
  HostsPath: string;
  ResolvConfPath: string;
  Netplumb: NetplumbContainerExtras;
}

interface ContainerFacts {
  sb: SandboxRecord;
  /** The sandbox whose namespace and files it uses (itself, or the one it joins). */
  owner: SandboxRecord;
  endpoints: Array<{ ep: EndpointRecord; net: NetworkRecord }>;
  firstNetwork?: NetworkRecord;
}

function readContainer(tx: StateTx, nameOrId: string): ContainerFacts {
  const sb = tx.getSandbox(nameOrId);
  if (!sb) throw new NetplumbError(`no such sandbox: ${nameOrId}`, 'ENOENT');
  const owner = (sb.mode.kind === 'container' ? tx.getSandbox(sb.mode.sandboxId) : sb) ?? sb;
  const endpoints: ContainerFacts['endpoints'] = [];
  for (const ep of tx.listEndpoints({ sandboxId: sb.id })) {
    const net = tx.getNetwork(ep.networkId);
    if (net) endpoints.push({ ep, net });
  }
  return { sb, owner, endpoints, firstNetwork: endpoints[0]?.net };
}

function networkMode(f: ContainerFacts): string {
  switch (f.sb.mode.kind) {
    case 'host': return 'host';
    case 'none': return 'none';
    case 'container': return `container:${f.owner.id}`;
    case 'networks': return f.firstNetwork?.name ?? 'none';
  }
}

/**
 * A sandbox as `docker inspect NAME` shows a container (one element of its
 * array): Id, Name ('/NAME'), Created, State, Config.Hostname, HostConfig
 * (NetworkMode, Dns, ExtraHosts, Links, PortBindings), HostsPath,
 * ResolvConfPath and NetworkSettings (SandboxKey, Ports,
 * Networks {name: {IPAddress, IPPrefixLen, Gateway, MacAddress, NetworkID,
 * EndpointID, Aliases, DNSNames}}). A sandbox in mode host, none or
 * container:X has no Networks of its own, as in Docker's container mode.
 */
export async function inspectContainerAsDocker(rt: Runtime, nameOrId: string): Promise<NetplumbContainerInspect> {
  if (typeof nameOrId !== 'string' || !nameOrId) throw new TypeError('inspect: expected a sandbox name or id');
  const f = await rt.store.read((tx) => readContainer(tx, nameOrId));
  const { sb, owner } = f;
  const pids = await sandboxProcesses(sb);
  const endpoints: InspectEndpoint[] = f.endpoints.map(({ ep, net }) => ({
    network: { id: net.id, name: net.name },
    endpointId: ep.id,
    mac: ep.mac,
    addresses: [`${ep.address}/${ep.prefixlen}`],
    gateways: net.gateway ? [net.gateway] : [],
    aliases: ep.aliases,
    // Names other members resolve it by: on user-defined networks only, as in Docker.
    ...(net.isDefault ? {} : { dnsNames: [sb.name, ...ep.aliases] }),
  }));
  // Host mode has no namespace file of its own: it is the namespace netplumb runs in.
  const sandboxKey = owner.netns ? `${NETNS_DIR}/${owner.netns}` : '/proc/self/ns/net';
  const base = inspectContainer({ id: sb.id, name: sb.name, sandboxKey, sandboxId: owner.id, endpoints, ports: sb.ports.filter((p) => p.hostPort > 0) });
  const filesOf = sb.mode.kind === 'host' ? undefined : owner.name;
  return {
    Id: base.Id,
    Created: sb.created,
    Name: base.Name,
    State: { Status: pids.length ? 'running' : 'created', Running: pids.length > 0, Pid: pids[0] ?? 0 },
    Config: { Hostname: sb.hostname },
    HostConfig: {
      NetworkMode: networkMode(f),
      Dns: [...sb.dns],
      ExtraHosts: sb.extraHosts.length ? sb.extraHosts.map((h) => `${h.host}:${h.ip}`) : null,
      Links: sb.links.length ? sb.links.map((l) => `/${l.name}:/${sb.name}/${l.alias}`) : null,
      PortBindings: portMap(sb.ports.map((p) => ({ protocol: p.protocol, containerPort: p.containerPort, hostIp: p.hostIp, ...(p.hostPort > 0 ? { hostPort: p.hostPort } : {}) }))),
      AutoRemove: sb.autoRemove,
    },
    HostsPath: filesOf ? hostsPath(filesOf) : '/etc/hosts',
    ResolvConfPath: filesOf ? resolvPath(filesOf) : '/etc/resolv.conf',
    NetworkSettings: base.NetworkSettings,
    Netplumb: {
      Pids: pids,
      Endpoints: Object.fromEntries(f.endpoints.map(({ ep, net }) => [net.name, { Interface: ep.ifname, HostInterface: ep.hostIfname ?? null }])),
    },
  };
}
