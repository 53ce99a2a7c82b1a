// `netplumb stats [--no-stream] [--json] [NAME...]`: network statistics of
// containers and networks, like `docker stats`: a table refreshed in place on
// a terminal, one snapshot with --no-stream, JSON lines with --json.
import type { Command } from 'commander';
import { NetplumbStats } from '../net/observe/stats';
import { watchStats } from '../net/stats/watch';
import { untilSignalled, UsageError, withRuntime } from './context';

export function registerStats(program: Command): void {
  program.command('stats')
    .description('network statistics of containers and networks (rx/tx bytes, packets, errors, drops, rates, open connections)')
    .argument('[name...]', 'containers or networks (default: all)')
    .option('--no-stream', 'print one snapshot (taken over one interval, for the rates) and exit')
    .option('--json', 'one JSON object per container or network per line')
    .option('--interval <ms>', 'milliseconds between samples', '1000')
    .action(async (names: string[], o: { stream: boolean; json?: boolean; interval: string }) => {
      if (!/^\d+$/.test(o.interval) || Number(o.interval) < 10) throw new UsageError(`--interval expects milliseconds (10 or more), got ${JSON.stringify(o.interval)}`);
      await withRuntime(async (rt) => {
        const stats = await NetplumbStats.open(rt, { names });
        if (stats.connectionsUnavailable) process.stderr.write(`netplumb: warning: ${stats.connectionsUnavailable}\n`);
        const { signal, dispose } = untilSignalled();
        try {
          await watchStats(stats, { format: o.json ? 'json' : 'table', stream: o.stream, intervalMs: Number(o.interval), signal });
        } finally {
          dispose();
          stats.close();
        }
      });
    });
}
