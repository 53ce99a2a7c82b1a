// `netplumb watch`: stays in the foreground and repairs at once what someone
// removes by hand (a bridge, a veth, an address, netplumb's nf_tables tables),
// printing what it did; Ctrl-C (or SIGTERM) ends it.
import type { Command } from 'commander';
import { NetplumbError } from '../net/errors';
import { watchAndRepair } from '../net/watch';
import { usage, withRuntime } from './context';

function parseSettle(text: string): number {
  return usage(() => {
    const ms = Number(text);
    if (!/^\d+$/.test(text) || ms > 60000) throw new NetplumbError(`--settle ${text}: expected a whole number of milliseconds from 0 to 60000`);
    return ms;
  });
}

export function registerWatch(program: Command): void {
  program.command('watch')
    .description('repair at once what is removed by hand (runs gc after each burst of kernel changes) until interrupted')
    .option('--settle <ms>', 'quiet time after the last kernel change before a repair pass', '200')
    .option('--json', 'print each repair as a JSON line')
    .action(async (o: { settle: string; json?: boolean }) => {
      const settleMs = parseSettle(o.settle);
      await withRuntime(async (rt) => {
        const stop = new AbortController();
        const end = () => stop.abort();
        process.once('SIGINT', end);
        process.once('SIGTERM', end);
        const stamp = () => new Date().toISOString();
        try {
          await watchAndRepair(rt, {
            settleMs,
            signal: stop.signal,
            onRepair: (report) => process.stdout.write(o.json
              ? `${JSON.stringify({ time: stamp(), repaired: report })}\n`
              : report.map((line) => `${stamp()} ${line}\n`).join('')),
            onError: (err) => process.stderr.write(`netplumb: warning: ${stamp()} repair pass failed: ${err.message.replace(/\s*\n\s*/g, '; ')}\n`),
          });
        } finally {
          process.removeListener('SIGINT', end);
          process.removeListener('SIGTERM', end);
        }
      });
    });
}
