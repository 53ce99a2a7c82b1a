// Sets and maps: their kernel description (flags, key and data types and
// lengths, the userdata nft writes) and their elements as kernel elements.
import { K } from '../../bindings';
import { KeyType, type DataTypeName } from './datatypes';
import { u32Record, record, stringRecord, UDATA, TYPEOF_CONCAT, TYPEOF_VERDICT } from './userdata';

/** An element's comment as userdata; one record of at most 128 bytes, as nft allows. */
function commentUserdata(e: ElementSpec, what: string): Buffer | undefined {
  if (e.comment === undefined) return undefined;
  if (typeof e.comment !== 'string' || Buffer.byteLength(e.comment) > 128 || e.comment.includes('\0')) throw new RangeError(`${what}.comment: a string of at most 128 bytes without NUL`);
  return stringRecord(UDATA.SET_ELEM_COMMENT, e.comment);
}

/** Elements share their userdata buffer when they share a comment (thousands of one owner's ports). */
function userdataCache(): (e: ElementSpec, what: string) => Buffer | undefined {
  let last: string | undefined;
  let buf: Buffer | undefined;
  return (e, what) => {
    if (e.comment === undefined) return undefined;
    if (e.comment !== last || !buf) {
      buf = commentUserdata(e, what);
      last = e.comment;
    }
    return buf;
  };
}
import { intervalElements, parseRange } from './values';
import { verdictData } from './rule';
import type { ElementSpec, Verdict } from './types';

/** What encoding elements needs to know about a set. */
export interface SetShape {
  key: KeyType;
  map?: KeyType | 'verdict';
  interval: boolean;
}

/** A kernel element, as the addon's nft.setelem.add takes it. */
export interface NativeElement {
  key: Buffer;
  keyEnd?: Buffer;
  data?: Buffer;
  verdict?: string;
  chain?: string;
  flags?: string[];
  timeout?: number;
  /** The element's userdata (its comment record). */
  userdata?: Buffer;
}

export function shapeOf(type: DataTypeName | DataTypeName[], map: DataTypeName | DataTypeName[] | 'verdict' | undefined, interval: boolean, what: string): SetShape {
  return {
    key: KeyType.of(type, `${what}.type`),
    map: map === undefined ? undefined : map === 'verdict' ? 'verdict' : KeyType.of(map, `${what}.map`),
    interval,
  };
}

/** NFTA_SET_* arguments for a shape: flags, key and data types and lengths. */
export function setTypeArgs(shape: SetShape): Record<string, unknown> {
  const args: Record<string, unknown> = { keyType: shape.key.id, keyLen: shape.key.size };
  if (shape.map === 'verdict') {
    args.dataType = K.NFT_DATA_VERDICT;
    args.dataLen = 0;
  } else if (shape.map) {
    args.dataType = shape.map.id;
    args.dataLen = shape.map.size;
  }
  if (shape.interval && shape.key.concat) args.fields = shape.key.fields.map((f) => f.size);
  return args;
}

export function setFlags(shape: SetShape, extra: string[]): string[] {
  const flags = [...extra];
  if (shape.map) flags.push('map');
  if (shape.interval) flags.push('interval');
  if (shape.interval && shape.key.concat) flags.push('concat');
  return flags;
}

function typeofRecord(type: number, exprId: number): Buffer {
  return record(type, Buffer.concat([u32Record(UDATA.TYPEOF_EXPR, exprId), record(UDATA.TYPEOF_DATA, Buffer.alloc(0))]));
}

/** The userdata nft writes for a set declared by type, so that `nft list` prints it alike. */
export function setUserdata(shape: SetShape, comment?: string): Buffer {
  const parts = [u32Record(UDATA.SET_KEYBYTEORDER, shape.key.concat ? 0 : shape.key.fields[0].byteorder)];
  if (shape.map) {
    const data = shape.map;
    parts.push(u32Record(UDATA.SET_DATABYTEORDER, data === 'verdict' || data.concat ? 0 : data.fields[0].byteorder));
  }
  if (shape.key.concat) parts.push(typeofRecord(UDATA.SET_KEY_TYPEOF, TYPEOF_CONCAT));
  if (shape.map) {
    if (shape.map === 'verdict') parts.push(typeofRecord(UDATA.SET_DATA_TYPEOF, TYPEOF_VERDICT));
    else if (shape.map.concat) parts.push(typeofRecord(UDATA.SET_DATA_TYPEOF, TYPEOF_CONCAT));
    parts.push(u32Record(UDATA.SET_DATA_INTERVAL, 0));
  }
  if (comment !== undefined) parts.push(stringRecord(UDATA.SET_COMMENT, comment));
  return Buffer.concat(parts);
}

