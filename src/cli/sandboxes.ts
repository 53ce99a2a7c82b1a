// `netplumb ps | inspect NAME... | rm [-f] NAME... | port NAME`
import type { Command } from 'commander';
import { describeSandbox, listSandboxes, removeSandboxes, type SandboxDetails } from '../net/sandbox';
import { NetplumbError } from '../net/errors';
import { formatPortLine, formatPortsSummary, parsePrivatePort, sortPorts } from '../net/ports';
import { printInspected, UsageError, withRuntime } from './context';
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
          shortId(d.id), d.name, modeText(d), d.endpoints.map((e) => e.address).join(','), formatPortsSummary(d.ports),
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
    .description('list the ports a sandbox publishes, as the kernel holds them (docker port)')
    .argument('<name>')
    .argument('[private-port]', 'only this container port: PRIVATE_PORT[/PROTO]')
    .option('--json', 'print JSON')
    .action(async (name: string, privatePort: string | undefined, o: { json?: boolean }) => {
      let only: ReturnType<typeof parsePrivatePort> | undefined;
      try {
        only = privatePort === undefined ? undefined : parsePrivatePort(privatePort);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await withRuntime(async (rt) => {
        const d = await describeSandbox(rt, name);
        const fw = rt.firewall();
        if (!fw) throw new NetplumbError('cannot read published ports: the firewall driver is turned off (NETPLUMB_FIREWALL=none)', 'ENOTSUP');
        // The kernel's map elements tagged with the sandbox's endpoints: what really forwards, not what the store remembers.
        let ports = sortPorts(d.endpoints.length ? await fw.listPublished(d.endpoints.map((e) => e.id)) : []);
        if (only) {
          ports = ports.filter((p) => p.containerPort === only!.port && p.protocol === only!.protocol);
          if (!ports.length) throw new NetplumbError(`no public port ${only.port}/${only.protocol} published for ${d.name}`, 'ENOENT');
        }
        if (o.json) return printJson(ports);
        for (const p of ports) process.stdout.write(only ? `${p.hostIp}:${p.hostPort}\n` : `${formatPortLine(p)}\n`);
      });
    });
}
