// An nf_tables batch: changes are buffered (and checked) as they are added,
// then commit() sends them as one NFNL_MSG_BATCH_BEGIN ... END transaction,
// which the kernel applies whole or not at all. A failure names the
// operation that caused it, by its position, in the kernel's words.
import type { NativeRequest, NativeResult } from '../../bindings';
import { BatchError, NetlinkError } from '../errors';
import { KeyType } from './datatypes';
import { rule as newRule, RuleBuilder, type AnonymousSet } from './rule';
import { elementMessages, setFlags, setTypeArgs, setUserdata, shapeOf, type SetShape } from './sets';
import { stringRecord, UDATA } from './userdata';
import { checkName, checkFamily, ownerComment, PRIORITIES } from './names';
import type { ChainSpec, ElementSpec, Family, SetRef, SetSpec, TableRef, TableSpec } from './types';

/** What commit() needs from the handle. */
export interface BatchTarget {
  /** Sends requests as one transaction. */
  transact(requests: NativeRequest[]): Promise<NativeResult[]>;
  /** Refuses tables netplumb did not create; says which tables exist. */
  checkOwnership(tables: TableRef[], creating: Set<string>): Promise<void>;
  /** The shape of an existing set, for encoding its elements. */
  setShape(ref: SetRef): Promise<SetShape>;
}

interface Operation {
  /** "add rule ip np/post", for errors. */
  describe: string;
  table: TableRef;
  createsTable?: boolean;
  /** Builds its requests at commit time (element ops on existing sets need their shape). */
  plan(): Promise<NativeRequest[]> | NativeRequest[];
}

/** The result of a commit: per added rule (in order), its kernel handle. */
export interface CommitResult {
  ruleHandles: number[];
}

/** A transaction the kernel refused: nothing of it was applied. */
export class NftCommitError extends BatchError {
  /** Position (0-based) of the first operation that failed, in the order they were added. */
  readonly operation: number;
  readonly description: string;
  constructor(errors: NetlinkError[], operation: number, description: string, total: number) {
    super(errors, 0);
    this.name = 'NftCommitError';
    this.operation = operation;
    this.description = description;
    const first = errors[0];
    this.message = `nf_tables transaction rolled back, nothing changed: operation ${operation + 1} of ${total} (${description}) failed: ${first.message}`;
  }
}

const key = (t: TableRef) => `${t.family} ${t.name}`;

export class NftBatch {
  private readonly ops: Operation[] = [];
  private nextSetId = 1;
  /** Sets created in this batch: name -> id and shape. */
  private readonly newSets = new Map<string, { id: number; shape: SetShape }>();
  private committed = false;

  constructor(private readonly target: BatchTarget) {}

  get size(): number { return this.ops.length; }

  private push(op: Operation): this {
    if (this.committed) throw new Error('this batch was already committed; start a new one');
    this.ops.push(op);
    return this;
  }

  /** `nft add table FAMILY NAME { comment "netplumb" }` (`nft create table ...` with spec.exclusive) */
  addTable(spec: TableSpec): this {
    checkFamily(spec.family);
    checkName(spec.name, 'table name');
    if (spec.owner !== undefined) checkName(spec.owner, 'owner');
    const userdata = stringRecord(UDATA.COMMENT, ownerComment(spec.owner));
    return this.push({
      describe: `add table ${spec.family} ${spec.name}`,
      table: spec,
      createsTable: true,
      plan: () => [{ op: 'nft.table.add', args: { family: spec.family, name: spec.name, userdata, exclusive: spec.exclusive || undefined } }],
    });
  }

  /** `nft delete table FAMILY NAME` (only a table netplumb made) */
  deleteTable(ref: TableRef): this {
    checkFamily(ref.family);
    checkName(ref.name, 'table name');
    return this.push({ describe: `delete table ${ref.family} ${ref.name}`, table: ref, plan: () => [{ op: 'nft.table.delete', args: { family: ref.family, name: ref.name } }] });
  }

