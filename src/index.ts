// netplumb: Docker-style container networking without a daemon.
export { NetNs } from './netns';
export { Netlink, Batch } from './netlink/handle';
export { NetlinkError, BatchError } from './errors';
export type { Link, LinkSpec, LinkChange, LinkStats, LinkFilter, BridgePortChange } from './netlink/links';
export type { Address, AddrOptions, AddrFilter } from './netlink/addresses';
export type { Route, RouteSpec, RouteFilter } from './netlink/routes';
export type { Neighbour, NeighSpec, FdbEntry, FdbSpec } from './netlink/neighbours';
export type { NetlinkEvent, EventGroup } from './netlink/events';
export { Nftables } from './nft/nftables';
export { NftBatch, NftCommitError } from './nft/batch';
export type { CommitResult } from './nft/batch';
export { rule, RuleBuilder } from './nft/rule';
export type { SelectorName, MatchValue, CmpOp, CtState, NatOptions } from './nft/rule';
export type { Family, Hook, ChainType, Priority, Verdict, Expression, TableRef, TableSpec, ChainSpec, SetSpec, SetRef, ElementSpec, Table, Chain, Rule, NftSet, Element } from './nft/types';
export type { DataTypeName } from './nft/datatypes';
