// Values as users write them, turned into register bytes: single values,
// prefixes ('10.0.0.0/8'), ranges ('10.0.0.1-10.0.0.9', '1000-2000') and the
// interval elements nf_tables wants for them.
import type { DataType, KeyType } from './datatypes';

export interface ByteRange {
  start: Buffer;
  /** Inclusive. */
  end: Buffer;
  /** Set for a prefix: its length in bits. */
  prefix?: number;
}

export function toBigInt(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + b.toString('hex'));
}

export function fromBigInt(n: bigint, size: number): Buffer {
  return Buffer.from(n.toString(16).padStart(size * 2, '0'), 'hex');
}

function isAddress(t: DataType): boolean {
  return t.name === 'ipv4_addr' || t.name === 'ipv6_addr';
}

/** Parses one field's value: a value, a prefix (addresses) or a range (addresses, ports). */
export function parseRange(t: DataType, value: unknown, what: string): ByteRange {
  if (typeof value === 'string' && isAddress(t) && value.includes('/')) {
    const [addr, lenText] = value.split('/');
    const bits = t.size * 8;
    const len = Number(lenText);
    if (!/^\d+$/.test(lenText) || len > bits) throw new RangeError(`${what}: ${JSON.stringify(value)} has an invalid prefix length (0-${bits})`);
    const base = toBigInt(t.encode(addr, what));
    const hostMask = (1n << BigInt(bits - len)) - 1n;
    if ((base & hostMask) !== 0n) throw new RangeError(`${what}: ${JSON.stringify(value)} has host bits set (did you mean ${t.decode(fromBigInt(base & ~hostMask, t.size))}/${len}?)`);
    return { start: fromBigInt(base, t.size), end: fromBigInt(base | hostMask, t.size), prefix: len };
  }
  if (typeof value === 'string' && value.includes('-') && (isAddress(t) || t.name === 'inet_service' || t.name === 'mark')) {
    const [a, b] = value.split('-');
    const conv = (s: string) => (t.name === 'inet_service' || t.name === 'mark' ? Number(s) : s);
    const start = t.encode(conv(a), what), end = t.encode(conv(b), what);
    if (toBigInt(start) > toBigInt(end)) throw new RangeError(`${what}: ${JSON.stringify(value)} is a range whose start is after its end`);
    return { start, end };
  }
  const bytes = t.encode(value, what);
  return { start: bytes, end: bytes };
}

export function isSingle(r: ByteRange): boolean {
  return r.start.equals(r.end);
}

export interface IntervalElement {
  key: Buffer;
  keyEnd?: Buffer;
  intervalEnd?: boolean;
  index: number; // which user element it came from
}

/**
 * Interval elements for a set of one field: each range [a, b] becomes a start
 * element a and an end element b+1 flagged interval-end (none when b is the
 * largest value), sorted; as nft does, a first end element at 0 closes the
 * gap below the lowest range. Overlapping ranges are an error.
 */
export function intervalElements(type: KeyType, ranges: ByteRange[], what: string): IntervalElement[] {
  const size = type.size;
  const max = (1n << BigInt(size * 8)) - 1n;
  const sorted = ranges.map((r, index) => ({ s: toBigInt(r.start), e: toBigInt(r.end), index })).sort((x, y) => (x.s < y.s ? -1 : x.s > y.s ? 1 : 0));
  const out: IntervalElement[] = [];
  if (sorted.length && sorted[0].s !== 0n) out.push({ key: Buffer.alloc(size), intervalEnd: true, index: sorted[0].index });
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i];
    if (i > 0 && r.s <= sorted[i - 1].e)
      throw new RangeError(`${what}: elements ${sorted[i - 1].index} and ${r.index} overlap`);
    out.push({ key: fromBigInt(r.s, size), index: r.index });
    if (r.e !== max) out.push({ key: fromBigInt(r.e + 1n, size), intervalEnd: true, index: r.index });
  }
  return out;
}
