// `netplumb ps | inspect NAME... | rm [-f] NAME... | port NAME`
import type { Command } from 'commander';
import { describeSandbox, listSandboxes, removeSandboxes, type SandboxDetails } from '../net/sandbox';
import { formatPort } from '../net/ports';
import { withRuntime } from './context';
import { ago, printBlock, printJson, printTable, shortId } from './output';

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
          d.status === 'creating' ? 'creating' : String(d.pids.length), ago(d.created),
        ]));
      });
    });

  program.command('inspect')
    .description('show sandboxes in detail')
    .argument('<name...>')
    .option('--json', 'print JSON')
    .action(async (names: string[], o: { json?: boolean }) => {
      await withRuntime(async (rt) => {
        const found = [];
        for (const name of names) found.push(await describeSandbox(rt, name));
        if (o.json) return printJson(found);
        for (const d of found) {
          printBlock({
            name: d.name, id: d.id, hostname: d.hostname, mode: modeText(d), created: d.created, status: d.status, pids: d.pids,
            endpoints: d.endpoints.map((e) => ({ network: e.network, interface: e.ifname, hostInterface: e.hostIfname, address: `${e.address}/${e.prefixlen}`, mac: e.mac, gateway: e.defaultGateway, aliases: e.aliases })),
            ports: d.ports.map(formatPort), dns: d.dns, dnsSearch: d.dnsSearch ?? [], dnsOptions: d.dnsOptions ?? [], extraHosts: d.extraHosts.map((h) => `${h.host}:${h.ip}`), links: d.links.map((l) => `${l.name}:${l.alias}`), paths: d.paths,
          });
        }
      });
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
