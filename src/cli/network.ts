// `netplumb network create | ls | inspect | rm | prune | connect | disconnect`
import type { Command } from 'commander';
import { createNetwork, listNetworks, pruneNetworks, removeNetwork } from '../net/network';
import type * as Inspect from '../net/observe/inspect';
import type * as Connect from '../net/connect';
import { checkAlias } from '../net/name-options';
import { collect, eachName, keyValues, parseMtu, printInspected, usage, withRuntime } from './context';
import { printJson, printTable, shortId } from './output';

// What only some subcommands use is loaded when they run, not for every `network` command.
/* eslint-disable @typescript-eslint/no-require-imports */
const inspect = () => require('../net/observe/inspect') as typeof Inspect;
const connect = () => require('../net/connect') as typeof Connect;
/* eslint-enable @typescript-eslint/no-require-imports */

export function registerNetwork(program: Command): void {
  const network = program.command('network').description('manage networks');

  network.command('create')
    .description('create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'bridge or macvlan', 'bridge')
    .option('--subnet <cidr>', 'subnet in CIDR form (default: a free one from the default pools)')
    .option('--ip-range <cidr>', 'allocate sandbox addresses from this part of the subnet')
    .option('--gateway <ip>', 'gateway address (default: the first address of the subnet)')
    .option('--aux-address <name=ip>', 'keep an address out of allocation (repeatable)', collect, [])
    .option('--internal', 'no default route out of the network')
    .option('--mtu <n>', 'MTU (default: the host uplink\'s)')
    .option('-o, --opt <key=value>', 'driver option (repeatable)', collect, [])
    .action(async (name: string, o: { driver: string; subnet?: string; ipRange?: string; gateway?: string; auxAddress: string[]; internal?: boolean; mtu?: string; opt: string[] }) => {
      const options = keyValues(o.opt, '-o');
      const auxAddresses = keyValues(o.auxAddress, '--aux-address');
      const mtu = o.mtu === undefined ? undefined : parseMtu(o.mtu);
      await withRuntime(async (rt) => {
        const net = await createNetwork(rt, { name, driver: o.driver, subnet: o.subnet, ipRange: o.ipRange, gateway: o.gateway, auxAddresses, internal: !!o.internal, mtu, options });
        process.stdout.write(`${net.id}\n`);
      }, true);
    });

  network.command('ls').alias('list')
    .description('list networks')
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print only ids')
    .action(async (o: { json?: boolean; quiet?: boolean }) => {
      await withRuntime(async (rt) => {
        const nets = await listNetworks(rt);
        if (o.json) return printJson(nets);
        if (o.quiet) return nets.forEach((n) => process.stdout.write(`${shortId(n.id)}\n`));
        printTable(['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'GATEWAY', 'DEVICE', 'MTU'],
          nets.map((n) => [shortId(n.id), n.name, n.driver, n.ipRange ? `${n.subnet} (range ${n.ipRange})` : n.subnet, n.gateway, n.device, String(n.mtu)]));
      });
    });

  network.command('inspect')
    .description('show networks in detail, as JSON in the shape of docker network inspect')
    .argument('<name...>')
    .action(async (names: string[]) => {
      await withRuntime((rt) => printInspected(names, (name) => inspect().inspectNetworkAsDocker(rt, name)));
    });

  network.command('rm').alias('remove')
    .description('remove networks')
    .argument('<name...>')
    .action(async (names: string[]) => {
      await withRuntime((rt) => eachName(names, async (name) => (await removeNetwork(rt, name), name)), true);
    });

  network.command('prune')
    .description('remove user-defined networks no sandbox uses')
    .option('-f, --force', 'do not ask (netplumb never asks; accepted for docker compatibility)')
    .action(async () => {
      await withRuntime(async (rt) => {
        const removed = await pruneNetworks(rt);
        if (removed.length) process.stdout.write(`Deleted Networks:\n${removed.join('\n')}\n`);
      }, true);
    });

  network.command('connect')
    .description('connect a sandbox to a network')
    .argument('<network>')
    .argument('<sandbox>')
    .option('--ip <ip>', 'the address to use on this network')
    .option('--alias <name>', 'another name the sandbox has on this network (repeatable)', collect, [])
    .action(async (networkName: string, sandbox: string, o: { ip?: string; alias: string[] }) => {
      for (const alias of o.alias) usage(() => checkAlias(alias));
      await withRuntime((rt) => connect().connectNetwork(rt, networkName, sandbox, { ip: o.ip, aliases: o.alias }).then(() => undefined), true);
    });

  network.command('disconnect')
    .description('disconnect a sandbox from a network')
    .argument('<network>')
    .argument('<sandbox>')
    .action(async (networkName: string, sandbox: string) => {
      await withRuntime((rt) => connect().disconnectNetwork(rt, networkName, sandbox), true);
    });
}
