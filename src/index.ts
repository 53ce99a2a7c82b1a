// netplumb: Docker-style container networking without a daemon.
export { NetNs } from './netns';
export { Netlink, Batch } from './netlink/handle';
export { NetlinkError, BatchError } from './errors';
export type { Link, LinkSpec, LinkChange, LinkStats, LinkFilter, BridgePortChange } from './netlink/links';
export type { Address, AddrOptions, AddrFilter } from './netlink/addresses';
export type { Route, RouteSpec, RouteFilter } from './netlink/routes';
export type { Neighbour, NeighSpec, FdbEntry, FdbSpec } from './netlink/neighbours';
export type { NetlinkEvent, EventGroup } from './netlink/events';
export { Runtime } from './net/runtime';
export { createNetwork, removeNetwork, listNetworks, inspectNetwork, pruneNetworks } from './net/network';
export { createSandbox, removeSandbox, describeSandbox, listSandboxes } from './net/sandbox';
export { connectNetwork, disconnectNetwork } from './net/connect';
export { collectGarbage } from './net/gc';
export { registerFirewallDriver, type FirewallDriver } from './net/firewall/driver';
export { NetplumbError } from './net/errors';
