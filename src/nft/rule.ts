// A rule builder that reads like nft:
//   rule().iifname('np0').ipSaddr('10.0.0.0/8').oifname('np0', '!=').masquerade()
// Each call records a match or a statement; compile() turns them into
// expressions for the table's family, adds the dependencies nft adds (meta
// nfproto in inet tables, meta l4proto before tcp/udp ports), allocates the
// registers, and describes the anonymous sets the rule needs.
import { K } from '../../bindings';
import { DATATYPES, KeyType, hostU32, type DataType } from './datatypes';
import { Registers } from './registers';
import { isSingle, parseRange, type ByteRange } from './values';
import type { ElementSpec, Expression, Family, Verdict } from './types';

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
const CMP_OPS: Record<CmpOp, string> = { '==': 'eq', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

type Needs = 'ipv4' | 'ipv6' | 'arp' | 'tcp' | 'udp';

interface Selector {
  type: DataType;
  /** The load expression into reg; len overrides the loaded length (byte-aligned prefixes). */
  load(reg: number, len?: number): Expression;
  needs?: Needs;
  /** Payload loads can shorten to a prefix's bytes; meta and ct loads cannot. */
  payload?: boolean;
}

const payload = (base: string, offset: number, type: DataType, needs?: Needs): Selector => ({
  type,
  needs,
  payload: true,
  load: (dreg, len) => ({ expr: 'payload', dreg, base, offset, len: len ?? type.size }),
});
const meta = (key: string, type: DataType): Selector => ({ type, load: (dreg) => ({ expr: 'meta', key, dreg }) });

/** What a match or key can read, by nft's names. */
export const SELECTORS = {
  iifname: meta('iifname', DATATYPES.ifname),
  oifname: meta('oifname', DATATYPES.ifname),
  'meta l4proto': meta('l4proto', DATATYPES.inet_proto),
  'meta mark': meta('mark', DATATYPES.mark),
  'ip saddr': payload('network', 12, DATATYPES.ipv4_addr, 'ipv4'),
  'ip daddr': payload('network', 16, DATATYPES.ipv4_addr, 'ipv4'),
  'ip protocol': payload('network', 9, DATATYPES.inet_proto, 'ipv4'),
  'ip6 saddr': payload('network', 8, DATATYPES.ipv6_addr, 'ipv6'),
  'ip6 daddr': payload('network', 24, DATATYPES.ipv6_addr, 'ipv6'),
  'tcp sport': payload('transport', 0, DATATYPES.inet_service, 'tcp'),
  'tcp dport': payload('transport', 2, DATATYPES.inet_service, 'tcp'),
  'udp sport': payload('transport', 0, DATATYPES.inet_service, 'udp'),
  'udp dport': payload('transport', 2, DATATYPES.inet_service, 'udp'),
  // Link layer (bridge and netdev tables): the frame's source MAC; ARP's sender fields (Ethernet/IPv4 ARP).
  'ether saddr': payload('link', 6, DATATYPES.ether_addr),
  'arp saddr ether': payload('network', 8, DATATYPES.ether_addr, 'arp'),
  'arp saddr ip': payload('network', 14, DATATYPES.ipv4_addr, 'arp'),
  'th sport': payload('transport', 0, DATATYPES.inet_service),
  'th dport': payload('transport', 2, DATATYPES.inet_service),
  // The ct expression checks the connection's address family itself: no dependency.
  'ct original ip saddr': { type: DATATYPES.ipv4_addr, load: (dreg: number) => ({ expr: 'ct', key: 'ip-saddr', dreg, direction: 'original' }) },
  'ct original ip daddr': { type: DATATYPES.ipv4_addr, load: (dreg: number) => ({ expr: 'ct', key: 'ip-daddr', dreg, direction: 'original' }) },
  'ct reply ip saddr': { type: DATATYPES.ipv4_addr, load: (dreg: number) => ({ expr: 'ct', key: 'ip-saddr', dreg, direction: 'reply' }) },
  'ct reply ip daddr': { type: DATATYPES.ipv4_addr, load: (dreg: number) => ({ expr: 'ct', key: 'ip-daddr', dreg, direction: 'reply' }) },
} satisfies Record<string, Selector>;
export type SelectorName = keyof typeof SELECTORS;

const CT_STATES: Record<string, number> = {
  invalid: K.NF_CT_STATE_INVALID_BIT,
  established: K.NF_CT_STATE_ESTABLISHED_BIT,
  related: K.NF_CT_STATE_RELATED_BIT,
  new: K.NF_CT_STATE_NEW_BIT,
  untracked: K.NF_CT_STATE_UNTRACKED_BIT,
};
export type CtState = 'invalid' | 'established' | 'related' | 'new' | 'untracked';

const CT_STATUS: Record<string, number> = { snat: K.IPS_SRC_NAT, dnat: K.IPS_DST_NAT };
/** `ct status` bits a rule can test: the connection was source- or destination-NATed. */
export type CtStatus = 'snat' | 'dnat';

/** A value to match: one value, a prefix or range string, '@set', or an array (an anonymous set). */
export type MatchValue = string | number | Array<string | number>;

/** An anonymous set a rule needs; the batch creates it just before the rule. */
export interface AnonymousSet {
  id: number;
  name: string;
  key: KeyType;
  map?: KeyType | 'verdict';
  interval: boolean;
  elements: ElementSpec[];
}

/** What compile() needs from the batch: set ids, and the types of named sets it knows. */
export interface CompileContext {
  family: Family;
  newSetId(): number;
  /** The id of a set created earlier in the same batch (nft sends it with the lookup). */
  setId(name: string): number | undefined;
}

export interface CompiledRule {
  expressions: Expression[];
  sets: AnonymousSet[];
  comment?: string;
}

type Step = (c: Compiler) => void;

export interface NatOptions {
  /** An address, or a range 'a-b'. */
  addr?: string;
  /** A port, or a range [min, max]. */
  port?: number | [number, number];
  flags?: Array<'random' | 'fully-random' | 'persistent'>;
}

export class RuleBuilder {
  private readonly steps: Step[] = [];
  private commentText?: string;
  private final = false;

  private add(step: Step, terminal = false): this {
    if (this.final) throw new TypeError('rule: nothing can follow its verdict');
    this.steps.push(step);
    if (terminal) this.final = true;
    return this;
  }

  // Matches -------------------------------------------------------------------
  /** Any selector: `match('ip daddr', '10.0.0.0/8')`, `match('tcp dport', [22, 80])`, `match('ip saddr', '@blocked')`. */
  match(selector: SelectorName, value: MatchValue, op: CmpOp = '=='): this {
    const sel = SELECTORS[selector] as Selector;
    if (!sel) throw new RangeError(`match: unknown selector ${JSON.stringify(selector)} (one of ${Object.keys(SELECTORS).join(', ')})`);
    if (!(op in CMP_OPS)) throw new RangeError(`match: unknown operator ${JSON.stringify(op)}`);
    checkValue(sel, value, selector, op);
    return this.add((c) => c.match(sel, selector, value, op));
  }
  /** `iifname "np0"` ('np*' matches a prefix) */
  iifname(name: MatchValue, op: CmpOp = '=='): this { return this.match('iifname', name, op); }
  /** `oifname "np0"` */
  oifname(name: MatchValue, op: CmpOp = '=='): this { return this.match('oifname', name, op); }
  /** `ip saddr 10.0.0.0/8` */
  ipSaddr(value: MatchValue, op: CmpOp = '=='): this { return this.match('ip saddr', value, op); }
  /** `ip daddr 10.0.0.1` */
  ipDaddr(value: MatchValue, op: CmpOp = '=='): this { return this.match('ip daddr', value, op); }
  /** `ip6 saddr fd00::/64` */
  ip6Saddr(value: MatchValue, op: CmpOp = '=='): this { return this.match('ip6 saddr', value, op); }
  /** `ip6 daddr ...` */
  ip6Daddr(value: MatchValue, op: CmpOp = '=='): this { return this.match('ip6 daddr', value, op); }
  /** `ip protocol tcp` */
  ipProtocol(value: MatchValue, op: CmpOp = '=='): this { return this.match('ip protocol', value, op); }
  /** `meta l4proto tcp` */
  l4proto(value: MatchValue, op: CmpOp = '=='): this { return this.match('meta l4proto', value, op); }
  /** `tcp dport 80`, `tcp dport { 22, 80 }`, `tcp dport 1000-2000` */
  tcpDport(value: MatchValue, op: CmpOp = '=='): this { return this.match('tcp dport', value, op); }
  /** `tcp sport ...` */
  tcpSport(value: MatchValue, op: CmpOp = '=='): this { return this.match('tcp sport', value, op); }
  /** `udp dport ...` */
  udpDport(value: MatchValue, op: CmpOp = '=='): this { return this.match('udp dport', value, op); }
  /** `udp sport ...` */
  udpSport(value: MatchValue, op: CmpOp = '=='): this { return this.match('udp sport', value, op); }
  /** `meta mark 0x1`, or with a mask `meta mark & 0xff == 0x1` */
  mark(value: number, options: { mask?: number; op?: CmpOp } = {}): this {
    checkValue(SELECTORS['meta mark'], value, 'meta mark', options.op ?? '==');
    if (options.mask === undefined) return this.match('meta mark', value, options.op);
    const mask = DATATYPES.mark.encode(options.mask, 'mark mask');
    return this.add((c) => c.maskedMark(mask, DATATYPES.mark.encode(value, 'mark'), options.op ?? '=='));
  }
  /** `ct state established,related` (any of them) */
  ctState(states: CtState[], op: '==' | '!=' = '=='): this {
    if (!Array.isArray(states) || states.length === 0) throw new TypeError('ctState: at least one state');
    let bits = 0;
    for (const s of states) {
      if (!(s in CT_STATES)) throw new RangeError(`ctState: unknown state ${JSON.stringify(s)} (one of ${Object.keys(CT_STATES).join(', ')})`);
      bits |= CT_STATES[s];
    }
    return this.add((c) => c.ctState(bits, op));
  }
  /** `ct status dnat` (any of them set), or `ct status != dnat` (none set). */
  ctStatus(bits: CtStatus[], op: '==' | '!=' = '=='): this {
    if (!Array.isArray(bits) || bits.length === 0) throw new TypeError('ctStatus: at least one status bit');
    let mask = 0;
    for (const b of bits) {
      if (!(b in CT_STATUS)) throw new RangeError(`ctStatus: unknown status ${JSON.stringify(b)} (one of ${Object.keys(CT_STATUS).join(', ')})`);
      mask |= CT_STATUS[b];
    }
    if (op !== '==' && op !== '!=') throw new RangeError('ctStatus: op is == or !=');
    return this.add((c) => c.ctStatus(mask, op));
  }
  /**
   * A lookup of a (concatenated) key in a named set: `iifname . oifname @pairs`,
   * or `!=` for not in it. `inSet(['iifname'], 'bridges')` is `iifname @bridges`.
   */
  inSet(key: SelectorName[], set: string, op: '==' | '!=' = '=='): this {
    const sels = keySelectors(key, 'inSet');
    checkSetName(set, 'inSet');
    if (op !== '==' && op !== '!=') throw new RangeError('inSet: op is == or !=');
    return this.add((c) => c.lookupSet(sels, set, op));
  }
  /** `fib daddr type local` */
  fibDaddrType(type: 'local', op: '==' | '!=' = '=='): this {
    if (type !== 'local') throw new RangeError('fibDaddrType: only "local" is supported');
    return this.add((c) => c.fibDaddrLocal(op));
  }

  // Statements ----------------------------------------------------------------
  /** `counter` */
  counter(): this { return this.add((c) => c.emit({ expr: 'counter' })); }
  /** `log prefix "..." [level L] [group N]` */
  log(options: { prefix?: string; level?: number; group?: number } = {}): this {
    if (options.prefix !== undefined && (typeof options.prefix !== 'string' || Buffer.byteLength(options.prefix) > 127)) throw new RangeError('log: prefix of at most 127 bytes');
    return this.add((c) => c.emit({ expr: 'log', ...options }));
  }
  /** `limit rate N/second [burst B packets]` */
  limit(options: { rate: number; per: 'second' | 'minute' | 'hour' | 'day'; burst?: number }): this {
    const units = { second: 1, minute: 60, hour: 3600, day: 86400 };
    if (!Number.isInteger(options.rate) || options.rate <= 0) throw new RangeError('limit: rate must be a positive integer');
    if (!(options.per in units)) throw new RangeError('limit: per must be second, minute, hour or day');
    return this.add((c) => c.emit({ expr: 'limit', rate: options.rate, unit: units[options.per], burst: options.burst ?? 5, type: 'packets' }));
  }
  /** `accept` */
  accept(): this { return this.verdict('accept'); }
  /** `drop` */
  drop(): this { return this.verdict('drop'); }
  /** `return` */
  return(): this { return this.verdict('return'); }
  /** `jump CHAIN` */
  jump(chain: string): this { return this.verdict({ jump: chain }); }
  /** `goto CHAIN` */
  goto(chain: string): this { return this.verdict({ goto: chain }); }
  /** Any verdict. */
  verdict(v: Verdict): this {
    const data = verdictData(v, 'verdict');
    return this.add((c) => c.emit({ expr: 'immediate', dreg: K.NFT_REG_VERDICT, ...data }), true);
  }
  /** `reject [with tcp reset | with icmp type port-unreachable]` */
  reject(options: { with?: 'tcp reset' | 'icmp port-unreachable' | 'icmpx port-unreachable' } = {}): this {
    const w = options.with ?? 'icmp port-unreachable';
    const map = { 'tcp reset': ['tcp-rst', 0], 'icmp port-unreachable': ['icmp-unreach', 3], 'icmpx port-unreachable': ['icmpx-unreach', 1] } as const;
    if (!(w in map)) throw new RangeError(`reject: unknown "with ${w}"`);
    const [type, code] = map[w];
    return this.add((c) => {
      if (type === 'tcp-rst') c.needBeforeStatements('tcp');
      c.emit({ expr: 'reject', type, code });
    }, true);
  }
  /** `masquerade [to :PORT-PORT] [random]` */
  masquerade(options: { port?: [number, number] | number; flags?: NatOptions['flags'] } = {}): this {
    checkNat(options, 'masquerade', false);
    return this.add((c) => c.masquerade(options), true);
  }
  /** `snat to ADDR[:PORT]` */
  snat(options: NatOptions): this {
    checkNat(options, 'snat', true);
    return this.add((c) => c.nat('snat', options), true);
  }
  /** `dnat to ADDR[:PORT]` */
  dnat(options: NatOptions): this {
    checkNat(options, 'dnat', true);
    return this.add((c) => c.nat('dnat', options), true);
  }
  /** `redirect to :PORT` */
  redirect(options: { port?: number | [number, number] } = {}): this {
    checkNat(options, 'redirect', false);
    return this.add((c) => c.redirect(options), true);
  }
  /**
   * `dnat ip to KEY . KEY map @MAP`: destination NAT from a map lookup, e.g.
   * key ['meta l4proto', 'th dport'] into a map of ['ipv4_addr', 'inet_service'].
   */
  dnatMap(options: { key: SelectorName[]; map: string; to?: 'ipv4_addr' | ['ipv4_addr', 'inet_service'] | 'ipv6_addr' | ['ipv6_addr', 'inet_service'] }): this {
    const key = keySelectors(options.key, 'dnatMap');
    checkSetName(options.map, 'dnatMap');
    const to = KeyType.of(options.to ?? ['ipv4_addr', 'inet_service'], 'dnatMap.to');
    return this.add((c) => c.natMap(key, options.map, to), true);
  }
  /** `KEY vmap @MAP`, or `KEY vmap { value : verdict, ... }` with an object or entries. */
  vmap(key: SelectorName | SelectorName[], map: string | Array<[unknown, Verdict]> | Record<string, Verdict>): this {
    const sels = keySelectors(Array.isArray(key) ? key : [key], 'vmap');
    let entries: Array<[unknown, Verdict]> | undefined;
    if (typeof map === 'string') checkSetName(map, 'vmap');
    else entries = Array.isArray(map) ? map : Object.entries(map);
    if (entries) for (const [, v] of entries) verdictData(v, 'vmap');
    return this.add((c) => c.vmap(sels, typeof map === 'string' ? map : undefined, entries), true);
  }
  /** `comment "..."`: netplumb writes the owner of each rule here. */
  comment(text: string): this {
    if (typeof text !== 'string' || Buffer.byteLength(text) > 128) throw new RangeError('comment: a string of at most 128 bytes');
    this.commentText = text;
    return this;
  }

  /** The expressions for a table of `ctx.family`. */
  compile(ctx: CompileContext): CompiledRule {
    const c = new Compiler(ctx);
    for (const step of this.steps) {
      step(c);
      c.regs.reset();
    }
    return { expressions: c.out, sets: c.sets, comment: this.commentText };
  }
}

/** Starts a rule: `rule().iifname('np0').masquerade()`. */
export function rule(): RuleBuilder {
  return new RuleBuilder();
}

function checkSetName(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) >= K.NFT_NAME_MAXLEN) throw new RangeError(`${what}: a set name is required`);
}

