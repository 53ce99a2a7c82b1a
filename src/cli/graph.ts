// `netplumb graph [--format svg|dot|mermaid] [-o FILE]`: the topology drawn.
import { promises as fsp } from 'fs';
import type { Command } from 'commander';
import { renderGraph, type GraphFormat } from '../net/graph';
import { buildTopology } from '../net/observe/topology';
import { UsageError, withRuntime } from './context';

const FORMATS: readonly GraphFormat[] = ['svg', 'dot', 'mermaid'];

export function registerGraph(program: Command): void {
  program.command('graph')
    .description('draw the topology: uplink, networks with subnets, containers with addresses, published ports')
    .option('--format <format>', 'svg (laid out in-process by Graphviz), dot or mermaid', 'svg')
    .option('-o, --output <file>', 'write to this file instead of standard output')
    .action(async (o: { format: string; output?: string }) => {
      if (!FORMATS.includes(o.format as GraphFormat)) throw new UsageError(`--format must be svg, dot or mermaid, got ${JSON.stringify(o.format)}`);
      if (o.output === '') throw new UsageError('-o expects a file name');
      await withRuntime(async (rt) => {
        const text = await renderGraph(await buildTopology(rt), o.format as GraphFormat);
        if (o.output) await fsp.writeFile(o.output, text);
        else process.stdout.write(text);
      });
    });
}
