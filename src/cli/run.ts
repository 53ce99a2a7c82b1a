// `netplumb run [-d] [--rm] [sandbox options] -- CMD [ARG...]`: create a
// sandbox and run a command in it. In the foreground stdio, signals and the
// exit status pass through; -d prints the sandbox id and leaves it running
// (with --rm a small supervisor removes the sandbox when the command ends).
import { spawn } from 'child_process';
import * as path from 'path';
import type { Command } from 'commander';
import { createSandbox, removeSandbox } from '../net/sandbox';
import { NetplumbError } from '../net/errors';
import { logFile } from '../net/paths';
import { processStart } from '../net/runtime';
import { addSandboxOptions, toSandboxOptions, type SandboxFlags } from './create';
import { commandArgs, withRuntime } from './context';
import { runDetached, runForeground, exitStatus } from './process';
import { spawnInSandbox } from '../net/processes';
import { recordProcess } from '../net/sandbox';
import { recordContainerStart, recordContainerStop } from '../net/record';
import { openSync, closeSync } from 'fs';

export function registerRun(program: Command): void {
  addSandboxOptions(program.command('run').description('create a sandbox and run a command in it'))
    .option('-d, --detach', 'run in the background and print the sandbox id')
    .option('--rm', 'remove the sandbox when the command ends')
    .argument('<command...>', 'the command and its arguments (after --)')
    .passThroughOptions()
    .action(async (rawArgv: string[], f: SandboxFlags & { detach?: boolean; rm?: boolean }) => {
      const argv = commandArgs(rawArgv);
      const options = toSandboxOptions(f, !!f.rm);
      await withRuntime(async (rt) => {
        const sb = await createSandbox(rt, options);
        if (f.detach) {
          if (f.rm) {
            // A supervisor (this CLI, detached) waits for the command and removes the sandbox after it.
            const supervisor = spawn(process.execPath, [path.join(__dirname, 'main.js'), '_supervise', sb.id, '--', ...argv], { detached: true, stdio: 'ignore' });
            supervisor.unref();
          } else {
            await runDetached(rt, sb, argv, true);
          }
          process.stdout.write(`${sb.id}\n`);
          return;
        }
        let status: number;
        try {
          status = await runForeground(sb, argv, rt);
        } finally {
          if (f.rm) await removeSandbox(rt, sb.id, { force: true });
        }
        process.exitCode = status;
      }, true);
    });

  program.command('_supervise', { hidden: true })
    .argument('<sandbox>')
    .argument('<command...>')
    .passThroughOptions()
    .action(async (id: string, rawArgv: string[]) => {
      const argv = commandArgs(rawArgv);
      await withRuntime(async (rt) => {
        const sb = await rt.store.read((tx) => tx.getSandbox(id));
        if (!sb) throw new NetplumbError(`no such sandbox: ${id}`, 'ENOENT');
        const out = openSync(logFile(sb.name), 'a', 0o600);
        const child = spawnInSandbox(sb, argv, { stdio: ['ignore', out, out] });
        closeSync(out);
        const status = exitStatus(child).catch(() => 1);
        if (child.pid) {
          await recordProcess(rt, sb.id, child.pid, processStart(child.pid) ?? '');
          await recordContainerStart(rt, sb);
        }
        const code = await status;
        if (child.pid) await recordContainerStop(rt, sb, code);
        await removeSandbox(rt, sb.id, { force: true });
      });
    });
}
