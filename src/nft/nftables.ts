// An nf_tables handle: one NETLINK_NETFILTER socket bound to one network
// namespace (opened inside it on a dedicated thread, like the rtnetlink
// Handle), batches of changes committed atomically, and readers returning
// typed tables, chains, rules, sets and elements.
//
//   const nft = await Nftables.open({ netns: ns });
//   await nft.batch()
//     .addTable({ family: 'ip', name: 'np' })
//     .addChain({ family: 'ip', table: 'np', name: 'post', hook: 'postrouting', type: 'nat' })
//     .addRule({ family: 'ip', table: 'np', chain: 'post' }, rule().ipSaddr('10.0.0.0/8').oifname('np0', '!=').masquerade())
//     .commit();
//
// netplumb changes only tables it created (their comment says "netplumb"):
// a batch that touches any other table is refused before anything is sent.
import { K, type NativeRequest, type NativeResult, type NativeSocket } from '../../bindings';
import { NetlinkError } from '../errors';
import type { NetNs } from '../netns';
import { NetlinkEvents } from '../netlink/events';
import { openSocketIn } from '../netlink/open-socket';
import { KeyType } from './datatypes';
import { NftBatch, type BatchTarget } from './batch';
import { isOwnedComment, checkFamily, checkName } from './names';
import type { SetShape } from './sets';
import { commentOf, UDATA } from './userdata';
import type { Chain, Element, Expression, Family, NftSet, Rule, SetRef, Table, TableRef } from './types';

export interface NftOpenOptions {
  /** The namespace to act in: a NetNs, or the name of one under /run/netns. Default: this process's. */
  netns?: NetNs | string;
}

type Raw = Record<string, unknown>;

export class Nftables implements BatchTarget {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(private readonly socket: NativeSocket, readonly netns: NetNs | undefined) {}

  /** Opens a handle in this process's namespace, or in `options.netns`. */
  static async open(options: NftOpenOptions = {}): Promise<Nftables> {
    const { socket, ns } = await openSocketIn(K.NETLINK_NETFILTER, options.netns);
    return new Nftables(socket, ns);
  }

