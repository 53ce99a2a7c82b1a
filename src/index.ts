// netplumb: Docker-style container networking without a daemon.
export { NetNs } from './netns';
export { Netlink, Batch } from './netlink/handle';
export { NetlinkError, BatchError } from './errors';
export type { Link, LinkSpec, LinkChange, LinkStats, LinkFilter, BridgePortChange } from './netlink/links';
export type { Address, AddrOptions, AddrFilter } from './netlink/addresses';
export type { Route, RouteSpec, RouteFilter } from './netlink/routes';
export type { Neighbour, NeighSpec, FdbEntry, FdbSpec } from './netlink/neighbours';
export type { NetlinkEvent, EventGroup } from './netlink/events';
export type { VxlanOptions } from './netlink/kinds/vxlan';
export type { MacvlanOptions, MacvlanMode } from './netlink/kinds/macvlan';
export type { VlanOptions } from './netlink/kinds/vlan';
export type { IpvlanOptions } from './netlink/kinds/ipvlan';
export { ConntrackHandle, canonicalIp, isOpenConnection } from './netlink/conntrack';
export type { ConntrackEntry, ConntrackTuple, ConntrackFilter, ConntrackFamily, ConntrackCounter, ConntrackTableCounters } from './netlink/conntrack';
export * as stats from './net/stats';
export * as events from './net/events';
export * as graph from './net/graph';
export * as inspect from './net/inspect';
