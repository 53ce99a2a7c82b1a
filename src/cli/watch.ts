// `netplumb watch`: stays in the foreground and repairs at once what someone
// removes by hand (a bridge, a veth, an address, netplumb's nf_tables tables),
// printing what it did; Ctrl-C (or SIGTERM) ends it.
import type { Command } from 'commander';
import { watchAndRepair } from '../net/watch';
import { untilSignalled, UsageError, withRuntime } from './context';

export function registerWatch(program: Command): void {
  program.command('watch')
    .description('repair at once what is removed by hand (runs gc after each burst of kernel changes) until interrupted')
    .option('--settle <ms>', 'quiet time after the last kernel change before a repair pass', '200')
    .option('--json', 'print each repair as a JSON line')
    .action(async (o: { settle: string; json?: boolean }) => {
      if (!/^\d+$/.test(o.settle) || Number(o.settle) > 60000) throw new UsageError(`--settle ${o.settle}: expected a whole number of milliseconds from 0 to 60000`);
      await withRuntime(async (rt) => {
        const { signal, dispose } = untilSignalled();
        const stamp = () => new Date().toISOString();
        try {
          await watchAndRepair(rt, {
            settleMs: Number(o.settle),
            signal,
            onRepair: (report) => process.stdout.write(o.json
              ? `${JSON.stringify({ time: stamp(), repaired: report })}\n`
              : report.map((line) => `${stamp()} ${line}\n`).join('')),
            onError: (err) => process.stderr.write(`netplumb: warning: ${stamp()} repair pass failed: ${err.message.replace(/\s*\n\s*/g, '; ')}\n`),
          });
        } finally {
          dispose();
        }
      });
    });
}