  /** `nft add chain FAMILY TABLE NAME [{ type T hook H priority P; policy X; }]` */
  addChain(spec: ChainSpec): this {
    checkFamily(spec.family);
    checkName(spec.table, 'table');
    checkName(spec.name, 'chain name');
    const args: Record<string, unknown> = { family: spec.family, table: spec.table, name: spec.name };
    if (spec.hook !== undefined) {
      if (!spec.type) throw new TypeError(`chain ${spec.name}: a base chain (with a hook) needs a type: filter, nat or route`);
      if (!['filter', 'nat', 'route'].includes(spec.type)) throw new RangeError(`chain ${spec.name}: type must be filter, nat or route`);
      const p = spec.priority ?? (spec.type === 'nat' ? (spec.hook === 'prerouting' || spec.hook === 'output' ? 'dstnat' : 'srcnat') : 'filter');
      const priority = typeof p === 'number' ? p : PRIORITIES[p];
      if (priority === undefined || !Number.isInteger(priority)) throw new RangeError(`chain ${spec.name}: unknown priority ${JSON.stringify(p)}`);
      if (spec.policy !== undefined && spec.policy !== 'accept' && spec.policy !== 'drop') throw new RangeError(`chain ${spec.name}: policy must be accept or drop`);
      args.hook = { hook: spec.hook, priority, device: spec.device };
      args.type = spec.type;
      args.policy = spec.policy ?? 'accept';
    } else if (spec.type || spec.policy || spec.priority !== undefined) {
      throw new TypeError(`chain ${spec.name}: type, priority and policy need a hook (a base chain)`);
    }
    return this.push({ describe: `add chain ${spec.family} ${spec.table} ${spec.name}`, table: { family: spec.family, name: spec.table }, plan: () => [{ op: 'nft.chain.add', args }] });
  }

  /** `nft delete chain FAMILY TABLE NAME` */
  deleteChain(ref: { family: Family; table: string; name: string }): this {
    checkFamily(ref.family);
    checkName(ref.table, 'table');
    checkName(ref.name, 'chain name');
    return this.push({ describe: `delete chain ${ref.family} ${ref.table} ${ref.name}`, table: { family: ref.family, name: ref.table }, plan: () => [{ op: 'nft.chain.delete', args: { ...ref } }] });
  }

  /** `nft flush chain FAMILY TABLE NAME` */
  flushChain(ref: { family: Family; table: string; name: string }): this {
    checkFamily(ref.family);
    checkName(ref.table, 'table');
    checkName(ref.name, 'chain name');
    return this.push({ describe: `flush chain ${ref.family} ${ref.table} ${ref.name}`, table: { family: ref.family, name: ref.table }, plan: () => [{ op: 'nft.chain.flush', args: { ...ref } }] });
  }

  /**
   * `nft add rule FAMILY TABLE CHAIN ...` (or `insert` with options.insert,
   * before/after a rule handle with options.position). The rule is a builder
   * (`rule().ipSaddr('10.0.0.0/8').masquerade()`) or a function given a fresh one.
   */
  addRule(chain: { family: Family; table: string; chain: string }, body: RuleBuilder | ((r: RuleBuilder) => RuleBuilder), options: { insert?: boolean; position?: number } = {}): this {
    checkFamily(chain.family);
    checkName(chain.table, 'table');
    checkName(chain.chain, 'chain');
    const builder = typeof body === 'function' ? body(newRule()) : body;
    if (!(builder instanceof RuleBuilder)) throw new TypeError('addRule: expected a rule() builder');
    const compiled = builder.compile({
      family: chain.family,
      newSetId: () => this.nextSetId++,
      setId: (name) => this.newSets.get(`${chain.family} ${chain.table} ${name}`)?.id,
    });
    if (options.position !== undefined && (!Number.isInteger(options.position) || options.position <= 0)) throw new RangeError('position: a rule handle (positive integer)');
    const table = { family: chain.family, name: chain.table };
    for (const set of compiled.sets) this.pushAnonymousSet(table, set);
    const args: Record<string, unknown> = {
      family: chain.family, table: chain.table, chain: chain.chain, expressions: compiled.expressions,
      insert: options.insert || undefined, position: options.position, echo: true,
    };
    if (compiled.comment !== undefined) args.userdata = stringRecord(UDATA.COMMENT, compiled.comment);
    return this.push({ describe: `${options.insert ? 'insert' : 'add'} rule ${chain.family} ${chain.table} ${chain.chain}${compiled.comment ? ` (${compiled.comment})` : ''}`, table, plan: () => [{ op: 'nft.rule.add', args }] });
  }