function keySelectors(names: SelectorName[], what: string): Selector[] {
  if (!Array.isArray(names) || names.length === 0) throw new TypeError(`${what}: key needs at least one selector`);
  return names.map((n) => {
    const s = SELECTORS[n] as Selector | undefined;
    if (!s) throw new RangeError(`${what}: unknown selector ${JSON.stringify(n)}`);
    return s;
  });
}

function checkValue(sel: Selector, value: MatchValue, what: string, op: CmpOp): void {
  if (typeof value === 'string' && value.startsWith('@')) {
    checkSetName(value.slice(1), what);
    if (op !== '==' && op !== '!=') throw new RangeError(`${what}: a set lookup takes == or !=`);
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new RangeError(`${what}: an empty set matches nothing`);
  for (const v of values) {
    if (sel.type.name === 'ifname' && typeof v === 'string' && v.endsWith('*')) continue;
    const r = parseRange(sel.type, v, what);
    if (!isSingle(r) && op !== '==' && op !== '!=') throw new RangeError(`${what}: a prefix or range takes == or !=`);
  }
  if (Array.isArray(value) && op !== '==' && op !== '!=') throw new RangeError(`${what}: a set takes == or !=`);
}

function checkPort(p: unknown, what: string): void {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`${what}: port ${JSON.stringify(p)} is not 0-65535`);
}

