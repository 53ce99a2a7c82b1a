// The value types of nf_tables keys and data, as nft names them (ipv4_addr,
// inet_service ...): how a value is written into a register or a set key, and
// read back. The numeric ids are nft's own (its datatype enum, stored in a
// set's key and data type so that `nft list` prints elements properly); they
// are userspace conventions, not kernel constants, so they live here.
import { endianness } from 'os';
import { isIP } from 'net';
import { K } from '../../bindings';

export type DataTypeName = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service' | 'ifname' | 'mark' | 'ether_addr';

export interface DataType {
  name: DataTypeName;
  /** nft's datatype id (TYPE_IPADDR = 7 ...). */
  id: number;
  /** Bytes in a register. */
  size: number;
  /** How nft records the byte order in a set's userdata: 1 host, 2 big endian. */
  byteorder: 1 | 2;
  encode(value: unknown, what: string): Buffer;
  /** Writes the value at buf[off]; for concatenations, written in place to spare an allocation per field. */
  write?(value: unknown, buf: Buffer, off: number, what: string): void;
  /** The value of the bytes at bytes[off] (default 0). */
  decode(bytes: Buffer, off?: number): string | number;
}

const hostLE = endianness() === 'LE';

function fail(what: string, value: unknown, expected: string): never {
  throw new RangeError(`${what}: ${JSON.stringify(value)} is not ${expected}`);
}

function hostU32(n: number): Buffer {
  const b = Buffer.alloc(4);
  if (hostLE) b.writeUInt32LE(n >>> 0);
  else b.writeUInt32BE(n >>> 0);
  return b;
}

function readHostU32(b: Buffer, off = 0): number {
  return hostLE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}

export function ipv4Bytes(value: unknown, what: string): Buffer {
  const out = Buffer.allocUnsafe(4);
  writeIpv4(value, out, 0, what);
  return out;
}

function writeIpv4(value: unknown, out: Buffer, off: number, what: string): void {
  // Hand-parsed: this runs once per element of maps with thousands of them.
  if (typeof value === 'string') {
    let part = 0, digits = 0, n = 0;
    for (let i = 0; i <= value.length; i++) {
      const ch = i < value.length ? value.charCodeAt(i) : 46;
      if (ch >= 48 && ch <= 57 && digits < 3 && !(digits > 0 && n === 0)) {
        n = n * 10 + ch - 48;
        digits++;
      } else if (ch === 46 && digits > 0 && n <= 255 && part < 4) {
        out[off + part++] = n;
        n = 0;
        digits = 0;
      } else {
        part = -1;
        break;
      }
    }
    if (part === 4) return;
  }
  fail(what, value, 'an IPv4 address');
}

export function ipv6Bytes(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || isIP(value) !== 6) fail(what, value, 'an IPv6 address');
  let text = value;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    const b = ipv4Bytes(v4[1], what);
    tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
    text = text.slice(0, -v4[1].length) + (text.endsWith('::' + v4[1]) ? '' : '0');
  }
  const [head, rest] = text.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').filter((x) => x !== '').map((x) => parseInt(x, 16)) : []);
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const words = rest === undefined ? [...h, ...tail] : [...h, ...new Array(8 - h.length - r.length - tail.length).fill(0), ...r, ...tail];
  const out = Buffer.alloc(16);
  words.slice(0, 8).forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

function formatIpv6(b: Buffer): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i).toString(16));
  // Compress the longest run of zero words, as inet_ntop does.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

const protocols: Record<string, number> = { tcp: K.IPPROTO_TCP, udp: K.IPPROTO_UDP, icmp: K.IPPROTO_ICMP, 'ipv6-icmp': K.IPPROTO_ICMPV6, sctp: K.IPPROTO_SCTP };
/** Protocol number -> name, for decoding (the first name of a number, as the table above lists them). */
const protocolNames = new Map<number, string>();
for (const [name, n] of Object.entries(protocols)) if (!protocolNames.has(n)) protocolNames.set(n, name);

function protocolNumber(v: unknown, what: string): number {
  if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(protocols, v)) return protocols[v];
  return uint(v, 255, what, 'a protocol (tcp, udp, icmp, sctp or 0-255)');
}

function uint(value: unknown, max: number, what: string, expected: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) fail(what, value, expected);
  return value;
}

