// Reading netlink bytes in tests: fixtures captured from iproute2 (see
// scripts/capture-rtnl-fixtures.js), messages split and normalised so that two
// encoders can be compared byte for byte where only run-to-run values differ.
import * as fs from 'fs';
import * as path from 'path';
import { K } from '../../bindings';

export const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'rtnl');

export interface RequestFixture {
  name: string;
  command: string;
  iproute2: string;
  kernel: string;
  exitStatus: number;
  stderr?: string;
  messages: Array<{ hex: string; strace: string }>;
  notes: string[];
}

export interface ReplyFixture {
  name: string;
  command: string;
  reply: string;
  ipJson: Record<string, unknown> & { linkinfo?: Record<string, unknown> };
}

export function loadFixture<T>(kind: 'requests' | 'replies', name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, kind, `${name}.json`), 'utf8')) as T;
}

export function fixtureNames(kind: 'requests' | 'replies'): string[] {
  return fs.readdirSync(path.join(FIXTURES, kind)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

const align = (n: number) => (n + 3) & ~3;

/** The messages of a buffer, each as its own copy. */
export function splitMessages(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    if (off + K.sizeof_nlmsghdr > buf.length) throw new Error(`trailing ${buf.length - off} bytes after the last message`);
    const len = buf.readUInt32LE(off);
    if (len < K.sizeof_nlmsghdr || off + len > buf.length) throw new Error(`bad nlmsg_len ${len} at ${off}`);
    out.push(Buffer.from(buf.subarray(off, off + len)));
    off += align(len);
  }
  return out;
}

/** sizeof the family header after nlmsghdr, by rtnetlink message type. */
function familyHeaderLength(type: number): number {
  const ranges: Array<[number, number, number]> = [
    [K.RTM_NEWLINK, K.RTM_GETLINK, K.sizeof_ifinfomsg],
    [K.RTM_NEWADDR, K.RTM_GETADDR, K.sizeof_ifaddrmsg],
    [K.RTM_NEWROUTE, K.RTM_GETROUTE, K.sizeof_rtmsg],
    [K.RTM_NEWNEIGH, K.RTM_GETNEIGH, K.sizeof_ndmsg],
  ];
  for (const [first, last, size] of ranges) if (type >= first && type <= last) return size;
  throw new Error(`no family header known for message type ${type}`);
}

export interface Attr {
  type: number;
  nested: boolean;
  /** Offset of the attribute header within its message. */
  offset: number;
  payload: Buffer;
  children?: Attr[];
}

/**
 * The attributes of `buf[start, end)`, descending into nests the caller names:
 * `isNest(path)` gets the types from the top down to the attribute at hand.
 * A nest may start with a fixed header (veth's peer carries an ifinfomsg).
 */
export function readAttrs(buf: Buffer, start: number, end: number, isNest: (path: number[]) => boolean | number, parents: number[] = []): Attr[] {
  const out: Attr[] = [];
  for (let off = start; off < end; ) {
    if (off + 4 > end) throw new Error(`truncated attribute header at ${off}`);
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    if (len < 4 || off + len > end) throw new Error(`bad nla_len ${len} at ${off}`);
    const type = rawType & ~K.NLA_F_NESTED;
    const attr: Attr = { type, nested: (rawType & K.NLA_F_NESTED) !== 0, offset: off, payload: buf.subarray(off + 4, off + len) };
    const path = [...parents, type];
    const nest = isNest(path);
    if (nest !== false) {
      const skip = typeof nest === 'number' ? nest : 0;
      attr.children = readAttrs(buf, off + 4 + skip, off + len, isNest, path);
    }
    out.push(attr);
    off += align(len);
  }
  return out;
}

/** The rtnetlink nests our requests use: IFLA_LINKINFO > INFO_DATA / SLAVE_DATA, veth's peer (an ifinfomsg, then a link), route metrics. */
export function rtnlNests(messageType: number): (path: number[]) => boolean | number {
  const isLink = messageType >= K.RTM_NEWLINK && messageType <= K.RTM_GETLINK;
  const linkNests = (p: number[]): boolean | number => {
    if (p.length === 1) return p[0] === K.IFLA_LINKINFO;
    if (p[0] !== K.IFLA_LINKINFO) return false;
    if (p.length === 2) return p[1] === K.IFLA_INFO_DATA || p[1] === K.IFLA_INFO_SLAVE_DATA;
    // Inside INFO_DATA: only veth's peer nests, and it holds a whole link.
    if (p.length === 3) return p[1] === K.IFLA_INFO_DATA && p[2] === K.VETH_INFO_PEER ? K.sizeof_ifinfomsg : false;
    return linkNests(p.slice(3));
  };
  return isLink ? linkNests : () => false;
}

function walk(attrs: Attr[], fn: (a: Attr, depth: number) => void, depth = 0): void {
  for (const a of attrs) {
    fn(a, depth);
    if (a.children) walk(a.children, fn, depth + 1);
  }
}

/**
 * A message with what legitimately differs between two encoders of the same
 * request set to zero: nlmsg_seq and nlmsg_pid, the NLA_F_NESTED flag (iproute2
 * never sets it, we always do), and IFLA_NET_NS_FD's value (a descriptor
 * number). Everything else must be identical, byte for byte.
 */
export function normalise(message: Buffer): Buffer {
  const m = Buffer.from(message);
  m.fill(0, 8, 16);
  const type = m.readUInt16LE(4);
  const isNest = rtnlNests(type);
  const attrs = readAttrs(m, K.sizeof_nlmsghdr + familyHeaderLength(type), m.readUInt32LE(0), isNest);
  walk(attrs, (a) => {
    m.writeUInt16LE(m.readUInt16LE(a.offset + 2) & ~K.NLA_F_NESTED, a.offset + 2);
  });
  // IFLA_NET_NS_FD sits at a link's top level: the message's, or a veth peer's.
  const linkLevels: Attr[][] = [];
  if (type >= K.RTM_NEWLINK && type <= K.RTM_GETLINK) linkLevels.push(attrs);
  walk(attrs, (a) => {
    if (a.type === K.VETH_INFO_PEER && a.children) linkLevels.push(a.children);
  });
  for (const level of linkLevels) for (const a of level) if (a.type === K.IFLA_NET_NS_FD) a.payload.fill(0);
  return m;
}

/** The message's attributes as a tree, with nests read per rtnlNests. */
export function attrTree(message: Buffer): Attr[] {
  const type = message.readUInt16LE(4);
  return readAttrs(message, K.sizeof_nlmsghdr + familyHeaderLength(type), message.readUInt32LE(0), rtnlNests(type));
}

/** Hex in 4-byte groups, so a failing comparison shows where the bytes part. */
export function groupedHex(buf: Buffer): string {
  return (buf.toString('hex').match(/.{1,8}/g) ?? []).join(' ');
}
