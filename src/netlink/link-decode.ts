// Decodes RTM_NEWLINK replies (a dump or a get) into Link objects, from the
// reply bytes, on the JS thread. A listing of 10,000 links is mostly object
// building: making each Link in one fixed sequence of fields here is several
// times cheaper than building a parsed tree on the worker and converting it
// field by field across N-API. Two steps: an index says where each wanted
// attribute of each message sits (for a dump, native/nl/attr_index.cc makes
// it on the worker while the kernel dumps the rest; indexLinks() here for a
// single reply), then buildLinks() reads those slots. The fields are exactly
// those of the native parser (native/rtnl/link.cc parseLinkMessage, which
// events and parse() still use); unit tests hold both indexers and the
// builder to its output (but for `unknown`, which a listing gives only when
// asked). The kinds' own data (IFLA_INFO_DATA, IFLA_INFO_SLAVE_DATA) is left
// to the kind codecs in native/rtnl/kinds, in one call per block.
import { K, native } from '../../bindings';
import type { Link, LinkStats } from './links';

// The kernel's numbers, copied out of the addon's constants once: read from
// that (large) object inside the loop they would cost a lookup each time.
const {
  IFF_UP, NLA_TYPE_MASK, RTM_NEWLINK, IFLA_MAX,
  IFLA_IFNAME, IFLA_MTU, IFLA_MIN_MTU, IFLA_MAX_MTU, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_PERM_ADDRESS,
  IFLA_MASTER, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_TXQLEN, IFLA_IFALIAS, IFLA_OPERSTATE, IFLA_CARRIER,
  IFLA_GROUP, IFLA_PROMISCUITY, IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_STATS64, IFLA_LINKINFO,
  IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA,
} = K;
const IFI_FAMILY = K.offsetof_ifinfomsg_ifi_family, IFI_TYPE = K.offsetof_ifinfomsg_ifi_type;
const IFI_INDEX = K.offsetof_ifinfomsg_ifi_index, IFI_FLAGS = K.offsetof_ifinfomsg_ifi_flags;
// The attributes a Link is made of, in index slot order (the builder's cases).
const INDEXED = [
  IFLA_IFNAME, IFLA_MTU, IFLA_MIN_MTU, IFLA_MAX_MTU, IFLA_ADDRESS, IFLA_BROADCAST, IFLA_PERM_ADDRESS,
  IFLA_MASTER, IFLA_LINK, IFLA_LINK_NETNSID, IFLA_TXQLEN, IFLA_IFALIAS, IFLA_OPERSTATE, IFLA_CARRIER,
  IFLA_GROUP, IFLA_PROMISCUITY, IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, IFLA_STATS64, IFLA_LINKINFO,
];
const SLOT = new Int8Array(IFLA_MAX + 1).fill(-1);
INDEXED.forEach((type, slot) => { SLOT[type] = slot; });
// Index records (as native/nl/attr_index.h): message offset, type, attributes' start and end, flags,
// then (payload offset, length) per indexed type, -1 where absent.
const I_MSG = 0, I_TYPE = 1, I_ATTRS = 2, I_END = 3, I_FLAGS = 4, I_HEADER = 5;
const HAS_UNKNOWN = 1, DUPLICATE = 2;
const STRIDE = I_HEADER + 2 * INDEXED.length;

/** What socket.dump needs to index a link dump's blocks on the worker. */
export const LINK_INDEX = { headerLen: K.sizeof_ifinfomsg, types: INDEXED, knownMax: IFLA_MAX };
const NLMSG_HDRLEN = K.sizeof_nlmsghdr;
const IFINFO_LEN = K.sizeof_ifinfomsg;
const align4 = (n: number) => (n + 3) & ~3;

const OPERSTATE: string[] = [];
OPERSTATE[K.IF_OPER_UNKNOWN] = 'UNKNOWN';
OPERSTATE[K.IF_OPER_NOTPRESENT] = 'NOTPRESENT';
OPERSTATE[K.IF_OPER_DOWN] = 'DOWN';
OPERSTATE[K.IF_OPER_LOWERLAYERDOWN] = 'LOWERLAYERDOWN';
OPERSTATE[K.IF_OPER_TESTING] = 'TESTING';
OPERSTATE[K.IF_OPER_DORMANT] = 'DORMANT';
OPERSTATE[K.IF_OPER_UP] = 'UP';

