// netplumb's firewall: port publishing, NAT, isolation, in one nf_tables table.
export { NftablesFirewall, FirewallError } from './nftables-firewall';
export type { Firewall, FirewallOptions, PublishRequest } from './nftables-firewall';
export { parsePortSpec, parsePortSpecs, PortSpecError } from './ports';
export type { PortSpec } from './ports';
export { MemoryPortReservations, FilePortReservations } from './reservations';
export { listListeningSockets } from './listeners';
export type { ListeningSocket } from './listeners';
export type { InstalledNetwork } from './state';
export { PortConflictError, PortExhaustedError, keysOverlap, describeKey } from './types';
export type {
  Protocol, FirewallNetwork, PortMapping, PublishedPort, HostPortKey, PortReservation, PortReservations, PortConflict,
  CoexistenceProblem, ReconcileResult,
} from './types';
export { SourceGuard } from './source-guard';
export type { GuardedPort } from './source-guard';