export const DATATYPES: Record<DataTypeName, DataType> = {
  ipv4_addr: {
    name: 'ipv4_addr', id: 7, size: 4, byteorder: 2,
    encode: ipv4Bytes,
    write: (v, buf, off, what) => { writeIpv4(v, buf, off, what); },
    decode: (b, off = 0) => `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`,
  },
  ipv6_addr: {
    name: 'ipv6_addr', id: 8, size: 16, byteorder: 2,
    encode: ipv6Bytes,
    decode: (b, off = 0) => formatIpv6(b.subarray(off, off + 16)),
  },
  inet_proto: {
    name: 'inet_proto', id: 12, size: 1, byteorder: 2,
    encode: (v, what) => Buffer.from([protocolNumber(v, what)]),
    write: (v, buf, off, what) => { buf[off] = protocolNumber(v, what); },
    decode: (b, off = 0) => protocolNames.get(b[off]) ?? b[off],
  },
  inet_service: {
    name: 'inet_service', id: 13, size: 2, byteorder: 2,
    encode: (v, what) => {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(uint(v, 65535, what, 'a port (0-65535)'));
      return b;
    },
    write: (v, buf, off, what) => { buf.writeUInt16BE(uint(v, 65535, what, 'a port (0-65535)'), off); },
    decode: (b, off = 0) => b.readUInt16BE(off),
  },
  ifname: {
    name: 'ifname', id: 41, size: K.IFNAMSIZ, byteorder: 1,
    encode: (v, what) => {
      if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) >= K.IFNAMSIZ || v.includes('\0')) fail(what, v, `an interface name of 1 to ${K.IFNAMSIZ - 1} bytes`);
      const b = Buffer.alloc(K.IFNAMSIZ);
      b.write(v);
      return b;
    },
    decode: (b, off = 0) => b.toString('latin1', off, off + K.IFNAMSIZ).replace(/\0.*$/s, ''),
  },
  mark: {
    name: 'mark', id: 19, size: 4, byteorder: 1,
    encode: (v, what) => hostU32(uint(v, 0xffffffff, what, 'a mark (32-bit integer)')),
    decode: readHostU32,
  },
  ether_addr: {
    name: 'ether_addr', id: 9, size: 6, byteorder: 2,
    encode: (v, what) => {
      if (typeof v !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v)) fail(what, v, 'a MAC address');
      return Buffer.from(v.split(':').map((x) => parseInt(x, 16)));
    },
    decode: (b, off = 0) => [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
  },
};

/** nft's TYPE_BITS: a concatenated type id is the field ids, each shifted in by 6 bits. */
const TYPE_BITS = 6;

export function datatype(name: string, what: string): DataType {
  const t = (DATATYPES as Record<string, DataType>)[name];
  if (!t) throw new RangeError(`${what}: unknown type ${JSON.stringify(name)} (one of ${Object.keys(DATATYPES).join(', ')})`);
  return t;
}

/** A key or data type: one type, or a concatenation (`ipv4_addr . inet_service`). */
export class KeyType {
  constructor(readonly fields: DataType[]) {
    if (fields.length === 0) throw new RangeError('a type needs at least one field');
  }
  static of(spec: DataTypeName | DataTypeName[], what: string): KeyType {
    const names = Array.isArray(spec) ? spec : [spec];
    return new KeyType(names.map((n) => datatype(n, what)));
  }
  /** From the id the kernel stores (NFTA_SET_KEY_TYPE), when every field is one netplumb knows. */
  static fromId(id: number, count: number): KeyType | undefined {
    const fields: DataType[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const part = Math.floor(id / 2 ** (TYPE_BITS * i)) & ((1 << TYPE_BITS) - 1);
      const t = Object.values(DATATYPES).find((d) => d.id === part);
      if (!t) return undefined;
      fields.push(t);
    }
    return new KeyType(fields);
  }
  get concat(): boolean { return this.fields.length > 1; }
  get id(): number { return this.fields.reduce((acc, f) => acc * 2 ** TYPE_BITS + f.id, 0); }
  /** Bytes in registers: each field padded to 4 (NFT_REG32_SIZE). */
  get size(): number { return this.concat ? this.fields.reduce((n, f) => n + padded(f.size), 0) : this.fields[0].size; }
  get names(): DataTypeName[] { return this.fields.map((f) => f.name); }
  /** The key bytes of a value (an array for a concatenation). */
  encode(value: unknown, what: string): Buffer {
    if (!this.concat) return this.fields[0].encode(value, what);
    const out = Buffer.alloc(this.size);
    this.write(value, out, 0, what);
    return out;
  }
  /**
   * Writes the key bytes of a value at buf[off] (this.size bytes; padding
   * between concatenated fields is left as it is, so give zeroed memory):
   * thousands of elements encode into one buffer without a Buffer each.
   */
  write(value: unknown, buf: Buffer, off: number, what: string): void {
    if (!this.concat) {
      const f = this.fields[0];
      if (f.write) f.write(value, buf, off, what);
      else f.encode(value, what).copy(buf, off);
      return;
    }
    if (!Array.isArray(value) || value.length !== this.fields.length)
      throw new RangeError(`${what}: expected ${this.fields.length} values (${this.names.join(' . ')}), got ${JSON.stringify(value)}`);
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i];
      if (f.write) f.write(value[i], buf, off, what);
      else f.encode(value[i], what).copy(buf, off);
      off += padded(f.size);
    }
  }
  decode(bytes: Buffer): string | number | Array<string | number> {
    if (!this.concat) return this.fields[0].decode(bytes, 0);
    const out: Array<string | number> = [];
    let off = 0;
    for (const f of this.fields) {
      out.push(f.decode(bytes, off));
      off += padded(f.size);
    }
    return out;
  }
}

export function padded(n: number): number {
  return Math.ceil(n / K.NFT_REG32_SIZE) * K.NFT_REG32_SIZE;
}

/** Host-order 32-bit words (marks, ct state bits, fib address types). */
export { hostU32, readHostU32 };