function dataOf(shape: SetShape, e: ElementSpec, what: string): Partial<NativeElement> {
  if (!shape.map) {
    if (e.value !== undefined) throw new RangeError(`${what}: a set element has no value (only map elements do)`);
    return {};
  }
  if (e.value === undefined) throw new RangeError(`${what}: a map element needs a value`);
  if (shape.map === 'verdict') return verdictData(e.value as Verdict, what);
  return { data: shape.map.encode(e.value, `${what}.value`) };
}

function checkTimeout(e: ElementSpec, what: string): number | undefined {
  if (e.timeout === undefined) return undefined;
  if (!Number.isInteger(e.timeout) || e.timeout <= 0) throw new RangeError(`${what}.timeout: a positive number of milliseconds`);
  return e.timeout;
}

/** Kernel elements for user elements; adding = false gives keys only (deletion). */
export function encodeElements(shape: SetShape, elements: ElementSpec[], what: string, adding = true): NativeElement[] {
  if (!Array.isArray(elements)) throw new TypeError(`${what}: elements must be an array`);
  const at = (i: number) => `${what}[${i}]`;
  elements.forEach((e, i) => {
    if (!e || typeof e !== 'object' || !('key' in e)) throw new TypeError(`${at(i)}: expected {key, value?}`);
  });
  const userdataOf = userdataCache();
  if (!shape.interval) {
    return elements.map((e, i) => {
      const out: NativeElement = { key: shape.key.encode(e.key, `${at(i)}.key`) };
      if (!adding) return out;
      if (shape.map === undefined || e.value === undefined) dataOf(shape, e, at(i)); // throws when a value is missing or extra
      else if (shape.map !== 'verdict') out.data = shape.map.encode(e.value, `${at(i)}.value`);
      else Object.assign(out, dataOf(shape, e, at(i)));
      const timeout = checkTimeout(e, at(i));
      if (timeout !== undefined) out.timeout = timeout;
      const userdata = userdataOf(e, at(i));
      if (userdata) out.userdata = userdata;
      return out;
    });
  }
  if (shape.key.concat) {
    // Concatenated intervals (the pipapo set): each element carries its start and end keys.
    return elements.map((e, i) => {
      const values = e.key;
      if (!Array.isArray(values) || values.length !== shape.key.fields.length) throw new RangeError(`${at(i)}.key: expected ${shape.key.fields.length} fields`);
      const ranges = shape.key.fields.map((f, j) => parseRange(f, values[j], `${at(i)}.key[${j}]`));
      const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
      return {
        key: Buffer.concat(ranges.map((r) => pad(r.start))),
        keyEnd: Buffer.concat(ranges.map((r) => pad(r.end))),
        ...(adding ? { ...dataOf(shape, e, at(i)), userdata: userdataOf(e, at(i)) } : {}),
      };
    });
  }
  const type = shape.key.fields[0];
  const ranges = elements.map((e, i) => parseRange(type, e.key, `${at(i)}.key`));
  // The end element at 0 that closes the gap below the lowest range is the
  // set's, not the range's: nft never deletes it (other ranges may rely on it),
  // so deleting a range sends only its own start and end.
  const planned = intervalElements(shape.key, ranges, what).filter((ie, i) => adding || !(i === 0 && ie.intervalEnd));
  return planned.map((ie) => {
    if (ie.intervalEnd) return { key: ie.key, flags: ['interval-end'] };
    if (!adding) return { key: ie.key };
    const e = elements[ie.index];
    return { key: ie.key, ...dataOf(shape, e, at(ie.index)), timeout: checkTimeout(e, at(ie.index)), userdata: userdataOf(e, at(ie.index)) };
  });
}

/**
 * The addon's arguments for elements, one entry per message: what the batch
 * sends. Plain elements (a key, and a value in a map, the same comment for
 * all, no timeout) are written in one pass into one buffer of keys and one
 * of values, which each message takes a slice of (see elementArgs for the
 * packed form); anything else goes element by element. Errors are the same
 * either way.
 */
export function elementMessages(shape: SetShape, elements: ElementSpec[], what: string, adding = true): Array<Record<string, unknown>> {
  const packed = adding ? packElements(shape, elements, what) : undefined;
  if (packed) return packed;
  const encoded = encodeElements(shape, elements, what, adding);
  return chunkElements(encoded).map((chunk) => (adding ? elementArgs(chunk) : { elements: chunk }));
}

