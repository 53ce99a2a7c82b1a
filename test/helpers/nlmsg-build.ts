// Writing netlink bytes by hand in tests: attributes and messages laid out as
// the kernel lays them out, for the parsers to read. Hand-made on purpose, so
// a test can also make what no encoder would (lengths that lie, attributes
// past *_MAX); bytes an encoder made are read with nlbytes.ts.
import { K } from '../../bindings';

export const NLMSG_HDRLEN = K.sizeof_nlmsghdr;
/** NLMSG_ALIGN and NLA_ALIGN: both round up to 4 bytes. */
export const ALIGN = (n: number) => (n + 3) & ~3;

/** One attribute: header and payload, padded. */
export function attr(type: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(ALIGN(4 + payload.length));
  out.writeUInt16LE(4 + payload.length, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}
export const u8 = (v: number) => Buffer.from([v]);
export const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
export const s32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
/** A NUL-terminated string, as NLA_STRING attributes carry it. */
export const str = (s: string) => Buffer.from(`${s}\0`);

/** A message: nlmsghdr (port id 0), then `body` (the family header and attributes), padded. */
export function message(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const out = Buffer.alloc(ALIGN(NLMSG_HDRLEN + body.length));
  out.writeUInt32LE(NLMSG_HDRLEN + body.length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq, 8);
  body.copy(out, NLMSG_HDRLEN);
  return out;
}
