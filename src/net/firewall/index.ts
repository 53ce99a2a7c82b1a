// netplumb's firewall: port publishing, NAT, isolation, in one nf_tables table.
export { NftablesFirewall, FirewallError } from './driver';
export type { FirewallDriver, FirewallOptions, PublishRequest } from './driver';
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
