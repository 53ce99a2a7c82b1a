// The topology as SVG, laid out in-process by Graphviz compiled to
// WebAssembly (@hpcc-js/wasm-graphviz): no system binary, nothing spawned.
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { renderDot } from './dot';
import type { Topology } from './topology';

let graphviz: Promise<Graphviz> | undefined;

/** The WebAssembly module, loaded once per process. */
function loadGraphviz(): Promise<Graphviz> {
  graphviz ??= Graphviz.load();
  return graphviz;
}

/** Equivalent to: `netplumb graph --format dot | dot -Tsvg`, without the dot binary. */
export async function renderSvg(t: Topology): Promise<string> {
  const dot = renderDot(t);
  const gv = await loadGraphviz();
  return gv.dot(dot, 'svg');
}
