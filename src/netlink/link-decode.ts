// Decodes RTM_NEWLINK replies (a dump or a get) into Link objects, from the
// reply bytes, on the JS thread. A listing of 10,000 links is mostly object
// building: reading the attributes here and making each Link with one fixed
// sequence of fields is several times cheaper than building a parsed tree on
// the worker and converting it field by field across N-API. The fields are
// exactly those of the native parser (native/rtnl/link.cc parseLinkMessage,
// which events and parse() still use); a unit test holds the two to the same
// output (but for `unknown`, which a listing gives only when asked). The kinds' own data (IFLA_INFO_DATA, IFLA_INFO_SLAVE_DATA) is left to
// the kind codecs in native/rtnl/kinds, in one call per listing.
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
// Attribute type -> the case that reads it, so that the loop dispatches through
// one jump table (case labels must be literals for that) rather than comparing
// the type with each attribute number in turn: that matters most before the
// JIT has compiled the loop, i.e. for a process's first listing.
const FIELD = new Uint8Array(IFLA_MAX + 1);
FIELD[IFLA_IFNAME] = 1;
FIELD[IFLA_MTU] = 2;
FIELD[IFLA_MIN_MTU] = 3;
FIELD[IFLA_MAX_MTU] = 4;
FIELD[IFLA_ADDRESS] = 5;
FIELD[IFLA_BROADCAST] = 6;
FIELD[IFLA_PERM_ADDRESS] = 7;
FIELD[IFLA_MASTER] = 8;
FIELD[IFLA_LINK] = 9;
FIELD[IFLA_LINK_NETNSID] = 10;
FIELD[IFLA_TXQLEN] = 11;
FIELD[IFLA_IFALIAS] = 12;
FIELD[IFLA_OPERSTATE] = 13;
FIELD[IFLA_CARRIER] = 14;
FIELD[IFLA_GROUP] = 15;
FIELD[IFLA_PROMISCUITY] = 16;
FIELD[IFLA_NUM_TX_QUEUES] = 17;
FIELD[IFLA_NUM_RX_QUEUES] = 18;
FIELD[IFLA_STATS64] = 19;
FIELD[IFLA_LINKINFO] = 20;
const UNKNOWN = 255;
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

/** A reader over one reply buffer. */
class Reader {
  readonly view: DataView;
  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u32(at: number, len: number, type: number): number {
    if (len < 4) throw new MalformedMessage(`attribute ${type}: ${len} bytes, expected 4`);
    return this.view.getUint32(at, true);
  }

  u64(at: number): number {
    return this.view.getUint32(at, true) + this.view.getUint32(at + 4, true) * 4294967296;
  }

  /** A C string attribute: up to the first NUL, UTF-8 (as the native parser reads it). */
  str(at: number, len: number): string {
    const b = this.buf;
    let end = at;
    const stop = at + len;
    let ascii = true;
    while (end < stop && b[end] !== 0) {
      if (b[end] >= 0x80) ascii = false;
      end++;
    }
    if (!ascii || end - at > 32) return b.toString('utf8', at, end);
    let s = '';
    for (let i = at; i < end; i++) s += String.fromCharCode(b[i]);
    return s;
  }

  /** 'aa:bb:cc:dd:ee:ff' for any length, as `ip` prints it. */
  mac(at: number, len: number): string {
    const b = this.buf;
    if (len === 6) {
      const h = (i: number) => HEX[b[at + i] >> 4];
      const l = (i: number) => HEX[b[at + i] & 15];
      return String.fromCharCode(h(0), l(0), 58, h(1), l(1), 58, h(2), l(2), 58, h(3), l(3), 58, h(4), l(4), 58, h(5), l(5));
    }
    const codes: number[] = [];
    for (let i = 0; i < len; i++) {
      if (i) codes.push(58);
      codes.push(HEX[b[at + i] >> 4], HEX[b[at + i] & 15]);
    }
    return String.fromCharCode(...codes);
  }