function checkNat(o: { addr?: string; port?: number | [number, number]; flags?: string[] }, what: string, needsAddr: boolean): void {
  if (needsAddr && o.addr === undefined) throw new TypeError(`${what}: addr is required`);
  if (o.port !== undefined) {
    const ports = Array.isArray(o.port) ? o.port : [o.port];
    if (ports.length < 1 || ports.length > 2) throw new RangeError(`${what}: port is a number or [min, max]`);
    ports.forEach((p) => checkPort(p, what));
    if (ports.length === 2 && ports[0] > ports[1]) throw new RangeError(`${what}: port range starts after its end`);
  }
  for (const f of o.flags ?? []) if (!['random', 'fully-random', 'persistent'].includes(f)) throw new RangeError(`${what}: unknown flag ${JSON.stringify(f)}`);
}

export function verdictData(v: Verdict, what: string): { verdict: string; chain?: string } {
  if (typeof v === 'string') {
    if (!['accept', 'drop', 'return', 'continue'].includes(v)) throw new RangeError(`${what}: unknown verdict ${JSON.stringify(v)}`);
    return { verdict: v };
  }
  if (v && typeof v === 'object') {
    const [kind, chain] = 'jump' in v ? ['jump', v.jump] : 'goto' in v ? ['goto', v.goto] : [undefined, undefined];
    if (kind && typeof chain === 'string' && chain.length > 0) return { verdict: kind, chain };
  }
  throw new RangeError(`${what}: a verdict is accept, drop, return, continue, {jump: CHAIN} or {goto: CHAIN}`);
}

