// `netplumb create`: a sandbox with its networks, no process yet; and the
// options it shares with `run`.
import type { Command } from 'commander';
import { createSandbox, parsePublish, type SandboxOptions } from '../net/sandbox';
import { collect, UsageError, withRuntime } from './context';

export interface SandboxFlags {
  name?: string;
  hostname?: string;
  /** --net / --network (commander keeps the last long name). */
  network: string[];
  ip?: string;
  networkAlias: string[];
  publish: string[];
  dns: string[];
  addHost: string[];
  link: string[];
}

export function addSandboxOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'sandbox name (default: its short id); also its network namespace\'s name')
    .option('-h, --hostname <name>', 'hostname inside the sandbox (default: its name)')
    .option('--net, --network <mode>', 'bridge | NETWORK | host | none | container:NAME (repeatable for several networks)', collect, [])
    .option('--ip <ip>', 'address on the first user-defined network')
    .option('--network-alias <name>', 'another name on user-defined networks (repeatable)', collect, [])
    .option('-p, --publish <spec>', 'publish a container port on the host: [IP:][HOSTPORT[-END]:]PORT[-END][/tcp|udp|sctp] (repeatable)', collect, [])
    .option('--dns <ip>', 'nameserver for /etc/resolv.conf (repeatable)', collect, [])
    .option('--add-host <host:ip>', 'an extra /etc/hosts entry (repeatable)', collect, [])
    .option('--link <name[:alias]>', 'list another sandbox in /etc/hosts under an alias (repeatable)', collect, []);
}

/** The sandbox options of the flags; a malformed -p is a usage error (exit 2), found before anything runs. */
export function toSandboxOptions(f: SandboxFlags, autoRemove = false): SandboxOptions {
  try {
    parsePublish(f.publish);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    name: f.name, hostname: f.hostname, networks: f.network, ip: f.ip, aliases: f.networkAlias, publish: f.publish,
    dns: f.dns, addHosts: f.addHost, links: f.link, autoRemove,
  };
}

export function registerCreate(program: Command): void {
  addSandboxOptions(program.command('create').description('create a sandbox (namespaces, files, endpoints) without starting a process'))
    .action(async (f: SandboxFlags) => {
      const options = toSandboxOptions(f);
      await withRuntime(async (rt) => {
        const sb = await createSandbox(rt, options);
        process.stdout.write(`${sb.id}\n`);
      }, true);
    });
}
