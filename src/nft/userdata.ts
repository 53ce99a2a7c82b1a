// Userdata as nft (libnftnl) lays it out: type-length-value records of one
// byte type, one byte length. nft shows a rule's or a table's record 0 as its
// comment, and reads a set's records to print its elements; we write the
// same records so `nft list` shows netplumb's objects as it shows its own.

/** libnftnl's record types (NFTNL_UDATA_*): userspace conventions, not kernel constants. */
export const UDATA = {
  COMMENT: 0, // NFTNL_UDATA_{TABLE,CHAIN,RULE}_COMMENT
  SET_KEYBYTEORDER: 0,
  SET_DATABYTEORDER: 1,
  SET_KEY_TYPEOF: 3,
  SET_DATA_TYPEOF: 4,
  SET_DATA_INTERVAL: 6,
  SET_COMMENT: 7,
  SET_ELEM_COMMENT: 0, // NFTNL_UDATA_SET_ELEM_COMMENT
  TYPEOF_EXPR: 0,
  TYPEOF_DATA: 1,
} as const;

/** nft's expression ids in typeof records (EXPR_VERDICT, EXPR_CONCAT). */
export const TYPEOF_VERDICT = 1;
export const TYPEOF_CONCAT = 13;

export function record(type: number, value: Buffer): Buffer {
  if (value.length > 255) throw new RangeError(`userdata record of ${value.length} bytes: at most 255`);
  return Buffer.concat([Buffer.from([type, value.length]), value]);
}

export function u32Record(type: number, n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n); // libnftnl stores these in host order; the machines we run on are little endian
  return record(type, b);
}

export function stringRecord(type: number, s: string): Buffer {
  return record(type, Buffer.from(s + '\0'));
}

export function parseRecords(bytes: Buffer | undefined): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  if (!bytes) return out;
  for (let off = 0; off + 2 <= bytes.length; ) {
    const type = bytes[off], len = bytes[off + 1];
    if (off + 2 + len > bytes.length) break; // malformed: keep what parsed
    out.set(type, bytes.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return out;
}

/** The comment in a userdata blob (record 0 of tables, chains, rules; 7 of sets). */
export function commentOf(bytes: Buffer | undefined, type: number = UDATA.COMMENT): string | undefined {
  const c = parseRecords(bytes).get(type);
  return c ? c.toString('utf8').replace(/\0.*$/s, '') : undefined;
}
