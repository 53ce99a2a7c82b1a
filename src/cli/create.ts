// `netplumb create`: a sandbox with its networks, no process yet; and the
// options it shares with `run`.
import type { Command } from 'commander';
import { parseNameOptions } from '../net/name-options';
import { createSandbox, parsePublish, type SandboxOptions } from '../net/sandbox';
import { collect, usage, withRuntime } from './context';

export interface SandboxFlags {
  name?: string;
  hostname?: string;
  /** --net / --network (commander keeps the last long name). */
  network: string[];
  ip?: string;
  networkAlias: string[];
  publish: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  addHost: string[];
  link: string[];
}

export function addSandboxOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'sandbox name (default: its short id); also its network namespace\'s name')
    .option('-h, --hostname <name>', 'hostname inside the sandbox (default: its name)')
    .option('--net, --network <mode>', 'bridge | NETWORK | host | none | container:NAME (repeatable for several networks)', collect, [])
    .option('--ip <ip>', 'address on the first user-defined network')
    .option('--alias, --network-alias <name>', 'another name other sandboxes on its user-defined networks resolve (repeatable)', collect, [])
    .option('-p, --publish <spec>', 'publish a container port on the host: [IP:][HOSTPORT[-END]:]PORT[-END][/tcp|udp|sctp] (repeatable)', collect, [])
    .option('--dns <ip>', 'a resolver: in /etc/resolv.conf, or on a user-defined network where its DNS server forwards this sandbox\'s queries (repeatable, at most 3)', collect, [])
    .option('--dns-search <domain>', 'a search domain for /etc/resolv.conf, "." for none (repeatable)', collect, [])
    .option('--dns-option <option>', 'a resolver option for /etc/resolv.conf, such as ndots:2 (repeatable)', collect, [])
    .option('--add-host <host:ip>', 'an extra /etc/hosts entry; IP may be host-gateway, the host\'s address on the network (repeatable)', collect, [])
    .option('--link <name[:alias]>', 'list another sandbox in /etc/hosts under an alias (repeatable)', collect, []);
}

/** The options as the library takes them; a malformed -p or name-resolution value is a usage error (exit 2), found before anything runs. */
export function toSandboxOptions(f: SandboxFlags, autoRemove = false): SandboxOptions {
  const names = { dns: f.dns, dnsSearch: f.dnsSearch, dnsOptions: f.dnsOption, addHosts: f.addHost, links: f.link, aliases: f.networkAlias };
  usage(() => parsePublish(f.publish));
  usage(() => parseNameOptions(names));
  return {
    name: f.name, hostname: f.hostname, networks: f.network, ip: f.ip, publish: f.publish, ...names, autoRemove,
    onWarning: (message) => process.stderr.write(`netplumb: warning: ${message}\n`),
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
