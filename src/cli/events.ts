// `netplumb events [--json] [--since T] [--until T] [--filter K=V]`: what
// netplumb did (from its event log) and netplumb's links going up and down
// (from the kernel), as `docker events` prints them, until interrupted.
import type { Command } from 'commander';
import { formatEvent, formatEventJson } from '../net/events/render';
import { parseEventTime } from '../net/events/since';
import { parseEventFilters, watchNetplumbEvents } from '../net/observe/events';
import { collect, untilSignalled, UsageError } from './context';

function time(text: string | undefined, what: 'since' | 'until', now: Date): Date | undefined {
  if (text === undefined) return undefined;
  try {
    return parseEventTime(text, now, what);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function registerEvents(program: Command): void {
  program.command('events')
    .description('stream what happens: networks, containers, connections, ports, and netplumb\'s links going up and down')
    .option('--since <time>', 'also show recorded events from this time (RFC 3339, Unix seconds, or a duration such as 10m)')
    .option('--until <time>', 'stop at this time (a time past prints the history and exits)')
    .option('-f, --filter <key=value>', 'type=, event=, container=, network=, link= (repeatable; the same key ORs, different keys AND)', collect, [])
    .option('--json', 'one JSON object per line')
    .action(async (o: { since?: string; until?: string; filter: string[]; json?: boolean }) => {
      const now = new Date();
      const since = time(o.since, 'since', now);
      const until = time(o.until, 'until', now);
      if (since && until && until < since) throw new UsageError('--until is before --since');
      let filters;
      try {
        filters = parseEventFilters(o.filter);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const stream = await watchNetplumbEvents({ since, until, filters });
      const { signal, dispose } = untilSignalled();
      signal.addEventListener('abort', () => stream.close(), { once: true });
      // A reader that went away (`| head`) ends the stream quietly.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') stream.close(); });
      try {
        for await (const e of stream) process.stdout.write(`${o.json ? formatEventJson(e) : formatEvent(e)}\n`);
      } finally {
        dispose();
      }
    });
}
