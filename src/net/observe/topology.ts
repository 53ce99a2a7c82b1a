// `netplumb graph`: the topology netplumb built, from the state store (networks,
// containers, endpoints, published ports) and the kernel (the uplink: the
// interface of the host's default route, with its addresses).
import * as os from 'os';
import { uplinkLink } from '../drivers/uplink';
import type { Topology, TopologyContainer, TopologyNetwork, TopologyUplink } from '../graph/topology';
import type { Runtime } from '../runtime';

/** The host's way out, as the kernel has it now; undefined without a default route. */
async function readUplink(rt: Runtime): Promise<TopologyUplink | undefined> {
  const host = await rt.host();
  const link = await uplinkLink(host);
  if (!link) return undefined;
  const addresses = (await host.addrList({ family: 4 })).filter((a) => a.index === link.index).map((a) => a.cidr);
  return { name: link.name, addresses };
}

/**
 * The topology to draw: uplink, networks (bridge, subnet, gateway), containers
 * with their addresses on each network, and their published ports.
 * Equivalent in spirit to `docker network inspect` of every network plus
 * `ip route show default`, in one picture.
 */
export async function buildTopology(rt: Runtime): Promise<Topology> {
  const uplink = await readUplink(rt);
  const { networks, containers } = await rt.store.read((tx) => {
    const nets = tx.listNetworks().filter((n) => n.status === 'ready');
    const nameOf = new Map(nets.map((n) => [n.id, n.name]));
    const networks: TopologyNetwork[] = nets.map((n) => ({
      name: n.name,
      id: n.id,
      driver: n.driver,
      // A macvlan network's device is its parent, not a bridge of its own.
      ...(n.driver === 'bridge' ? { bridge: n.device } : {}),
      subnets: [n.subnet],
      gateways: n.gateway ? [n.gateway] : [],
      internal: n.internal,
    }));
    const containers: TopologyContainer[] = tx.listSandboxes().filter((s) => s.status === 'ready').map((sb) => ({
      name: sb.name,
      id: sb.id,
      endpoints: tx.listEndpoints({ sandboxId: sb.id })
        .filter((e) => nameOf.has(e.networkId))
        .map((e) => ({
          network: nameOf.get(e.networkId)!,
          interface: e.ifname,
          ...(e.hostIfname ? { hostInterface: e.hostIfname } : {}),
          addresses: [`${e.address}/${e.prefixlen}`],
          mac: e.mac,
        })),
      // Only mappings the firewall driver gave a host port (issue 5).
      ports: sb.ports.filter((p) => p.hostPort > 0).map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort })),
    }));
    return { networks, containers };
  });
  return { host: os.hostname(), ...(uplink ? { uplink } : {}), networks, containers };
}
