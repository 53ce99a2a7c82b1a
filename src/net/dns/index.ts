// Name resolution for netplumb's networks: the DNS server's client API (what
// the networking layer calls), the server itself, and the pure helpers that
// write a container's resolv.conf and hosts and parse the DNS run options.
export { ensureDnsServer, setNetwork, removeNetwork, dnsServerStatus } from './client';
export type { DnsClientOptions, DnsServerStatus } from './client';
export type { DnsNetwork, DnsSubnet, DnsMember } from './network';
export { validateDnsNetwork } from './network';
export { DnsServerError } from './control';
export type { DnsServerOptions } from './server';
// The server itself (with dns-packet and its forwarder, a dozen modules) is
// loaded when first used: the networking layer only talks to it through the
// client, and every mutating command loads this file.
import type * as Server from './server';
export type DnsServer = Server.DnsServer;
export declare const DnsServer: typeof Server.DnsServer;
// eslint-disable-next-line @typescript-eslint/no-require-imports
Object.defineProperty(exports, 'DnsServer', { enumerable: true, get: () => (require('./server') as typeof Server).DnsServer });
export type { ServedNetwork } from './control';
export { DEFAULT_RUNTIME_DIR } from './control';
export { containerResolvConf, parseResolvConf, readResolvConf, readHostResolvConfForContainers } from './resolvconf';
export type { ResolvConf, ContainerResolvConfInput, ContainerResolvConf } from './resolvconf';
export { containerHosts } from './hosts';
export type { ContainerHostsInput, LinkedContainer } from './hosts';
export { parseDnsServer, parseDnsServers, parseDnsSearch, parseDnsOption, parseAddHost, parseLink, HOST_GATEWAY, MAX_NAMESERVERS } from './options';
export type { ExtraHost, LinkSpec } from './options';
