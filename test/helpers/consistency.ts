// An independent consistency checker for netplumb's state: it reads the
// SQLite file directly (its tables, not netplumb's store code), the kernel
// through iproute2 and nft (`ip -j`, `ip netns`, `nft -j`), and the file system
// and /proc/self/mountinfo, and lists every disagreement:
//   - records of changes still in progress (creating/removing), dangling
//     endpoints, address rows without their endpoint or twice, names twice;
//   - bridges, veths, namespaces, mounts under /run/netplumb and /run/netns,
//     files under /etc/netns and /run/netplumb that have no record;
//   - records whose bridge, veth, namespace, address or files are missing;
//   - names the DNS server does not answer, hosts files that do not list a sandbox's peers (networks without DNS);
//   - nf_tables elements and rules owned by a network or endpoint that is gone.
// An empty list means store and kernel agree.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';
import { ipj, listDir } from './cli';

interface Net { id: string; name: string; driver: string; subnet: string; gateway: string; device: string; status: string; isDefault: boolean }
interface Sb { id: string; name: string; netns?: string; mode: { kind: string; sandboxId?: string }; status: string }
interface Ep { id: string; networkId: string; sandboxId: string; ifname: string; hostIfname?: string; address: string; prefixlen: number; mac: string; status?: string }

export interface StoreDump {
  networks: Net[];
  sandboxes: Sb[];
  endpoints: Ep[];
  addresses: Array<{ network_id: string; address: string; owner: string }>;
  /** Rows of other tables that name an owner (port reservations ...): table, column, value. */
  owned: Array<{ table: string; column: string; value: string }>;
}

/** Every row of the state database, read straight from the file. */
export function readStore(stateDir = process.env.NETPLUMB_STATE_DIR!): StoreDump {
  const file = path.join(stateDir, 'netplumb.db');
  if (!fs.existsSync(file)) return { networks: [], sandboxes: [], endpoints: [], addresses: [], owned: [] };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const docs = <T>(table: string) => (db.prepare(`SELECT data FROM ${table}`).all() as Array<{ data: string }>).map((r) => JSON.parse(r.data) as T);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
    const owned: StoreDump['owned'] = [];
    for (const table of tables) {
      if (['networks', 'sandboxes', 'endpoints', 'addresses', 'cursors'].includes(table)) continue;
      const columns = (db.prepare(`PRAGMA table_info(${JSON.stringify(table)})`).all() as Array<{ name: string }>).map((c) => c.name);
      for (const column of columns.filter((c) => c === 'owner' || c === 'endpoint_id'))
        for (const row of db.prepare(`SELECT ${JSON.stringify(column)} AS v FROM ${JSON.stringify(table)}`).all() as Array<{ v: string }>)
          owned.push({ table, column, value: row.v });
    }
    return {
      networks: docs<Net>('networks'),
      sandboxes: docs<Sb>('sandboxes'),
      endpoints: docs<Ep>('endpoints'),
      addresses: db.prepare('SELECT network_id, address, owner FROM addresses').all() as StoreDump['addresses'],
      owned,
    };
  } finally {
    db.close();
  }
}

/** Mount points, from /proc/self/mountinfo (field 5). */
function mountPoints(): Set<string> {
  return new Set(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[4].replace(/\\040/g, ' ')));
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function inSubnet(ip: string, cidr: string): boolean {
  const [base, len] = cidr.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(ipToNumber(ip) / size) === Math.floor(ipToNumber(base) / size);
}

export interface CheckOptions {
  /** Namespaces made by something else than netplumb (other tests) that are not ours to judge. */
  foreignNetns?: (name: string) => boolean;
}

type IpLink = { ifname: string; ifalias?: string; master?: string; flags?: string[]; address?: string; linkinfo?: { info_kind?: string } };
type IpAddr = { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> };