  /** `nft delete rule FAMILY TABLE CHAIN handle N` */
  deleteRule(ref: { family: Family; table: string; chain: string; handle: number }): this {
    checkFamily(ref.family);
    checkName(ref.table, 'table');
    checkName(ref.chain, 'chain');
    if (!Number.isInteger(ref.handle) || ref.handle <= 0) throw new RangeError('handle: a positive integer');
    return this.push({ describe: `delete rule ${ref.family} ${ref.table} ${ref.chain} handle ${ref.handle}`, table: { family: ref.family, name: ref.table }, plan: () => [{ op: 'nft.rule.delete', args: { ...ref } }] });
  }

  private pushAnonymousSet(table: TableRef, set: AnonymousSet): void {
    const shape: SetShape = { key: set.key, map: set.map, interval: set.interval };
    const messages = elementMessages(shape, set.elements, 'anonymous set');
    const flags = setFlags(shape, ['anonymous', 'constant']);
    this.push({
      describe: `add anonymous set to table ${table.family} ${table.name}`,
      table,
      plan: () => [
        { op: 'nft.set.add', args: { family: table.family, table: table.name, name: set.name, flags, ...setTypeArgs(shape), id: set.id, size: set.elements.length, userdata: setUserdata(shape) } },
        ...messages.map((m) => ({ op: 'nft.setelem.add', args: { family: table.family, table: table.name, set: set.name, setId: set.id, ...m } })),
      ],
    });
  }

  /** `nft add set|map FAMILY TABLE NAME { type ... [: ...]; flags ...; elements = { ... } }` */
  addSet(spec: SetSpec): this {
    checkFamily(spec.family);
    checkName(spec.table, 'table');
    checkName(spec.name, 'set name');
    if (spec.name.includes('%')) throw new RangeError(`set name ${JSON.stringify(spec.name)}: '%' is reserved for anonymous sets`);
    const flags = spec.flags ?? [];
    for (const f of flags) if (!['interval', 'timeout', 'constant', 'dynamic'].includes(f)) throw new RangeError(`set ${spec.name}: unknown flag ${JSON.stringify(f)}`);
    const shape = shapeOf(spec.type, spec.map, flags.includes('interval'), `set ${spec.name}`);
    if (spec.timeout !== undefined && (!Number.isInteger(spec.timeout) || spec.timeout <= 0)) throw new RangeError(`set ${spec.name}: timeout is a positive number of milliseconds`);
    if (spec.size !== undefined && (!Number.isInteger(spec.size) || spec.size <= 0)) throw new RangeError(`set ${spec.name}: size is a positive integer`);
    const messages = spec.elements ? elementMessages(shape, spec.elements, `set ${spec.name} elements`) : [];
    const id = this.nextSetId++;
    this.newSets.set(`${spec.family} ${spec.table} ${spec.name}`, { id, shape });
    const args: Record<string, unknown> = {
      family: spec.family, table: spec.table, name: spec.name,
      flags: setFlags(shape, flags.filter((f) => f !== 'interval')), ...setTypeArgs(shape),
      timeout: spec.timeout, size: spec.size, id, userdata: setUserdata(shape, spec.comment),
    };
    const table = { family: spec.family, name: spec.table };
    this.push({ describe: `add ${shape.map ? 'map' : 'set'} ${spec.family} ${spec.table} ${spec.name}`, table, plan: () => [{ op: 'nft.set.add', args }] });
    if (messages.length) this.pushElements({ family: spec.family, table: spec.table, name: spec.name }, messages, id, `add elements to ${spec.name}`);
    return this;
  }

  /** `nft delete set|map FAMILY TABLE NAME` */
  deleteSet(ref: SetRef): this {
    checkSetRef(ref);
    return this.push({ describe: `delete set ${ref.family} ${ref.table} ${ref.name}`, table: { family: ref.family, name: ref.table }, plan: () => [{ op: 'nft.set.delete', args: { ...ref } }] });
  }

  /** `nft add element FAMILY TABLE SET { KEY [: VALUE], ... }` */
  addElements(ref: SetRef, elements: ElementSpec[], options: { exclusive?: boolean } = {}): this {
    return this.elements(ref, elements, true, options.exclusive ?? false);
  }