/** The one-pass packed form, or undefined when an element needs the general path (which also reports any error). */
function packElements(shape: SetShape, elements: ElementSpec[], what: string): Array<Record<string, unknown>> | undefined {
  const map = shape.map;
  if (shape.interval || map === 'verdict' || !Array.isArray(elements) || elements.length === 0) return undefined;
  for (const e of elements) if (!e || typeof e !== 'object' || !('key' in e)) return undefined;
  const count = elements.length;
  const comment = elements[0].comment;
  let userdata: Buffer | undefined;
  if (comment !== undefined) {
    if (typeof comment !== 'string' || Buffer.byteLength(comment) > 128 || comment.includes('\0')) return undefined;
    userdata = stringRecord(UDATA.SET_ELEM_COMMENT, comment);
  }
  const keyLen = shape.key.size;
  const dataLen = map ? map.size : 0;
  const keys = Buffer.alloc(count * keyLen);
  const data = map ? Buffer.alloc(count * dataLen) : undefined;
  try {
    for (let i = 0; i < count; i++) {
      const e = elements[i];
      if (e.timeout !== undefined || e.comment !== comment) return undefined;
      shape.key.write(e.key, keys, i * keyLen, what);
      if (map) {
        if (e.value === undefined) return undefined;
        map.write(e.value, data!, i * dataLen, what);
      } else if (e.value !== undefined) {
        return undefined;
      }
    }
  } catch {
    return undefined; // the general path throws the error, naming the element
  }
  // As many elements per message as chunkElements puts there.
  const size = elementSize(keyLen, undefined, dataLen || undefined, undefined, userdata?.length);
  const perMessage = Math.max(1, Math.floor(CHUNK_LIMIT / size));
  const out: Array<Record<string, unknown>> = [];
  for (let first = 0; first < count; first += perMessage) {
    const last = Math.min(count, first + perMessage);
    const args: Record<string, unknown> = { keys: keys.subarray(first * keyLen, last * keyLen), keyLen };
    if (data) Object.assign(args, { data: data.subarray(first * dataLen, last * dataLen), dataLen });
    if (userdata) args.userdata = userdata;
    out.push(args);
  }
  return out;
}

/** Bytes an element may take in a message (an upper bound). */
function elementSize(key: number, keyEnd: number | undefined, data: number | undefined, verdictChain: number | undefined, userdata: number | undefined): number {
  return 8 + 12 + 8 + key + (keyEnd !== undefined ? 8 + keyEnd : 0) + (data !== undefined ? 12 + data : 0) + (verdictChain !== undefined ? 24 + verdictChain : 0) + (userdata !== undefined ? 8 + userdata : 0) + 16;
}

const CHUNK_LIMIT = 60000;

/** Splits elements so each message's element list stays under its 64 KiB length field. */
export function chunkElements(elements: NativeElement[]): NativeElement[][] {
  const chunks: NativeElement[][] = [];
  let current: NativeElement[] = [];
  let bytes = 0;
  for (const e of elements) {
    const size = elementSize(e.key.length, e.keyEnd?.length, e.data?.length, e.verdict ? (e.chain?.length ?? 0) : undefined, e.userdata?.length);
    if (current.length && bytes + size > CHUNK_LIMIT) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * The addon's arguments for one chunk: the packed form (all keys in one
 * buffer, all data in another, one userdata for all) when every element is a
 * plain key or key and value with the same comment, which is what keeps
 * thousands of one owner's port mappings cheap; else a list.
 */
export function elementArgs(chunk: NativeElement[]): Record<string, unknown> {
  const keyLen = chunk[0].key.length;
  const dataLen = chunk[0].data?.length ?? 0;
  const userdata = chunk[0].userdata;
  const plain = chunk.every((e) => e.key.length === keyLen && (e.data?.length ?? 0) === dataLen && !e.keyEnd && !e.verdict && !e.flags && e.timeout === undefined
    && (e.userdata === userdata || (e.userdata !== undefined && userdata !== undefined && e.userdata.equals(userdata))));
  if (!plain) return { elements: chunk };
  const args: Record<string, unknown> = { keys: Buffer.concat(chunk.map((e) => e.key)), keyLen };
  if (dataLen) Object.assign(args, { data: Buffer.concat(chunk.map((e) => e.data!)), dataLen });
  if (userdata) args.userdata = userdata;
  return args;
}