/** Every disagreement between the store, the kernel and the files; empty when they agree. */
export function checkConsistency(options: CheckOptions = {}): string[] {
  const problems: string[] = [];
  const bad = (text: string) => problems.push(text);
  const store = readStore();
  const foreign = options.foreignNetns ?? (() => false);

  // The store on its own.
  const netById = new Map(store.networks.map((n) => [n.id, n]));
  const sbById = new Map(store.sandboxes.map((s) => [s.id, s]));
  const epById = new Map(store.endpoints.map((e) => [e.id, e]));
  for (const n of store.networks) if (n.status !== 'ready') bad(`network ${n.name} is still marked ${n.status}`);
  for (const s of store.sandboxes) if (s.status !== 'ready') bad(`sandbox ${s.name} is still marked ${s.status}`);
  for (const [what, names] of [['network', store.networks.map((n) => n.name)], ['sandbox', store.sandboxes.map((s) => s.name)]] as const) {
    const dup = names.filter((n, i) => names.indexOf(n) !== i);
    if (dup.length) bad(`${what} names recorded twice: ${dup.join(', ')}`);
  }
  for (const e of store.endpoints) {
    if (e.status) bad(`endpoint ${e.id.slice(0, 12)} is still marked ${e.status}`);
    if (!netById.has(e.networkId)) bad(`endpoint ${e.id.slice(0, 12)} is on a network that has no record`);
    if (!sbById.has(e.sandboxId)) bad(`endpoint ${e.id.slice(0, 12)} belongs to a sandbox that has no record`);
  }
  const rowsOf = new Map<string, number>();
  for (const a of store.addresses) {
    rowsOf.set(a.owner, (rowsOf.get(a.owner) ?? 0) + 1);
    const ep = epById.get(a.owner);
    if (!ep) bad(`address ${a.address} is leased to ${a.owner.slice(0, 12)}, which is no endpoint`);
    else if (ep.address !== a.address || ep.networkId !== a.network_id) bad(`address lease ${a.address} does not match endpoint ${a.owner.slice(0, 12)} (${ep.address})`);
  }
  for (const e of store.endpoints) if (rowsOf.get(e.id) !== 1) bad(`endpoint ${e.id.slice(0, 12)} (${e.address}) holds ${rowsOf.get(e.id) ?? 0} address leases`);
  for (const n of store.networks) {
    const addrs = store.endpoints.filter((e) => e.networkId === n.id).map((e) => e.address);
    const dup = addrs.filter((a, i) => addrs.indexOf(a) !== i);
    if (dup.length) bad(`network ${n.name} hands out ${dup.join(', ')} twice`);
    for (const a of addrs) if (!inSubnet(a, n.subnet) || a === n.gateway) bad(`network ${n.name}: address ${a} is outside ${n.subnet} or the gateway`);
  }
  for (const o of store.owned) if (!epById.has(o.value) && !netById.has(o.value)) bad(`${o.table}.${o.column} = ${o.value.slice(0, 16)} names no endpoint or network`);

  // The host's links.
  const links = ipj<IpLink[]>('-d', 'link', 'show');
  const linkByName = new Map(links.map((l) => [l.ifname, l]));
  const addrs = ipj<IpAddr[]>('addr', 'show');
  const hostAddrs = new Map(addrs.map((a) => [a.ifname, a.addr_info.filter((i) => i.family === 'inet').map((i) => `${i.local}/${i.prefixlen}`)]));
  for (const n of store.networks) {
    if (n.driver !== 'bridge') continue;
    const l = linkByName.get(n.device);
    if (!l) { bad(`network ${n.name}: bridge ${n.device} is missing`); continue; }
    if (l.linkinfo?.info_kind !== 'bridge') bad(`network ${n.name}: ${n.device} is not a bridge`);
    if (l.ifalias !== `netplumb network ${n.id}`) bad(`network ${n.name}: ${n.device} lacks its owner tag`);
    const want = `${n.gateway}/${n.subnet.split('/')[1]}`;
    if (!(hostAddrs.get(n.device) ?? []).includes(want)) bad(`network ${n.name}: ${n.device} lacks address ${want}`);
    if (!l.flags?.includes('UP')) bad(`network ${n.name}: ${n.device} is down`);
  }
  for (const l of links) {
    const tag = /^netplumb network ([0-9a-f]{64})$/.exec(l.ifalias ?? '');
    if (tag && !netById.has(tag[1])) bad(`bridge ${l.ifname} is tagged for network ${tag[1].slice(0, 12)}, which has no record`);
    if (/^np[0-9a-f]{12}$/.test(l.ifname) && l.linkinfo?.info_kind === 'veth') {
      const owners = store.endpoints.filter((e) => e.hostIfname === l.ifname);
      if (owners.length !== 1) { bad(`veth ${l.ifname} belongs to ${owners.length} endpoints`); continue; }
      const net = netById.get(owners[0].networkId);
      if (net && l.master !== net.device) bad(`veth ${l.ifname} is not a port of ${net.device} (master ${l.master ?? 'none'})`);
    }
  }
  for (const e of store.endpoints) if (e.hostIfname && !linkByName.has(e.hostIfname)) bad(`endpoint ${e.address} of ${sbById.get(e.sandboxId)?.name}: host veth ${e.hostIfname} is missing`);

  // Namespaces, mounts and files.
  const netns = ipj<Array<{ name: string }>>('netns', 'list').map((n) => n.name).filter((n) => !foreign(n));
  const ownNetns = store.sandboxes.filter((s) => s.mode.kind === 'networks' || s.mode.kind === 'none');
  const withNs = store.sandboxes.filter((s) => s.mode.kind !== 'host');
  for (const name of netns) if (!ownNetns.some((s) => s.netns === name)) bad(`namespace ${name} has no sandbox`);
  const mounts = mountPoints();
  for (const s of ownNetns) {
    if (!netns.includes(s.netns!)) { bad(`sandbox ${s.name}: namespace ${s.netns} is missing`); continue; }
    if (!mounts.has(`/run/netns/${s.netns}`)) bad(`sandbox ${s.name}: /run/netns/${s.netns} is not mounted`);
    const inside = ipj<IpAddr[]>('-n', s.netns!, 'addr', 'show');
    for (const e of store.endpoints.filter((x) => x.sandboxId === s.id)) {
      const dev = inside.find((a) => a.ifname === e.ifname);
      if (!dev) bad(`sandbox ${s.name}: ${e.ifname} is missing`);
      else if (!dev.addr_info.some((a) => a.family === 'inet' && a.local === e.address && a.prefixlen === e.prefixlen)) bad(`sandbox ${s.name}: ${e.ifname} lacks ${e.address}/${e.prefixlen}`);
    }
    const extra = inside.filter((a) => a.ifname !== 'lo' && !store.endpoints.some((e) => e.sandboxId === s.id && e.ifname === a.ifname));
    for (const x of extra) bad(`sandbox ${s.name}: link ${x.ifname} has no endpoint record`);
  }
  for (const m of mounts) {
    if (m.startsWith('/run/netns/') && !foreign(path.basename(m)) && !ownNetns.some((s) => `/run/netns/${s.netns}` === m)) bad(`mount ${m} has no sandbox`);
    if (m.startsWith('/run/netplumb/ns/') && !withNs.some((s) => m === `/run/netplumb/ns/${s.name}.uts` || m === `/run/netplumb/ns/${s.name}.mnt`)) bad(`mount ${m} has no sandbox`);
  }
  const nsFiles = listDir('/run/netplumb/ns');
  for (const f of nsFiles) if (!withNs.some((s) => f === `${s.name}.uts` || f === `${s.name}.mnt`)) bad(`file /run/netplumb/ns/${f} has no sandbox`);
  for (const s of withNs) for (const kind of ['uts', 'mnt']) {
    const file = `/run/netplumb/ns/${s.name}.${kind}`;
    if (!nsFiles.includes(`${s.name}.${kind}`)) bad(`sandbox ${s.name}: ${file} is missing`);
    else if (!mounts.has(file)) bad(`sandbox ${s.name}: ${file} is not mounted`);
  }
  for (const f of listDir('/run/netplumb/sandboxes')) {
    const name = f.replace(/\.log$/, '');
    const sb = store.sandboxes.find((s) => s.name === name);
    if (!sb) { bad(`file /run/netplumb/sandboxes/${f} has no sandbox`); continue; }
    if (!f.endsWith('.log') && fs.readFileSync(`/run/netplumb/sandboxes/${f}`, 'utf8').trim() !== sb.id) bad(`marker of ${name} names another id`);
  }
  for (const s of store.sandboxes) if (!fs.existsSync(`/run/netplumb/sandboxes/${s.name}`)) bad(`sandbox ${s.name}: its marker is missing`);
  for (const d of listDir('/etc/netns')) if (!foreign(d) && !ownNetns.some((s) => s.name === d)) bad(`folder /etc/netns/${d} has no sandbox`);

  // Names: on a user-defined bridge network netplumb's DNS server (on the
  // gateway) answers every member's name, asked from inside a member with
  // dig; on the others (macvlan) every member's hosts file lists the others.
  const servedByDns = (net: Net) => !net.isDefault && net.driver === 'bridge';
  for (const net of store.networks.filter((n) => servedByDns(n) && n.status === 'ready')) {
    const members = store.endpoints.filter((e) => e.networkId === net.id && !e.status)
      .map((e) => ({ ep: e, sb: sbById.get(e.sandboxId) })).filter((m) => m.sb && m.sb.status === 'ready' && m.sb.netns);
    const asker = members[0];
    if (!asker) continue;
    for (const { ep, sb } of members) {
      const r = spawnSync('ip', ['netns', 'exec', asker.sb!.netns!, 'dig', '+short', '+time=2', '+tries=2', `@${net.gateway}`, sb!.name], { encoding: 'utf8', timeout: 20000 });
      const answers = (r.stdout ?? '').split('\n').filter(Boolean);
      if (!answers.includes(ep.address)) bad(`network ${net.name}: the DNS server does not answer ${sb!.name} with ${ep.address} (dig: ${answers.join(' ') || r.stderr?.trim() || 'no answer'})`);
    }
  }
  for (const s of store.sandboxes.filter((x) => x.mode.kind === 'networks')) {
    let hosts: string;
    try { hosts = fs.readFileSync(`/etc/netns/${s.name}/hosts`, 'utf8'); } catch { bad(`sandbox ${s.name}: /etc/netns/${s.name}/hosts is missing`); continue; }
    const lines = hosts.split('\n').map((l) => l.split(/\s+/));
    for (const own of store.endpoints.filter((e) => e.sandboxId === s.id)) {
      const net = netById.get(own.networkId);
      if (!net || net.isDefault) continue;
      for (const peer of store.endpoints.filter((e) => e.networkId === net.id && e.sandboxId !== s.id && !servedByDns(net))) {
        const peerName = sbById.get(peer.sandboxId)?.name;
        if (!lines.some((l) => l[0] === peer.address && l.includes(peerName ?? ''))) bad(`sandbox ${s.name}: hosts lacks ${peerName} ${peer.address}`);
      }
      for (const l of lines) {
        if (!l[0] || !/^\d+\.\d+\.\d+\.\d+$/.test(l[0]) || !inSubnet(l[0], net.subnet)) continue;
        if (!store.endpoints.some((e) => e.networkId === net.id && e.address === l[0])) bad(`sandbox ${s.name}: hosts lists ${l.join(' ')}, which no endpoint holds`);
      }
    }
  }

  // The source guard: every bridge port may send only as its endpoint.
  const guard = spawnSync('nft', ['-j', 'list', 'set', 'bridge', 'netplumb_guard', 'sources'], { encoding: 'utf8' });
  const guarded = new Set<string>();
  if (guard.status === 0) {
    const set = (JSON.parse(guard.stdout).nftables as Array<{ set?: { elem?: Array<{ elem: { val: { concat: string[] } } }> } }>).find((x) => x.set)?.set;
    for (const e of set?.elem ?? []) guarded.add(e.elem.val.concat.join(' '));
  }
  for (const e of store.endpoints) {
    if (!e.hostIfname || e.status) continue;
    const mac = e.mac;
    if (!guarded.has(`${e.hostIfname} ${mac} ${e.address}`)) bad(`endpoint ${e.address} of ${sbById.get(e.sandboxId)?.name}: port ${e.hostIfname} is not guarded (anti-spoofing)`);
  }

  // nf_tables: everything tagged with an owner belongs to a live record.
  const nft = spawnSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8' });
  if (nft.status === 0 && nft.stdout.trim()) {
    const text = nft.stdout;
    for (const m of text.matchAll(/"comment":\s*"(net|ep):([0-9a-zA-Z_.-]+)"/g)) {
      const [, kind, id] = m;
      if (kind === 'net' && !netById.has(id)) bad(`nf_tables holds an entry of network ${id.slice(0, 12)}, which has no record`);
      if (kind === 'ep' && !epById.has(id)) bad(`nf_tables holds an entry of endpoint ${id.slice(0, 12)}, which has no record`);
    }
  }
  return [...new Set(problems)];
}

/** Waits (up to `ms`) for the processes to be gone: a killed command's helper children die with it, a moment later. */
export async function waitGone(pids: number[], ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = pids.filter((p) => { try { return fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z'; } catch { return false; } });
    if (!alive.length || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