/** Turns recorded steps into expressions; one per rule. */
class Compiler {
  readonly out: Expression[] = [];
  readonly sets: AnonymousSet[] = [];
  readonly regs = new Registers();
  private readonly have = new Set<Needs>();

  constructor(private readonly ctx: CompileContext) {}

  /** Where the first statement (counter, log ...) went: a statement's dependency goes before it, as nft puts it. */
  private firstStatement?: number;

  emit(e: Expression): void {
    this.firstStatement ??= this.out.length;
    this.out.push(e);
  }

  needBeforeStatements(n: Needs): void {
    if (this.firstStatement === undefined) return this.need(n);
    const tail = this.out.splice(this.firstStatement);
    this.need(n);
    this.firstStatement = this.out.length;
    this.out.push(...tail);
  }

  /** Adds the match a selector depends on, as nft does, unless already there. */
  need(n: Needs): void {
    if (this.have.has(n)) return;
    const fam = this.ctx.family;
    if ((n === 'ipv4' || n === 'ipv6' || n === 'arp') && (fam === 'bridge' || fam === 'netdev')) {
      // As nft: `meta protocol` (the frame's EtherType, network byte order) in bridge and netdev tables.
      const ethertype = n === 'ipv4' ? K.ETH_P_IP : n === 'ipv6' ? K.ETH_P_IPV6 : K.ETH_P_ARP;
      const reg = this.regs.alloc(2);
      this.out.push({ expr: 'meta', key: 'protocol', dreg: reg });
      const data = Buffer.alloc(2);
      data.writeUInt16BE(ethertype);
      this.out.push({ expr: 'cmp', sreg: reg, op: 'eq', data });
    } else if (n === 'arp') {
      if (fam !== 'arp') throw new RangeError(`an arp match needs a bridge, netdev or arp table, not ${fam}`);
    } else if (n === 'ipv4' || n === 'ipv6') {
      const want = n === 'ipv4' ? 'ip' : 'ip6';
      if (fam === want) return;
      if (fam !== 'inet') throw new RangeError(`an ${want} match needs an ${want} or inet table, not ${fam}`);
      const reg = this.regs.alloc(1);
      this.out.push({ expr: 'meta', key: 'nfproto', dreg: reg });
      this.out.push({ expr: 'cmp', sreg: reg, op: 'eq', data: Buffer.from([n === 'ipv4' ? K.NFPROTO_IPV4 : K.NFPROTO_IPV6]) });
    } else {
      const reg = this.regs.alloc(1);
      this.out.push({ expr: 'meta', key: 'l4proto', dreg: reg });
      this.out.push({ expr: 'cmp', sreg: reg, op: 'eq', data: Buffer.from([n === 'tcp' ? K.IPPROTO_TCP : K.IPPROTO_UDP]) });
    }
    this.regs.reset();
    this.have.add(n);
  }