  stats(at: number, len: number, type: number): LinkStats {
    if (len < STATS64_LEN) throw new MalformedMessage(`attribute ${type} too short`);
    return {
      rxPackets: this.u64(at + RX_PACKETS), txPackets: this.u64(at + TX_PACKETS),
      rxBytes: this.u64(at + RX_BYTES), txBytes: this.u64(at + TX_BYTES),
      rxErrors: this.u64(at + RX_ERRORS), txErrors: this.u64(at + TX_ERRORS),
      rxDropped: this.u64(at + RX_DROPPED), txDropped: this.u64(at + TX_DROPPED),
      multicast: this.u64(at + MULTICAST), collisions: this.u64(at + COLLISIONS),
      rxOverErrors: this.u64(at + RX_OVER), rxCrcErrors: this.u64(at + RX_CRC),
      rxFrameErrors: this.u64(at + RX_FRAME), rxFifoErrors: this.u64(at + RX_FIFO),
      rxMissedErrors: this.u64(at + RX_MISSED), txAbortedErrors: this.u64(at + TX_ABORTED),
      txCarrierErrors: this.u64(at + TX_CARRIER), txFifoErrors: this.u64(at + TX_FIFO),
      rxNohandler: this.u64(at + RX_NOHANDLER),
    };
  }
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
 * The Links in a buffer of RTM_NEWLINK messages (other message types are
 * skipped), appended to `links`. Throws on malformed data, as the native
 * parser does. Attributes past what the headers know go to `unknown` only
 * with keepUnknown: on a kernel newer than its headers every link has
 * several, and a Buffer each costs more than all the rest of the link.
 */
export function decodeLinks(buf: Buffer, links: Link[] = [], keepUnknown = false): Link[] {
  const r = new Reader(buf);
  const view = r.view;
  const infoRanges: number[] = [];
  const infoOwners: Link[] = [];
  for (let msg = 0; msg < buf.length;) {
    if (buf.length - msg < NLMSG_HDRLEN) throw new MalformedMessage('truncated netlink message header');
    const msgLen = view.getUint32(msg, true);
    if (msgLen < NLMSG_HDRLEN || msgLen > buf.length - msg) throw new MalformedMessage(`length ${msgLen}`);
    const msgType = view.getUint16(msg + 4, true);
    const next = msg + align4(msgLen);
    if (msgType !== RTM_NEWLINK) {
      msg = next;
      continue;
    }
    const hdr = msg + NLMSG_HDRLEN;
    if (msgLen < NLMSG_HDRLEN + IFINFO_LEN) throw new MalformedMessage('message too short for its header');
    const flags = view.getUint32(hdr + IFI_FLAGS, true);
    let name: string | undefined, mtu: number | undefined, minMtu: number | undefined, maxMtu: number | undefined;
    let address: string | undefined, broadcast: string | undefined, permAddress: string | undefined;
    let master: number | undefined, link: number | undefined, linkNetnsId: number | undefined, txqlen: number | undefined;
    let alias: string | undefined, operstate: string | undefined, carrier: boolean | undefined, group: number | undefined;
    let promiscuity: number | undefined, numTxQueues: number | undefined, numRxQueues: number | undefined;
    let stats: LinkStats | undefined, kind: string | undefined;
    let infoStart = -1, infoLen = 0, needsKindCodec = false, hasUnknown = false;
    const attrsStart = hdr + align4(IFINFO_LEN);
    const end = msg + msgLen;
    let off = attrsStart;
    for (; off + 4 <= end;) {
      const len = view.getUint16(off, true);
      if (len < 4 || off + len > end) throw new MalformedMessage(`malformed attribute: length ${len} at offset ${off - attrsStart} of ${end - attrsStart}`);
      const type = view.getUint16(off + 2, true) & NLA_TYPE_MASK;
      const at = off + 4, alen = len - 4;
      switch (type <= IFLA_MAX ? FIELD[type] : UNKNOWN) {
        case 1: // IFLA_IFNAME
          name = r.str(at, alen); break;
        case 2: // IFLA_MTU
          mtu = r.u32(at, alen, type); break;
        case 3: // IFLA_MIN_MTU
          minMtu = r.u32(at, alen, type); break;
        case 4: // IFLA_MAX_MTU
          maxMtu = r.u32(at, alen, type); break;
        case 5: // IFLA_ADDRESS
          address = r.mac(at, alen); break;
        case 6: // IFLA_BROADCAST
          broadcast = r.mac(at, alen); break;
        case 7: // IFLA_PERM_ADDRESS
          permAddress = r.mac(at, alen); break;
        case 8: // IFLA_MASTER
          master = r.u32(at, alen, type); break;
        case 9: // IFLA_LINK
          link = r.u32(at, alen, type); break;
        case 10: // IFLA_LINK_NETNSID
          r.u32(at, alen, type); linkNetnsId = view.getInt32(at, true); break;
        case 11: // IFLA_TXQLEN
          txqlen = r.u32(at, alen, type); break;
        case 12: // IFLA_IFALIAS
          alias = r.str(at, alen); break;
        case 13: // IFLA_OPERSTATE
          if (alen < 1) throw new MalformedMessage(`attribute ${type}: 0 bytes, expected 1`);
          operstate = OPERSTATE[buf[at]] ?? 'UNKNOWN';
          break;
        case 14: // IFLA_CARRIER
          if (alen < 1) throw new MalformedMessage(`attribute ${type}: 0 bytes, expected 1`);
          carrier = buf[at] !== 0;
          break;
        case 15: // IFLA_GROUP
          group = r.u32(at, alen, type); break;
        case 16: // IFLA_PROMISCUITY
          promiscuity = r.u32(at, alen, type); break;
        case 17: // IFLA_NUM_TX_QUEUES
          numTxQueues = r.u32(at, alen, type); break;
        case 18: // IFLA_NUM_RX_QUEUES
          numRxQueues = r.u32(at, alen, type); break;
        case 19: // IFLA_STATS64
          stats = r.stats(at, alen, type); break;
        case 20: { // IFLA_LINKINFO
          // The kind is read here; anything more is the kind codecs' (below, in one native call).
          infoStart = at;
          infoLen = alen;
          kind = undefined;
          needsKindCodec = false;
          for (let i = at; i + 4 <= at + alen;) {
            const ilen = view.getUint16(i, true);
            if (ilen < 4 || i + ilen > at + alen) throw new MalformedMessage(`malformed attribute: length ${ilen} in IFLA_LINKINFO`);
            const itype = view.getUint16(i + 2, true) & NLA_TYPE_MASK;
            if (itype === IFLA_INFO_KIND) kind = r.str(i + 4, ilen - 4);
            else if (itype === IFLA_INFO_DATA || itype === IFLA_INFO_SLAVE_KIND || itype === IFLA_INFO_SLAVE_DATA) needsKindCodec = true;
            i += align4(ilen);
          }
          break;
        }
        case UNKNOWN: hasUnknown = true; break;
        default: break; // known to the headers, not read into a Link (af_spec, xdp, qdisc ...)
      }
      off += align4(len);
    }
    if (off < end && end - off >= 4) throw new MalformedMessage('malformed attribute stream');
    const index = view.getInt32(hdr + IFI_INDEX, true);
    const family = buf[hdr + IFI_FAMILY];
    const type = view.getUint16(hdr + IFI_TYPE, true);
    const up = (flags & IFF_UP) !== 0;
    let l: Link;
    if (name !== undefined && mtu !== undefined && minMtu !== undefined && maxMtu !== undefined && address !== undefined &&
        broadcast !== undefined && txqlen !== undefined && operstate !== undefined && carrier !== undefined && group !== undefined &&
        promiscuity !== undefined && numTxQueues !== undefined && numRxQueues !== undefined && stats !== undefined) {
      // What every link of a real kernel has: one literal, so that the object is
      // made whole at once (fields added one by one outgrow it again and again).
      l = { index, family, type, flags, up, name, mtu, minMtu, maxMtu, address, broadcast, txqlen, operstate, carrier, group, promiscuity, numTxQueues, numRxQueues, stats };
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
      if (stats !== undefined) l.stats = stats;
    }
    // Then what only some links have, always in this order, so that links alike share their hidden class.
    if (permAddress !== undefined) l.permAddress = permAddress;
    if (master !== undefined) l.master = master;
    if (link !== undefined) l.link = link;
    if (linkNetnsId !== undefined) l.linkNetnsId = linkNetnsId;
    if (alias !== undefined) l.alias = alias;
    if (kind !== undefined && !needsKindCodec) l.kind = kind;
    if (needsKindCodec) {
      infoRanges.push(infoStart, infoLen);
      infoOwners.push(l);
    }
    if (hasUnknown && keepUnknown) l.unknown = readUnknown(buf, attrsStart, end);
    links.push(l);
    msg = next;
  }
  if (infoOwners.length > 0) {
    const infos = native.parseLinkInfos(buf, infoRanges);
    infoOwners.forEach((l, i) => Object.assign(l, infos[i]));
  }
  return links;
}
