// A picture of the topology: DOT, Mermaid, SVG.
import { renderDot } from './dot';
import { renderMermaid } from './mermaid';
import { renderSvg } from './svg';
import type { Topology } from './topology';

export { renderDot } from './dot';
export { renderMermaid } from './mermaid';
export { renderSvg } from './svg';
export { checkTopology, portLabel } from './topology';
export type { Topology, TopologyUplink, TopologyNetwork, TopologyContainer, TopologyEndpoint, TopologyPort } from './topology';
export { buildGraphModel } from './model';
export type { GraphModel, GraphNode, GraphEdge } from './model';

export type GraphFormat = 'svg' | 'dot' | 'mermaid';

/** `netplumb graph --format svg|dot|mermaid`: the topology in that format. */
export async function renderGraph(t: Topology, format: GraphFormat = 'svg'): Promise<string> {
  switch (format) {
    case 'svg': return renderSvg(t);
    case 'dot': return renderDot(t);
    case 'mermaid': return renderMermaid(t);
    default: throw new TypeError(`graph: format must be svg, dot or mermaid, got ${JSON.stringify(format)}`);
  }
}