  match(sel: Selector, name: string, value: MatchValue, op: CmpOp): void {
    if (sel.needs) this.need(sel.needs);
    if (typeof value === 'string' && value.startsWith('@')) {
      const set = value.slice(1);
      const reg = this.regs.alloc(sel.type.size);
      this.out.push(sel.load(reg));
      this.out.push({ expr: 'lookup', sreg: reg, set, setId: this.ctx.setId(set), invert: op === '!=' ? true : undefined });
      return;
    }
    if (Array.isArray(value)) {
      const key = new KeyType([sel.type]);
      const ranges = value.map((v) => parseRange(sel.type, v, name));
      const interval = ranges.some((r) => !isSingle(r));
      const set = this.anonymousSet(key, undefined, interval, value.map((v) => ({ key: v })));
      const reg = this.regs.alloc(sel.type.size);
      this.out.push(sel.load(reg));
      this.out.push({ expr: 'lookup', sreg: reg, set: set.name, setId: set.id, invert: op === '!=' ? true : undefined });
      return;
    }
    if (sel.type.name === 'ifname' && typeof value === 'string' && value.endsWith('*')) {
      const prefix = Buffer.from(value.slice(0, -1));
      const reg = this.regs.alloc(sel.type.size);
      this.out.push(sel.load(reg));
      this.out.push({ expr: 'cmp', sreg: reg, op: CMP_OPS[op], data: prefix });
      return;
    }
    this.matchRange(sel, parseRange(sel.type, value, name), op);
    if (op === '==' && (name === 'meta l4proto' || name === 'ip protocol')) {
      const proto = Buffer.isBuffer(value) ? value[0] : parseRange(sel.type, value, name).start[0];
      if (proto === K.IPPROTO_TCP) this.have.add('tcp');
      if (proto === K.IPPROTO_UDP) this.have.add('udp');
    }
  }

