// `netplumb ps | inspect NAME... | rm [-f] NAME... | port NAME`
import type { Command } from 'commander';
import { describeSandbox, listSandboxes, removeSandboxes, type SandboxDetails } from '../net/sandbox';
import { formatPort } from '../net/ports';
import { printInspected, withRuntime } from './context';
import { inspectContainerAsDocker } from '../net/observe/inspect';
import { ago, printJson, printTable, shortId } from './output';

function modeText(d: SandboxDetails): string {
  if (d.mode.kind === 'container') return `container:${d.joins ?? '?'}`;
  if (d.mode.kind !== 'networks') return d.mode.kind;
  return d.endpoints.map((e) => e.network).join(',');
}

export function registerSandboxCommands(program: Command): void {
  program.command('ps')
    .description('list sandboxes')
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print only ids')
    .action(async (o: { json?: boolean; quiet?: boolean }) => {
      await withRuntime(async (rt) => {
        const list = await listSandboxes(rt);
        if (o.json) return printJson(list);
        if (o.quiet) return list.forEach((d) => process.stdout.write(`${shortId(d.id)}\n`));
        printTable(['SANDBOX ID', 'NAME', 'NETWORKS', 'ADDRESSES', 'PORTS', 'PROCESSES', 'CREATED'], list.map((d) => [
          shortId(d.id), d.name, modeText(d), d.endpoints.map((e) => e.address).join(','), d.ports.map(formatPort).join(', '),
          d.status !== 'ready' ? d.status : String(d.pids.length), ago(d.created),
        ]));
      });
    });

  program.command('inspect')
    .description('show sandboxes in detail, as JSON in the shape of docker inspect')
    .argument('<name...>')
    .action(async (names: string[]) => {
      await withRuntime((rt) => printInspected(names, (name) => inspectContainerAsDocker(rt, name)));
    });

  program.command('rm')
    .description('remove sandboxes')
    .option('-f, --force', 'kill their processes first')
    .argument('<name...>')
    .action(async (names: string[], o: { force?: boolean }) => {
      await withRuntime(async (rt) => {
        const results = await removeSandboxes(rt, names, { force: !!o.force });
        results.forEach((err, i) => {
          if (!err) process.stdout.write(`${names[i]}\n`);
          else {
            process.stderr.write(`netplumb: ${err.message}\n`);
            process.exitCode = 1;
          }
        });
      }, true);
    });

  program.command('port')
    .description('list the ports a sandbox publishes')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      await withRuntime(async (rt) => {
        const d = await describeSandbox(rt, name);
        if (o.json) return printJson(d.ports);
        for (const p of d.ports) process.stdout.write(`${formatPort(p)}\n`);
      });
    });
}
