// `netplumb exec [-d] SANDBOX -- CMD [ARG...]`: run a command in an existing
// sandbox (`ip netns exec` with its hostname and /etc files).
import type { Command } from 'commander';
import { NetplumbError } from '../net/errors';
import { commandArgs, withRuntime } from './context';
import { runDetached, runForeground } from './process';

export function registerExec(program: Command): void {
  program.command('exec')
    .description('run a command in a sandbox')
    .option('-d, --detach', 'run in the background')
    .argument('<sandbox>')
    .argument('<command...>', 'the command and its arguments (after --)')
    .passThroughOptions()
    .action(async (name: string, rawArgv: string[], o: { detach?: boolean }) => {
      const argv = commandArgs(rawArgv);
      await withRuntime(async (rt) => {
        const sb = await rt.store.read((tx) => tx.getSandbox(name));
        if (!sb) throw new NetplumbError(`no such sandbox: ${name}`, 'ENOENT');
        if (sb.status !== 'ready') throw new NetplumbError(`sandbox ${sb.name} is still being created`, 'EBUSY');
        if (o.detach) {
          await runDetached(rt, sb, argv);
          return;
        }
        process.exitCode = await runForeground(sb, argv);
      });
    });
}
