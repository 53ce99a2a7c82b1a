// The independent oracle for conntrack: Debian's conntrack(8) (conntrack-tools,
// libnetfilter_conntrack) run inside a namespace, its XML output parsed.
import { execFileSync } from 'child_process';
import { XMLParser } from 'fast-xml-parser';
import type { NetNs } from '../../src/netns';

export interface OracleTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
}

export interface OracleFlow {
  family: string;
  protocol: string;
  original: OracleTuple;
  reply: OracleTuple;
  state?: string;
  mark?: number;
  zone?: number;
  id?: number;
  assured: boolean;
  unreplied: boolean;
  counters?: { original?: { packets: number; bytes: number }; reply?: { packets: number; bytes: number } };
}

interface XmlMeta {
  direction: string;
  layer3?: { protoname: string; src: string; dst: string };
  layer4?: { protoname: string; sport?: string; dport?: string };
  counters?: { packets: string; bytes: string };
  state?: string;
  mark?: string;
  zone?: string;
  id?: string;
  assured?: string;
  unreplied?: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  isArray: (name) => name === 'flow' || name === 'meta',
});

function tuple(meta: XmlMeta): OracleTuple {
  const t: OracleTuple = { src: meta.layer3!.src, dst: meta.layer3!.dst };
  if (meta.layer4?.sport !== undefined) t.sport = Number(meta.layer4.sport);
  if (meta.layer4?.dport !== undefined) t.dport = Number(meta.layer4.dport);
  return t;
}

/** `ip netns exec NS conntrack -L [-f FAMILY] -o xml`, parsed. */
export function conntrackOracle(ns: NetNs, family?: 'ipv4' | 'ipv6'): OracleFlow[] {
  const args = ['netns', 'exec', ns.name!, 'conntrack', '-L', ...(family ? ['-f', family] : []), '-o', 'xml'];
  return parseConntrackXml(execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

/** conntrack(8)'s `-o xml` output as flows. */
export function parseConntrackXml(xml: string): OracleFlow[] {
  if (!xml.trim()) return [];
  const doc = parser.parse(xml) as { conntrack?: { flow?: Array<{ meta: XmlMeta[] }> } | string };
  const flows = typeof doc.conntrack === 'object' ? doc.conntrack.flow ?? [] : [];
  return flows.map(({ meta }) => {
    const original = meta.find((m) => m.direction === 'original')!;
    const reply = meta.find((m) => m.direction === 'reply')!;
    const independent = meta.find((m) => m.direction === 'independent') ?? ({ direction: 'independent' } as XmlMeta);
    const flow: OracleFlow = {
      family: original.layer3!.protoname,
      protocol: original.layer4!.protoname,
      original: tuple(original),
      reply: tuple(reply),
      assured: independent.assured !== undefined,
      unreplied: independent.unreplied !== undefined,
    };
    if (independent.state !== undefined) flow.state = independent.state;
    if (independent.mark !== undefined) flow.mark = Number(independent.mark);
    if (independent.zone !== undefined) flow.zone = Number(independent.zone);
    if (independent.id !== undefined) flow.id = Number(independent.id);
    if (original.counters || reply.counters) {
      flow.counters = {};
      if (original.counters) flow.counters.original = { packets: Number(original.counters.packets), bytes: Number(original.counters.bytes) };
      if (reply.counters) flow.counters.reply = { packets: Number(reply.counters.packets), bytes: Number(reply.counters.bytes) };
    }
    return flow;
  });
}

/** Turns a conntrack rule set on in a namespace: a `ct state` match makes the kernel register its hooks there. */
export function activateConntrack(ns: NetNs): void {
  const rules = [
    'add table inet nptest_ct',
    "add chain inet nptest_ct out { type filter hook output priority 0; }",
    "add chain inet nptest_ct in { type filter hook input priority 0; }",
    'add rule inet nptest_ct out ct state new counter',
    'add rule inet nptest_ct in ct state new counter',
  ];
  execFileSync('ip', ['netns', 'exec', ns.name!, 'nft', '-f', '-'], { input: rules.join('\n') + '\n' });
}
