// Helpers for the nf_tables tests: a batch that records instead of sending
// (record mode), the fixtures captured from `nft -f`, and `nft -j` as oracle.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { K, native, type NativeRequest, type NativeResult } from '../../bindings';
import { NftBatch, type BatchTarget } from '../../src/nft/batch';
import type { SetShape } from '../../src/nft/sets';
import type { NetNs } from '../../src/netns';

/** A batch whose commit only records the requests it would send. */
export function recordingBatch(): { batch: NftBatch; sent: () => NativeRequest[] } {
  let sent: NativeRequest[] = [];
  const target: BatchTarget = {
    async transact(requests: NativeRequest[]): Promise<NativeResult[]> {
      sent = requests;
      return requests.map(() => []);
    },
    async checkOwnership() {},
    async setShape(): Promise<SetShape> { throw new Error('recording batch: unknown set'); },
  };
  return { batch: new NftBatch(target), sent: () => sent };
}

/** The bytes the addon would send for requests in one transaction, split into messages. */
export function encodeMessages(requests: NativeRequest[]): Buffer[] {
  return splitMessages(native.encode(K.NETLINK_NETFILTER, requests, true));
}

export function splitMessages(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    const len = buf.readUInt32LE(off);
    out.push(buf.subarray(off, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

export interface Fixture {
  ruleset: string;
  debugNetlink: string;
  messages: Buffer[];
}

const fixtureDir = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'nft');

export function loadFixture(name: string): Fixture {
  const j = JSON.parse(fs.readFileSync(path.join(fixtureDir, `${name}.json`), 'utf8')) as { ruleset: string; debugNetlink: string; messages: string[] };
  return { ruleset: j.ruleset, debugNetlink: j.debugNetlink, messages: j.messages.map((h) => Buffer.from(h, 'hex')) };
}

export function fixturePath(name: string): string {
  return path.join(fixtureDir, name);
}

/** `nft -j list ruleset` in a namespace (or here), parsed. */
export function nftJson(ns?: NetNs, ...what: string[]): { nftables: Array<Record<string, Record<string, unknown>>> } {
  const args = what.length ? what : ['list', 'ruleset'];
  const cmd = ns ? ['ip', ['netns', 'exec', ns.name!, 'nft', '-j', ...args]] as const : ['nft', ['-j', ...args]] as const;
  return JSON.parse(execFileSync(cmd[0], [...cmd[1]], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}

/** `nft -f FILE` (or text on stdin) in a namespace. */
export function nftApply(ns: NetNs, text: string): void {
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, 'nft', '-f', '-'], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft -f failed: ${r.stderr}`);
}

/** The objects of one kind in `nft -j` output, without the metainfo record. */
export function jsonObjects(j: ReturnType<typeof nftJson>): Array<Record<string, Record<string, unknown>>> {
  return j.nftables.filter((o) => !('metainfo' in o));
}
