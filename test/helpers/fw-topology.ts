// The firewall tests' world, built with netplumb's own netlink API: a "host"
// namespace with two bridges (networks A and B) and containers on them, and a
// "LAN neighbour" namespace attached to the host by a veth acting as its
// uplink. Nothing here uses the firewall: the tests add it.
//
//   lan (192.168.50.2) --eth0/up0-- host (192.168.50.1)
//                                     np0  10.88.0.1/24: c1 10.88.0.2, c2 10.88.0.3   (network A)
//                                     npb  10.89.0.1/24: c3 10.89.0.2                 (network B)
import type { ChildProcess } from 'child_process';
import { freshNetns } from './sandbox';

type Ns = Awaited<ReturnType<typeof freshNetns>>;

export interface Topology {
  host: Ns;
  lan: Ns;
  c1: Ns;
  c2: Ns;
  c3: Ns;
  /** Host-side veth of each container (bridge ports). */
  ports: { c1: string; c2: string; c3: string };
  children: ChildProcess[];
  dispose(): Promise<void>;
}

export const HOST_IP = '192.168.50.1';
export const LAN_IP = '192.168.50.2';
export const NET_A = { bridge: 'np0', gateway: '10.88.0.1', subnet: '10.88.0.0/24' };
export const NET_B = { bridge: 'npb', gateway: '10.89.0.1', subnet: '10.89.0.0/24' };
export const C1 = '10.88.0.2';
export const C2 = '10.88.0.3';
export const C3 = '10.89.0.2';

export async function buildTopology(): Promise<Topology> {
  const host = await freshNetns('fh');
  const lan = await freshNetns('fl');
  const c1 = await freshNetns('c1');
  const c2 = await freshNetns('c2');
  const c3 = await freshNetns('c3');
  const h = host.nl;
  for (const n of [host, lan, c1, c2, c3]) await n.nl.linkSet('lo', { up: true });
  for (const net of [NET_A, NET_B]) {
    await h.linkAdd({ name: net.bridge, kind: 'bridge' });
    await h.addrAdd(net.bridge, `${net.gateway}/24`);
    await h.linkSet(net.bridge, { up: true });
  }
  await h.linkAdd({ name: 'up0', kind: 'veth', peer: { name: 'eth0', netns: lan.ns } });
  await h.addrAdd('up0', `${HOST_IP}/24`);
  await h.linkSet('up0', { up: true });
  await lan.nl.addrAdd('eth0', `${LAN_IP}/24`);
  await lan.nl.linkSet('eth0', { up: true });
  const ports = { c1: 've-c1', c2: 've-c2', c3: 've-c3' };
  for (const [c, port, ip, net] of [[c1, ports.c1, C1, NET_A], [c2, ports.c2, C2, NET_A], [c3, ports.c3, C3, NET_B]] as const) {
    await h.linkAdd({ name: port, kind: 'veth', peer: { name: 'eth0', netns: c.ns } });
    await h.linkSet(port, { master: net.bridge, up: true });
    await c.nl.addrAdd('eth0', `${ip}/24`);
    await c.nl.linkSet('eth0', { up: true });
    await c.nl.routeAdd({ dst: 'default', gateway: net.gateway });
  }
  const children: ChildProcess[] = [];
  return {
    host, lan, c1, c2, c3, ports, children,
    async dispose() {
      for (const ch of children.splice(0)) ch.kill('SIGKILL');
      for (const n of [c1, c2, c3, lan, host]) await n.dispose();
    },
  };
}