  private matchRange(sel: Selector, r: ByteRange, op: CmpOp): void {
    const size = sel.type.size;
    if (r.prefix !== undefined && r.prefix < size * 8) {
      if (r.prefix === 0) return; // 0.0.0.0/0 matches every address
      if (op !== '==' && op !== '!=') throw new RangeError(`a prefix takes == or !=`);
      const reg = this.regs.alloc(size);
      if (r.prefix % 8 === 0 && sel.payload) {
        // Byte-aligned: load only the prefix's bytes, as nft does.
        const bytes = r.prefix / 8;
        this.out.push(sel.load(reg, bytes));
        this.out.push({ expr: 'cmp', sreg: reg, op: CMP_OPS[op], data: r.start.subarray(0, bytes) });
        return;
      }
      this.out.push(sel.load(reg));
      const mask = Buffer.alloc(size);
      for (let bit = 0; bit < r.prefix; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
      this.out.push({ expr: 'bitwise', sreg: reg, dreg: reg, len: size, mask, xor: Buffer.alloc(size) });
      this.out.push({ expr: 'cmp', sreg: reg, op: CMP_OPS[op], data: r.start });
      return;
    }
    const reg = this.regs.alloc(size);
    this.out.push(sel.load(reg));
    if (isSingle(r)) {
      this.out.push({ expr: 'cmp', sreg: reg, op: CMP_OPS[op], data: r.start });
    } else if (op === '==') {
      this.out.push({ expr: 'cmp', sreg: reg, op: 'gte', data: r.start });
      this.out.push({ expr: 'cmp', sreg: reg, op: 'lte', data: r.end });
    } else if (op === '!=') {
      this.out.push({ expr: 'range', sreg: reg, op: 'neq', from: r.start, to: r.end });
    } else {
      throw new RangeError('a range takes == or !=');
    }
  }

  maskedMark(mask: Buffer, value: Buffer, op: CmpOp): void {
    const reg = this.regs.alloc(4);
    this.out.push({ expr: 'meta', key: 'mark', dreg: reg });
    this.out.push({ expr: 'bitwise', sreg: reg, dreg: reg, op: 'mask-xor', len: 4, mask, xor: Buffer.alloc(4) });
    this.out.push({ expr: 'cmp', sreg: reg, op: CMP_OPS[op], data: value });
  }

  ctState(bits: number, op: '==' | '!='): void {
    const reg = this.regs.alloc(4);
    this.out.push({ expr: 'ct', key: 'state', dreg: reg });
    this.out.push({ expr: 'bitwise', sreg: reg, dreg: reg, len: 4, mask: hostU32(bits), xor: Buffer.alloc(4) });
    this.out.push({ expr: 'cmp', sreg: reg, op: op === '==' ? 'neq' : 'eq', data: Buffer.alloc(4) });
  }

  ctStatus(mask: number, op: '==' | '!='): void {
    const reg = this.regs.alloc(4);
    this.out.push({ expr: 'ct', key: 'status', dreg: reg });
    this.out.push({ expr: 'bitwise', sreg: reg, dreg: reg, len: 4, mask: hostU32(mask), xor: Buffer.alloc(4) });
    this.out.push({ expr: 'cmp', sreg: reg, op: op === '==' ? 'neq' : 'eq', data: Buffer.alloc(4) });
  }

  lookupSet(sels: Selector[], set: string, op: '==' | '!='): void {
    const reg = this.loadKey(sels);
    this.out.push({ expr: 'lookup', sreg: reg, set, setId: this.ctx.setId(set), invert: op === '!=' ? true : undefined });
  }

  fibDaddrLocal(op: '==' | '!='): void {
    const reg = this.regs.alloc(4);
    this.out.push({ expr: 'fib', flags: ['daddr'], result: 'type', dreg: reg });
    this.out.push({ expr: 'cmp', sreg: reg, op: op === '==' ? 'eq' : 'neq', data: hostU32(K.RTN_LOCAL) });
  }

  private natFamily(addr: string | undefined, what: string): 'ip' | 'ip6' {
    const fam = this.ctx.family;
    if (fam === 'ip' || fam === 'ip6') return fam;
    if (fam === 'inet' && addr) return addr.includes(':') ? 'ip6' : 'ip';
    throw new RangeError(`${what}: needs an ip, ip6 or inet table (inet: with an address)`);
  }

  /** Immediates for the addresses and ports, each in a 16-byte register as nft allocates them. */
  private natRegisters(family: 'ip' | 'ip6', addr: string | undefined, port: number | [number, number] | undefined, what: string) {
    const regs: Record<string, number> = {};
    if (addr !== undefined) {
      const t = family === 'ip' ? DATATYPES.ipv4_addr : DATATYPES.ipv6_addr;
      const r = parseRange(t, addr, what);
      regs.regAddrMin = this.immediate(r.start);
      if (!isSingle(r)) regs.regAddrMax = this.immediate(r.end);
    }
    if (port !== undefined) {
      const ports = Array.isArray(port) ? port : [port];
      regs.regProtoMin = this.immediate(DATATYPES.inet_service.encode(ports[0], what));
      if (ports.length === 2 && ports[1] !== ports[0]) regs.regProtoMax = this.immediate(DATATYPES.inet_service.encode(ports[1], what));
    }
    return regs;
  }

  private immediate(data: Buffer): number {
    const reg = this.regs.alloc(K.NFT_REG_SIZE);
    this.out.push({ expr: 'immediate', dreg: reg, data });
    return reg;
  }

  nat(type: 'snat' | 'dnat', o: NatOptions): void {
    const family = this.natFamily(o.addr, type);
    const regs = this.natRegisters(family, o.addr, o.port, type);
    const flags: string[] = [...(o.flags ?? [])];
    if (o.port !== undefined) flags.unshift('proto-specified');
    this.out.push({ expr: 'nat', type, family, ...regs, flags });
  }

  masquerade(o: { port?: number | [number, number]; flags?: NatOptions['flags'] }): void {
    const regs = this.natRegisters('ip', undefined, o.port, 'masquerade');
    const flags: string[] = [...(o.flags ?? [])];
    if (o.port !== undefined) flags.unshift('proto-specified');
    this.out.push({ expr: 'masq', flags, ...regs });
  }

  redirect(o: { port?: number | [number, number] }): void {
    const regs = this.natRegisters('ip', undefined, o.port, 'redirect');
    this.out.push({ expr: 'redir', ...regs, flags: o.port !== undefined ? ['proto-specified'] : [] });
  }

  /** Loads a concatenated key into consecutive registers; returns the first. */
  private loadKey(sels: Selector[]): number {
    for (const s of sels) if (s.needs) this.need(s.needs);
    let first = -1;
    for (const s of sels) {
      const reg = this.regs.alloc(s.type.size);
      if (first < 0) first = reg;
      this.out.push(s.load(reg));
    }
    return first;
  }

  natMap(key: Selector[], map: string, to: KeyType): void {
    const family = to.fields[0].name === 'ipv6_addr' ? 'ip6' : 'ip';
    // In an inet table, `dnat ip to` applies to IPv4 only: nft adds `meta nfproto ipv4` first.
    if (this.ctx.family === 'inet') this.need(family === 'ip' ? 'ipv4' : 'ipv6');
    const reg = this.loadKey(key);
    this.out.push({ expr: 'lookup', sreg: reg, dreg: reg, set: map, setId: this.ctx.setId(map) });
    const regs: Record<string, number> = { regAddrMin: reg };
    if (to.concat) regs.regProtoMin = Registers.offset(reg, to.size - 4);
    this.out.push({ expr: 'nat', type: 'dnat', family, ...regs });
  }

  vmap(sels: Selector[], name: string | undefined, entries: Array<[unknown, Verdict]> | undefined): void {
    let set = name;
    let setId = name ? this.ctx.setId(name) : undefined;
    if (entries) {
      const key = new KeyType(sels.map((s) => s.type));
      const anon = this.anonymousSet(key, 'verdict', false, entries.map(([k, v]) => ({ key: k, value: v })));
      set = anon.name;
      setId = anon.id;
    }
    const reg = this.loadKey(sels);
    this.out.push({ expr: 'lookup', sreg: reg, dreg: K.NFT_REG_VERDICT, set, setId });
  }

  private anonymousSet(key: KeyType, map: KeyType | 'verdict' | undefined, interval: boolean, elements: ElementSpec[]): AnonymousSet {
    // The kernel names anonymous sets itself: "__set%d" / "__map%d" become __set0, __set1 ...
    const set: AnonymousSet = { id: this.ctx.newSetId(), name: map ? '__map%d' : '__set%d', key, map, interval, elements };
    this.sets.push(set);
    return set;
  }
}