  /** @internal A handle over a socket already opened inside `netns` (see openNewNetns). */
  static fromOpenSocket(socket: NativeSocket, netns: NetNs): Nftables {
    return new Nftables(socket, netns);
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  /** `nft monitor`: an async iterator of nf_tables changes in this handle's namespace. */
  events(): Promise<NetlinkEvents> {
    return NetlinkEvents.openNftables(this.netns);
  }

  /** Starts a batch of changes; nothing is sent until its commit(). */
  batch(): NftBatch {
    return new NftBatch(this);
  }

  private run(requests: NativeRequest[], transaction: boolean): Promise<NativeResult[]> {
    if (this.closed) return Promise.reject(new Error('nftables handle is closed'));
    const next = this.queue.then(() => this.socket.execute(requests, transaction));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async dump(request: NativeRequest): Promise<Raw[]> {
    const [r] = await this.run([request], false);
    if (r instanceof Error) throw r;
    return r;
  }

  /** @internal BatchTarget */
  transact(requests: NativeRequest[]): Promise<NativeResult[]> {
    return this.run(requests, true);
  }

  /** @internal BatchTarget: every table a batch touches must be netplumb's, or be created by it and not exist. */
  async checkOwnership(tables: TableRef[], creating: Set<string>): Promise<void> {
    const results = await this.run(tables.map((t) => ({ op: 'nft.table.get', args: { family: t.family, name: t.name } })), false);
    results.forEach((r, i) => {
      const t = tables[i];
      const id = `${t.family} ${t.name}`;
      if (r instanceof NetlinkError && r.code === 'ENOENT') {
        if (creating.has(id)) return;
        throw new NetlinkError({ errno: r.errno, op: 'NFT_MSG_GETTABLE', action: 'find table', object: id, detail: 'add it in the same batch first' });
      }
      if (r instanceof Error) throw r;
      const comment = commentOf(r[0]?.userdata as Buffer | undefined);
      if (!isOwnedComment(comment))
        throw new RangeError(`table ${id} was not created by netplumb (its comment is ${comment === undefined ? 'absent' : JSON.stringify(comment)}); netplumb never changes other tables`);
    });
  }

  /** @internal BatchTarget */
  async setShape(ref: SetRef): Promise<SetShape> {
    const set = (await this.listSets({ family: ref.family, name: ref.table })).find((s) => s.name === ref.name);
    if (!set) throw new NetlinkError({ errno: 2, op: 'NFT_MSG_GETSET', action: 'find set', object: `${ref.family} ${ref.table} ${ref.name}` });
    if (!set.type || (set.map && set.map !== 'verdict' && !Array.isArray(set.map)))
      throw new RangeError(`set ${ref.table}/${ref.name}: its key type (id ${set.keyTypeId}) is not one netplumb can encode`);
    return {
      key: new KeyType(set.type.map((n) => KeyType.of(n, 'type').fields[0])),
      map: set.map === undefined ? undefined : set.map === 'verdict' ? 'verdict' : KeyType.of(set.map, 'map'),
      interval: set.flags.includes('interval'),
    };
  }

  /** `nft list tables [FAMILY]` */
  async listTables(family?: Family): Promise<Table[]> {
    if (family !== undefined) checkFamily(family);
    return (await this.dump({ op: 'nft.table.dump', args: { family } })).map((t) => {
      const comment = commentOf(t.userdata as Buffer | undefined);
      return {
        family: t.family as Family, name: t.name as string, handle: t.handle as number, flags: (t.flags as string[]) ?? [],
        comment, owned: isOwnedComment(comment), use: (t.use as number) ?? 0,
      };
    });
  }

  /** `nft list chains` of one table */
  async listChains(table: TableRef): Promise<Chain[]> {
    checkTable(table);
    return (await this.dump({ op: 'nft.chain.dump', args: { family: table.family } }))
      .filter((c) => c.table === table.name)
      .map((c) => {
        const hook = c.hook as Raw | undefined;
        return {
          family: c.family as Family, table: c.table as string, name: c.name as string, handle: c.handle as number,
          hook: hook?.hook as Chain['hook'], priority: hook?.priority as number | undefined, device: hook?.device as string | undefined,
          type: c.type as string | undefined, policy: c.policy as Chain['policy'],
        };
      });
  }

  /** `nft -a list chain|table ...`: the rules of a table, or of one chain, with handles. */
  async listRules(table: TableRef, chain?: string): Promise<Rule[]> {
    checkTable(table);
    if (chain !== undefined) checkName(chain, 'chain');
    return (await this.dump({ op: 'nft.rule.dump', args: { family: table.family, table: table.name, chain } })).map((r) => ({
      family: r.family as Family, table: r.table as string, chain: r.chain as string, handle: r.handle as number,
      comment: commentOf(r.userdata as Buffer | undefined), expressions: (r.expressions as Expression[]) ?? [],
    }));
  }

  /** `nft list sets` of one table (anonymous sets included, named __setN) */
  async listSets(table: TableRef): Promise<NftSet[]> {
    checkTable(table);
    return (await this.dump({ op: 'nft.set.dump', args: { family: table.family, table: table.name } })).map((s) => {
      const fields = (s.fields as number[] | undefined)?.length;
      const keyLen = s.keyLen as number;
      const flags = (s.flags as string[]) ?? [];
      const key = guessType(s.keyType as number, keyLen, fields);
      let map: NftSet['map'];
      if (flags.includes('map')) map = s.dataType === K.NFT_DATA_VERDICT ? 'verdict' : guessType(s.dataType as number, s.dataLen as number)?.names;
      return {
        family: s.family as Family, table: s.table as string, name: s.name as string, handle: s.handle as number, flags,
        type: key?.names, keyTypeId: s.keyType as number, keyLen, map, dataLen: s.dataLen as number | undefined,
        timeout: s.timeout as number | undefined, comment: commentOf(s.userdata as Buffer | undefined, UDATA.SET_COMMENT),
      };
    });
  }

  /** `nft list set|map FAMILY TABLE NAME`: its elements, decoded when netplumb knows the types. */
  async listElements(ref: SetRef): Promise<Element[]> {
    checkTable({ family: ref.family, name: ref.table });
    checkName(ref.name, 'set name');
    const set = (await this.listSets({ family: ref.family, name: ref.table })).find((s) => s.name === ref.name);
    if (!set) throw new NetlinkError({ errno: 2, op: 'NFT_MSG_GETSET', action: 'find set', object: `${ref.family} ${ref.table} ${ref.name}` });
    const key = set.type ? KeyType.of(set.type, 'type') : undefined;
    const data = set.map && set.map !== 'verdict' ? KeyType.of(set.map, 'map') : undefined;
    const out: Element[] = [];
    const decode = (b: unknown, t?: KeyType) => (Buffer.isBuffer(b) && t ? t.decode(b) : b);
    // Elements of one owner carry the same comment one after another: parse each distinct one once.
    let lastUserdata: Buffer | undefined;
    let lastComment: string | undefined;
    const comment = (userdata: Buffer | undefined) => {
      if (userdata === undefined) return undefined;
      if (lastUserdata === undefined || !userdata.equals(lastUserdata)) {
        lastUserdata = userdata;
        lastComment = commentOf(userdata, UDATA.SET_ELEM_COMMENT);
      }
      return lastComment;
    };
    for (const msg of await this.dump({ op: 'nft.setelem.dump', args: { family: ref.family, table: ref.table, set: ref.name } })) {
      for (const e of msg.elements as Raw[]) {
        out.push({
          key: decode(e.key, key), keyEnd: e.keyEnd === undefined ? undefined : decode(e.keyEnd, key),
          value: e.verdict !== undefined ? (e.chain ? { [e.verdict as string]: e.chain } : e.verdict) : decode(e.data, data),
          intervalEnd: ((e.flags as string[]) ?? []).includes('interval-end'),
          timeout: e.timeout as number | undefined, expires: e.expires as number | undefined,
          comment: comment(e.userdata as Buffer | undefined),
        });
      }
    }
    return out;
  }
}

function checkTable(t: TableRef): void {
  checkFamily(t.family);
  checkName(t.name, 'table');
}

/** The key type from the kernel's type id; the field count from the length when not recorded. */
function guessType(id: number, len: number, fields?: number): KeyType | undefined {
  for (let n = fields ?? 1; n <= (fields ?? 4); n++) {
    const t = KeyType.fromId(id, n);
    if (t && t.size === len) return t;
  }
  return undefined;
}
