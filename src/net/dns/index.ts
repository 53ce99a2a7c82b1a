// Name resolution for netplumb's networks: the DNS server's client API (what
// the networking layer calls), the server itself, and the pure helpers that
// write a container's resolv.conf and hosts and parse the DNS run options.
export { ensureDnsServer, setNetwork, removeNetwork, dnsServerStatus } from './client';
export type { DnsClientOptions, DnsServerStatus } from './client';
export type { DnsNetwork, DnsSubnet, DnsMember } from './network';
export { validateDnsNetwork } from './network';
export { DnsServer, DnsServerError } from './server';
export type { DnsServerOptions } from './server';
export type { ServedNetwork } from './control';
export { DEFAULT_RUNTIME_DIR } from './control';
export { containerResolvConf, parseResolvConf, readResolvConf, readHostResolvConfForContainers } from './resolvconf';
export type { ResolvConf, ContainerResolvConfInput, ContainerResolvConf } from './resolvconf';
export { containerHosts } from './hosts';
export type { ContainerHostsInput, LinkedContainer } from './hosts';
export { parseDnsServer, parseDnsServers, parseDnsSearch, parseDnsOption, parseAddHost, parseLink, HOST_GATEWAY, MAX_NAMESERVERS } from './options';
export type { ExtraHost, LinkSpec } from './options';