// Offsets of rtnl_link_stats64's counters, from the kernel headers.
const S = (field: string) => K[`offsetof_rtnl_link_stats64_${field}`];
const RX_PACKETS = S('rx_packets'), TX_PACKETS = S('tx_packets'), RX_BYTES = S('rx_bytes'), TX_BYTES = S('tx_bytes');
const RX_ERRORS = S('rx_errors'), TX_ERRORS = S('tx_errors'), RX_DROPPED = S('rx_dropped'), TX_DROPPED = S('tx_dropped');
const MULTICAST = S('multicast'), COLLISIONS = S('collisions');
const RX_OVER = S('rx_over_errors'), RX_CRC = S('rx_crc_errors'), RX_FRAME = S('rx_frame_errors'), RX_FIFO = S('rx_fifo_errors');
const RX_MISSED = S('rx_missed_errors'), TX_ABORTED = S('tx_aborted_errors'), TX_CARRIER = S('tx_carrier_errors');
const TX_FIFO = S('tx_fifo_errors'), RX_NOHANDLER = S('rx_nohandler');
const STATS64_LEN = K.sizeof_rtnl_link_stats64;

/** Hex digits' character codes, for building a MAC address string in one call. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

class MalformedMessage extends Error {
  constructor(what: string) {
    super(`malformed netlink message: ${what}`);
  }
}

// Readers of one attribute's payload: `at` is its offset in the block (-1:
// absent, then undefined), `len` its length. Small, monomorphic functions
// that the optimising compiler inlines into buildLinks' loop; a class with
// per-block state in fields cost a call each (profiled: u32At, macAt and
// strAt stood on their own in the profile).

function u32(view: DataView, at: number, len: number, type: number): number | undefined {
  if (at < 0) return undefined;
  if (len < 4) throw new MalformedMessage(`attribute ${type}: ${len} bytes, expected 4`);
  return view.getUint32(at, true);
}

function u8(buf: Buffer, at: number, len: number, type: number): number | undefined {
  if (at < 0) return undefined;
  if (len < 1) throw new MalformedMessage(`attribute ${type}: 0 bytes, expected 1`);
  return buf[at];
}

/** A C string attribute: up to the first NUL, UTF-8 (as the native parser reads it). */
function str(buf: Buffer, at: number, len: number): string | undefined {
  if (at < 0) return undefined;
  let end = at;
  const stop = at + len;
  let ascii = true;
  while (end < stop && buf[end] !== 0) {
    if (buf[end] >= 0x80) ascii = false;
    end++;
  }
  if (!ascii || end - at > 32) return buf.toString('utf8', at, end);
  let s = '';
  for (let i = at; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/** 'aa:bb:cc:dd:ee:ff' for any length, as `ip` prints it. */
function mac(buf: Buffer, at: number, len: number): string | undefined {
  if (at < 0) return undefined;
  if (len !== 6) return macAny(buf, at, len);
  return String.fromCharCode(
    HEX[buf[at] >> 4], HEX[buf[at] & 15], 58, HEX[buf[at + 1] >> 4], HEX[buf[at + 1] & 15], 58,
    HEX[buf[at + 2] >> 4], HEX[buf[at + 2] & 15], 58, HEX[buf[at + 3] >> 4], HEX[buf[at + 3] & 15], 58,
    HEX[buf[at + 4] >> 4], HEX[buf[at + 4] & 15], 58, HEX[buf[at + 5] >> 4], HEX[buf[at + 5] & 15]);
}

function macAny(buf: Buffer, at: number, len: number): string {
  const codes: number[] = [];
  for (let i = 0; i < len; i++) {
    if (i) codes.push(58);
    codes.push(HEX[buf[at + i] >> 4], HEX[buf[at + i] & 15]);
  }
  return String.fromCharCode(...codes);
}

/** Whether two payloads in the buffer hold the same bytes. */
function sameBytes(buf: Buffer, a: number, b: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** A 64-bit counter; under 2^32 a small integer (no heap number for the JIT to allocate). */
function u64(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  const lo = view.getUint32(at, true);
  return hi === 0 ? lo : lo + hi * 4294967296;
}

function stats(view: DataView, at: number, len: number): LinkStats | undefined {
  if (at < 0) return undefined;
  if (len < STATS64_LEN) throw new MalformedMessage(`attribute ${IFLA_STATS64} too short`);
  return {
    rxPackets: u64(view, at + RX_PACKETS), txPackets: u64(view, at + TX_PACKETS),
    rxBytes: u64(view, at + RX_BYTES), txBytes: u64(view, at + TX_BYTES),
    rxErrors: u64(view, at + RX_ERRORS), txErrors: u64(view, at + TX_ERRORS),
    rxDropped: u64(view, at + RX_DROPPED), txDropped: u64(view, at + TX_DROPPED),
    multicast: u64(view, at + MULTICAST), collisions: u64(view, at + COLLISIONS),
    rxOverErrors: u64(view, at + RX_OVER), rxCrcErrors: u64(view, at + RX_CRC),
    rxFrameErrors: u64(view, at + RX_FRAME), rxFifoErrors: u64(view, at + RX_FIFO),
    rxMissedErrors: u64(view, at + RX_MISSED), txAbortedErrors: u64(view, at + TX_ABORTED),
    txCarrierErrors: u64(view, at + TX_CARRIER), txFifoErrors: u64(view, at + TX_FIFO),
    rxNohandler: u64(view, at + RX_NOHANDLER),
  };
}

/** Attributes past what the headers know (a newer kernel's), by number, each its own copy. */
function readUnknown(buf: Buffer, start: number, end: number): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (let off = start; off + 4 <= end;) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (type > IFLA_MAX) out[String(type)] = Buffer.from(buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return out;
}

/**
 * The index of a buffer of netlink messages, as the native indexer makes it
 * for a dump's blocks. Throws on malformed data, as the native parser does.
 */
export function indexLinks(buf: Buffer): Int32Array {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: number[] = [];
  for (let msg = 0; msg < buf.length;) {
    if (buf.length - msg < NLMSG_HDRLEN) throw new MalformedMessage('truncated netlink message header');
    const msgLen = view.getUint32(msg, true);
    if (msgLen < NLMSG_HDRLEN || msgLen > buf.length - msg) throw new MalformedMessage(`length ${msgLen}`);
    const msgType = view.getUint16(msg + 4, true);
    if (msgType !== RTM_NEWLINK) {
      msg += align4(msgLen); // not a link: nothing to index (a dump's blocks hold only links)
      continue;
    }
    const attrsStart = msg + NLMSG_HDRLEN + align4(IFINFO_LEN);
    if (msgLen < attrsStart - msg) throw new MalformedMessage('message too short for its header');
    const end = msg + msgLen;
    const base = records.length;
    for (let i = 0; i < STRIDE; i++) records.push(i >= I_HEADER && (i - I_HEADER) % 2 === 1 ? 0 : -1);
    records[base + I_MSG] = msg;
    records[base + I_TYPE] = msgType;
    records[base + I_ATTRS] = attrsStart;
    records[base + I_END] = end;
    records[base + I_FLAGS] = 0;
    let off = attrsStart;
    for (; off + 4 <= end;) {
      const len = view.getUint16(off, true);
      if (len < 4 || off + len > end) throw new MalformedMessage(`malformed attribute: length ${len} at offset ${off - attrsStart} of ${end - attrsStart}`);
      const type = view.getUint16(off + 2, true) & NLA_TYPE_MASK;
      if (type > IFLA_MAX) records[base + I_FLAGS] |= HAS_UNKNOWN;
      else if (SLOT[type] >= 0) {
        if (records[base + I_HEADER + 2 * SLOT[type]] >= 0) records[base + I_FLAGS] |= DUPLICATE;
        records[base + I_HEADER + 2 * SLOT[type]] = off + 4;
        records[base + I_HEADER + 2 * SLOT[type] + 1] = len - 4;
      }
      off += align4(len);
    }
    msg += align4(msgLen);
  }
  return Int32Array.from(records);
}

/**
 * The Links in a buffer of RTM_NEWLINK messages (other message types are
 * skipped), appended to `links`. Throws on malformed data, as the native
 * parser does. Attributes past what the headers know go to `unknown` only
 * with keepUnknown: on a kernel newer than its headers every link has
 * several, and a Buffer each costs more than all the rest of the link.
 */
export function decodeLinks(buf: Buffer, links: Link[] = [], keepUnknown = false): Link[] {
  return buildLinks(buf, indexLinks(buf), links, keepUnknown);
}

/** Links from a buffer of messages and its index (indexLinks, or the native indexer's). */
export function buildLinks(buf: Buffer, idx: Int32Array, links: Link[] = [], keepUnknown = false): Link[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const infoRanges: number[] = [];
  const infoOwners: Link[] = [];
  // Strings many links share are made once per block: the kind (a handful of
  // distinct values), the broadcast address (ff:ff:ff:ff:ff:ff on every
  // Ethernet link). The last one's bytes are kept to compare with the next.
  let kindAt = -1, kindLen = 0, kindText = '';
  let bcastAt = -1, bcastLen = 0, bcastText = '';
  for (let rec = 0; rec + STRIDE <= idx.length; rec += STRIDE) {
    if (idx[rec + I_TYPE] !== RTM_NEWLINK) continue;
    if ((idx[rec + I_FLAGS] & DUPLICATE) !== 0) {
      // An attribute given twice (no kernel does): the full parser decides, every occurrence checked.
      const [parsed] = native.parse(K.NETLINK_ROUTE, buf.subarray(idx[rec + I_MSG], idx[rec + I_END]));
      const l = parsed.object as unknown as Link;
      if (!keepUnknown) delete l.unknown;
      links.push(l);
      continue;
    }
    const hdr = idx[rec + I_MSG] + NLMSG_HDRLEN;
    const flags = view.getUint32(hdr + IFI_FLAGS, true);
    const index = view.getInt32(hdr + IFI_INDEX, true);
    const family = buf[hdr + IFI_FAMILY];
    const type = view.getUint16(hdr + IFI_TYPE, true);
    const up = (flags & IFF_UP) !== 0;
    // Slot k's payload: at idx[s + 2k], length idx[s + 2k + 1]; -1 when absent (INDEXED's order).
    const s = rec + I_HEADER;
    const name = str(buf, idx[s], idx[s + 1]);
    const mtu = u32(view, idx[s + 2], idx[s + 3], IFLA_MTU);
    const minMtu = u32(view, idx[s + 4], idx[s + 5], IFLA_MIN_MTU);
    const maxMtu = u32(view, idx[s + 6], idx[s + 7], IFLA_MAX_MTU);
    const address = mac(buf, idx[s + 8], idx[s + 9]);
    let broadcast: string | undefined;
    const bAt = idx[s + 10], bLen = idx[s + 11];
    if (bAt >= 0) {
      if (bcastAt >= 0 && bLen === bcastLen && sameBytes(buf, bcastAt, bAt, bLen)) broadcast = bcastText;
      else {
        broadcast = bcastText = mac(buf, bAt, bLen)!;
        bcastAt = bAt;
        bcastLen = bLen;
      }
    }
    const permAddress = mac(buf, idx[s + 12], idx[s + 13]);
    const master = u32(view, idx[s + 14], idx[s + 15], IFLA_MASTER);
    const link = u32(view, idx[s + 16], idx[s + 17], IFLA_LINK);
    const linkNetnsId = u32(view, idx[s + 18], idx[s + 19], IFLA_LINK_NETNSID) === undefined ? undefined : view.getInt32(idx[s + 18], true);
    const txqlen = u32(view, idx[s + 20], idx[s + 21], IFLA_TXQLEN);
    const alias = str(buf, idx[s + 22], idx[s + 23]);
    const oper = u8(buf, idx[s + 24], idx[s + 25], IFLA_OPERSTATE);
    const operstate = oper === undefined ? undefined : OPERSTATE[oper] ?? 'UNKNOWN';
    const carrierByte = u8(buf, idx[s + 26], idx[s + 27], IFLA_CARRIER);
    const carrier = carrierByte === undefined ? undefined : carrierByte !== 0;
    const group = u32(view, idx[s + 28], idx[s + 29], IFLA_GROUP);
    const promiscuity = u32(view, idx[s + 30], idx[s + 31], IFLA_PROMISCUITY);
    const numTxQueues = u32(view, idx[s + 32], idx[s + 33], IFLA_NUM_TX_QUEUES);
    const numRxQueues = u32(view, idx[s + 34], idx[s + 35], IFLA_NUM_RX_QUEUES);
    const linkStats = stats(view, idx[s + 36], idx[s + 37]);
    let kind: string | undefined;
    let needsKindCodec = false;
    const infoAt = idx[s + 38], infoLen = idx[s + 39];
    if (infoAt >= 0) {
      // The kind is read here; anything more is the kind codecs' (below, in one native call).
      for (let i = infoAt; i + 4 <= infoAt + infoLen;) {
        const ilen = view.getUint16(i, true);
        if (ilen < 4 || i + ilen > infoAt + infoLen) throw new MalformedMessage(`malformed attribute: length ${ilen} in IFLA_LINKINFO`);
        const itype = view.getUint16(i + 2, true) & NLA_TYPE_MASK;
        if (itype === IFLA_INFO_KIND) {
          if (kindAt >= 0 && ilen - 4 === kindLen && sameBytes(buf, kindAt, i + 4, kindLen)) kind = kindText;
          else {
            kind = kindText = str(buf, i + 4, ilen - 4)!;
            kindAt = i + 4;
            kindLen = ilen - 4;
          }
        } else if (itype === IFLA_INFO_DATA || itype === IFLA_INFO_SLAVE_KIND || itype === IFLA_INFO_SLAVE_DATA) needsKindCodec = true;
        i += align4(ilen);
      }
    }
    let l: Link;
    if (name !== undefined && mtu !== undefined && minMtu !== undefined && maxMtu !== undefined && address !== undefined &&
        broadcast !== undefined && txqlen !== undefined && operstate !== undefined && carrier !== undefined && group !== undefined &&
        promiscuity !== undefined && numTxQueues !== undefined && numRxQueues !== undefined && linkStats !== undefined) {
      // What every link of a real kernel has: one literal, so that the object is
      // made whole at once (fields added one by one outgrow it again and again).
      l = { index, family, type, flags, up, name, mtu, minMtu, maxMtu, address, broadcast, txqlen, operstate, carrier, group, promiscuity, numTxQueues, numRxQueues, stats: linkStats };
    } else {
      l = { index, family, type, flags, up } as Link;
      if (name !== undefined) l.name = name;
      if (mtu !== undefined) l.mtu = mtu;
      if (minMtu !== undefined) l.minMtu = minMtu;
      if (maxMtu !== undefined) l.maxMtu = maxMtu;
      if (address !== undefined) l.address = address;
      if (broadcast !== undefined) l.broadcast = broadcast;
      if (txqlen !== undefined) l.txqlen = txqlen;
      if (operstate !== undefined) l.operstate = operstate;
      if (carrier !== undefined) l.carrier = carrier;
      if (group !== undefined) l.group = group;
      if (promiscuity !== undefined) l.promiscuity = promiscuity;
      if (numTxQueues !== undefined) l.numTxQueues = numTxQueues;
      if (numRxQueues !== undefined) l.numRxQueues = numRxQueues;
      if (linkStats !== undefined) l.stats = linkStats;
    }
    // Then what only some links have, always in this order, so that links alike share their hidden class.
    if (permAddress !== undefined) l.permAddress = permAddress;
    if (master !== undefined) l.master = master;
    if (link !== undefined) l.link = link;
    if (linkNetnsId !== undefined) l.linkNetnsId = linkNetnsId;
    if (alias !== undefined) l.alias = alias;
    if (kind !== undefined && !needsKindCodec) l.kind = kind;
    if (needsKindCodec) {
      infoRanges.push(infoAt, infoLen);
      infoOwners.push(l);
    }
    if (keepUnknown && (idx[rec + I_FLAGS] & HAS_UNKNOWN) !== 0) l.unknown = readUnknown(buf, idx[rec + I_ATTRS], idx[rec + I_END]);
    links.push(l);
  }
  if (infoOwners.length > 0) {
    const infos = native.parseLinkInfos(buf, infoRanges);
    infoOwners.forEach((l, i) => Object.assign(l, infos[i]));
  }
  return links;
}
