// The drawing, independent of its syntax: nodes (uplink, networks,
// containers) with label lines, and edges (uplink to network, network to
// container per endpoint, published ports from the uplink to a container).
import { checkTopology, portLabel, type Topology } from './topology';

export interface GraphNode {
  id: string;
  kind: 'uplink' | 'network' | 'container';
  lines: string[];
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: 'uplink' | 'endpoint' | 'port';
  label: string[];
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function buildGraphModel(t: Topology): GraphModel {
  checkTopology(t);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const uplinkId = 'uplink';
  const uplinkLines = t.uplink ? [t.host ? `${t.host}: ${t.uplink.name}` : t.uplink.name, ...(t.uplink.addresses ?? [])] : [t.host ?? 'host'];
  nodes.push({ id: uplinkId, kind: 'uplink', lines: uplinkLines });
  const networkId = new Map<string, string>();
  t.networks.forEach((n, i) => {
    const id = `net${i}`;
    networkId.set(n.name, id);
    const lines = [`network ${n.name}`, `${n.driver}${n.bridge ? ` ${n.bridge}` : ''}`, ...n.subnets];
    if (n.gateways?.length) lines.push(`gateway ${n.gateways.join(', ')}`);
    if (n.internal) lines.push('internal');
    nodes.push({ id, kind: 'network', lines });
    if (!n.internal && n.driver !== 'none') edges.push({ from: uplinkId, to: id, kind: 'uplink', label: [] });
  });
  t.containers.forEach((c, i) => {
    const id = `ctr${i}`;
    nodes.push({ id, kind: 'container', lines: [c.name, ...c.endpoints.flatMap((e) => e.addresses)] });
    for (const e of c.endpoints) {
      const label = [[e.hostInterface, e.interface].filter(Boolean).join(' - '), ...e.addresses].filter(Boolean);
      edges.push({ from: networkId.get(e.network)!, to: id, kind: 'endpoint', label });
    }
    for (const p of c.ports ?? []) edges.push({ from: uplinkId, to: id, kind: 'port', label: [portLabel(p)] });
  });
  return { nodes, edges };
}