  /** `nft delete element FAMILY TABLE SET { KEY, ... }` */
  deleteElements(ref: SetRef, elements: ElementSpec[]): this {
    return this.elements(ref, elements, false, false);
  }

  /** `nft flush set FAMILY TABLE SET` */
  flushSet(ref: SetRef): this {
    checkSetRef(ref);
    return this.push({ describe: `flush set ${ref.family} ${ref.table} ${ref.name}`, table: { family: ref.family, name: ref.table }, plan: () => [{ op: 'nft.setelem.delete', args: { family: ref.family, table: ref.table, set: ref.name } }] });
  }

  private elements(ref: SetRef, elements: ElementSpec[], adding: boolean, exclusive: boolean): this {
    checkSetRef(ref);
    if (!Array.isArray(elements) || elements.length === 0) throw new TypeError(`${adding ? 'addElements' : 'deleteElements'}: at least one element`);
    const what = `${adding ? 'add elements to' : 'delete elements from'} ${ref.table}/${ref.name}`;
    const known = this.newSets.get(`${ref.family} ${ref.table} ${ref.name}`);
    if (known) return this.pushElements(ref, elementMessages(known.shape, elements, what, adding), known.id, what, adding, exclusive);
    // An existing set: its shape is read from the kernel at commit time.
    const target = this.target;
    return this.push({
      describe: what,
      table: { family: ref.family, name: ref.table },
      plan: async () => elementRequests(ref, elementMessages(await target.setShape(ref), elements, what, adding), undefined, adding, exclusive),
    });
  }

  private pushElements(ref: SetRef, messages: Array<Record<string, unknown>>, setId: number | undefined, what: string, adding = true, exclusive = false): this {
    return this.push({ describe: what, table: { family: ref.family, name: ref.table }, plan: () => elementRequests(ref, messages, setId, adding, exclusive) });
  }

  /** Sends everything as one transaction. */
  async commit(): Promise<CommitResult> {
    if (this.committed) throw new Error('this batch was already committed; start a new one');
    this.committed = true;
    if (this.ops.length === 0) return { ruleHandles: [] };
    const tables = new Map<string, TableRef>();
    const creating = new Set<string>();
    for (const op of this.ops) {
      tables.set(key(op.table), { family: op.table.family, name: op.table.name });
      if (op.createsTable) creating.add(key(op.table));
    }
    await this.target.checkOwnership([...tables.values()], creating);
    const requests: NativeRequest[] = [];
    const opOf: number[] = [];
    for (let i = 0; i < this.ops.length; i++) {
      for (const r of await this.ops[i].plan()) {
        requests.push(r);
        opOf.push(i);
      }
    }
    const results = await this.target.transact(requests);
    const errors: NetlinkError[] = [];
    let firstOp = -1;
    const ruleHandles: number[] = [];
    results.forEach((r, i) => {
      if (r instanceof NetlinkError) {
        r.index = opOf[i];
        if (firstOp < 0) firstOp = opOf[i];
        errors.push(r);
      } else if (r instanceof Error) {
        throw r;
      } else if (requests[i].op === 'nft.rule.add') {
        const echoed = r.find((o) => typeof o.handle === 'number');
        ruleHandles.push(echoed ? (echoed.handle as number) : NaN);
      }
    });
    if (errors.length) {
      // A refused transaction (no CAP_NET_ADMIN, a failed commit) fails every request alike: name the first.
      throw new NftCommitError(errors, firstOp, this.ops[firstOp].describe, this.ops.length);
    }
    return { ruleHandles };
  }
}

function elementRequests(ref: SetRef, messages: Array<Record<string, unknown>>, setId: number | undefined, adding: boolean, exclusive: boolean): NativeRequest[] {
  return messages.map((m) => ({
    op: adding ? 'nft.setelem.add' : 'nft.setelem.delete',
    args: { family: ref.family, table: ref.table, set: ref.name, setId, ...m, exclusive: exclusive || undefined },
  }));
}

function checkSetRef(ref: SetRef): void {
  checkFamily(ref.family);
  checkName(ref.table, 'table');
  checkName(ref.name, 'set name');
}

export { KeyType };
