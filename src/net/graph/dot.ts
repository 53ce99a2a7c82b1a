// The topology in Graphviz's DOT language.
import { buildGraphModel, type GraphEdge, type GraphNode } from './model';
import type { Topology } from './topology';

/** A DOT double-quoted string: quotes and backslashes escaped; lines joined by DOT's \n. */
function quote(lines: string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\r\n]+/g, ' ')).join('\\n')}"`;
}

const NODE_STYLE: Record<GraphNode['kind'], string> = {
  uplink: 'shape=box3d, style=filled, fillcolor="#e8e8e8"',
  network: 'shape=box, style="rounded,filled", fillcolor="#dbe9f6"',
  container: 'shape=box, style=filled, fillcolor="#fdf0d5"',
};
const EDGE_STYLE: Record<GraphEdge['kind'], string> = {
  uplink: 'arrowhead=none',
  endpoint: 'arrowhead=none',
  port: 'style=dashed, color="#b05000", fontcolor="#b05000"',
};

/** Equivalent in spirit to nothing docker has: the whole topology as a DOT graph (`netplumb graph --format dot`). */
export function renderDot(t: Topology): string {
  const { nodes, edges } = buildGraphModel(t);
  const out = ['digraph netplumb {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  for (const n of nodes) out.push(`  ${n.id} [label=${quote(n.lines)}, ${NODE_STYLE[n.kind]}];`);
  for (const e of edges) out.push(`  ${e.from} -> ${e.to} [${e.label.length ? `label=${quote(e.label)}, ` : ''}${EDGE_STYLE[e.kind]}];`);
  out.push('}');
  return out.join('\n') + '\n';
}
