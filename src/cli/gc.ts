// `netplumb gc`: remove what a crash left behind (kernel objects, namespaces,
// files and records without owners).
import type { Command } from 'commander';
import { collectGarbage } from '../net/gc';
import { withRuntime } from './context';
import { printJson } from './output';

export function registerGc(program: Command): void {
  program.command('gc')
    .description('remove what a crash left: kernel objects, namespaces, files and records without owners')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withRuntime(async (rt) => {
        const removed = await collectGarbage(rt);
        if (o.json) return printJson(removed);
        process.stdout.write(removed.length ? `${removed.join('\n')}\n` : 'nothing to remove\n');
      });
    });
}
