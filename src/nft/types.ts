// The typed objects of the nf_tables API: what callers pass in, and what the
// readers return.
import type { DataTypeName } from './datatypes';

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';
export type ChainType = 'filter' | 'nat' | 'route';
/** nft's named priorities, or a number. */
export type Priority = 'raw' | 'mangle' | 'dstnat' | 'filter' | 'security' | 'srcnat' | number;
export type Verdict = 'accept' | 'drop' | 'return' | 'continue' | { jump: string } | { goto: string };

/** One expression of a rule, as the addon encodes it (`{ expr: 'cmp', sreg, op, data }`). */
export interface Expression {
  expr: string;
  [field: string]: unknown;
}

export interface TableRef {
  family: Family;
  name: string;
}

export interface TableSpec extends TableRef {
  /** Who in netplumb owns it; recorded in the table's comment ("netplumb" or "netplumb:OWNER"). */
  owner?: string;
  /** `nft create table`: fail with EEXIST when it already exists (so two creators cannot both fill it). */
  exclusive?: boolean;
}

export interface ChainSpec {
  family: Family;
  table: string;
  name: string;
  /** Makes it a base chain: `type nat hook prerouting priority dstnat; policy accept;` */
  hook?: Hook;
  type?: ChainType;
  priority?: Priority;
  policy?: 'accept' | 'drop';
  /** For netdev ingress/egress chains. */
  device?: string;
}

export interface SetSpec {
  family: Family;
  table: string;
  name: string;
  /** Key type; an array is a concatenation: ['inet_proto', 'inet_service']. */
  type: DataTypeName | DataTypeName[];
  /** Makes it a map to this type, or a verdict map. */
  map?: DataTypeName | DataTypeName[] | 'verdict';
  /** interval: elements may be prefixes and ranges; timeout: elements may expire. */
  flags?: Array<'interval' | 'timeout' | 'constant' | 'dynamic'>;
  /** Default element timeout, milliseconds. */
  timeout?: number;
  size?: number;
  comment?: string;
  elements?: ElementSpec[];
}

export interface SetRef {
  family: Family;
  table: string;
  name: string;
}

/**
 * An element. key: a value, a prefix or range for interval sets, an array for a
 * concatenation (['tcp', 8080]); value: the map's data (['10.0.0.2', 80]) or a verdict.
 */
export interface ElementSpec {
  key: unknown;
  value?: unknown;
  /** Milliseconds, in sets with the timeout flag. */
  timeout?: number;
  /** `comment "..."` of the element (its userdata, as nft writes it): netplumb records the owner here. */
  comment?: string;
}

export interface Table {
  family: Family;
  name: string;
  handle: number;
  flags: string[];
  comment?: string;
  /** Made by netplumb (its comment says so): only such tables can be changed through this API. */
  owned: boolean;
  /** How many chains, sets ... it holds. */
  use: number;
}

export interface Chain {
  family: Family;
  table: string;
  name: string;
  handle: number;
  hook?: Hook;
  priority?: number;
  type?: string;
  policy?: 'accept' | 'drop';
  device?: string;
}

export interface Rule {
  family: Family;
  table: string;
  chain: string;
  handle: number;
  comment?: string;
  expressions: Expression[];
}

export interface NftSet {
  family: Family;
  table: string;
  name: string;
  handle: number;
  flags: string[];
  /** Key type names, when netplumb knows them (else undefined, see keyTypeId). */
  type?: DataTypeName[];
  keyTypeId: number;
  keyLen: number;
  map?: DataTypeName[] | 'verdict';
  dataLen?: number;
  timeout?: number;
  comment?: string;
}

export interface Element {
  key: unknown;
  /** The upper end of an interval (concatenated interval sets). */
  keyEnd?: unknown;
  value?: unknown;
  intervalEnd: boolean;
  timeout?: number;
  expires?: number;
  comment?: string;
}
