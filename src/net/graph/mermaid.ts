// The topology as a Mermaid flowchart (renders in GitHub and GitLab markdown).
import { buildGraphModel, type GraphNode } from './model';
import type { Topology } from './topology';

/** Mermaid label text: entity codes for characters its parser treats specially; lines joined by <br/>. */
function text(lines: string[]): string {
  const esc = (s: string) => s.replace(/[#"<>&|[\]{}()]/g, (ch) => `#${ch.charCodeAt(0)};`);
  return `"${lines.map(esc).join('<br/>')}"`;
}

const SHAPE: Record<GraphNode['kind'], (label: string) => string> = {
  uplink: (l) => `[[${l}]]`,
  network: (l) => `(${l})`,
  container: (l) => `[${l}]`,
};

export function renderMermaid(t: Topology): string {
  const { nodes, edges } = buildGraphModel(t);
  const out = ['flowchart LR'];
  for (const n of nodes) out.push(`  ${n.id}${SHAPE[n.kind](text(n.lines))}`);
  for (const e of edges) {
    const arrow = e.kind === 'port' ? '-.->' : '---';
    out.push(`  ${e.from} ${arrow}${e.label.length ? `|${text(e.label)}|` : ''} ${e.to}`);
  }
  return out.join('\n') + '\n';
}
