// Measurement 3: listing every link, with 1,000 and 10,000 links in a
// namespace of their own (veth pairs made by the floor's fixture mode; the
// kernel here has no dummy links). Each peer runs inside that namespace
// (nsenter) and lists REPEATS times in one process, timing itself, except
// `ip -j link`, which is a process per listing and is timed here.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { NPM_NETLINK_DIR, PYTHON, REPO } from './peers';
import { monotonicNs, run } from './proc';

export const LIST_NETNS = 'bench-list';

export interface ListPeer {
  name: string;
  /** Per-listing times in ns, and the number of links the peer saw. */
  list(repeats: number): { runsNs: number[]; count: number };
}

function inNetns(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync('nsenter', [`--net=/run/netns/${LIST_NETNS}`, '--', cmd, ...args], { encoding: 'utf8', cwd, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout;
}

function selfTimed(name: string, cmd: string, args: string[], cwd?: string): ListPeer {
  return {
    name,
    list(repeats) {
      const out = inNetns(cmd, [...args, String(repeats)], cwd);
      return JSON.parse(out.trim().split('\n').pop()!) as { runsNs: number[]; count: number };
    },
  };
}

export function listPeers(floor: string, have: { pyroute2: boolean; npmNetlink: boolean }): { floor: ListPeer; all: ListPeer[] } {
  const floorPeer = selfTimed('C floor', floor, ['list']);
  const all: ListPeer[] = [
    floorPeer,
    selfTimed('netplumb linkList()', process.execPath, [path.join(REPO, 'dist/bench/drivers/netplumb-list.js')]),
  ];
  if (have.pyroute2) all.push(selfTimed('pyroute2 get_links()', PYTHON, [path.join(REPO, 'bench/peers/pyroute2_driver.py'), 'list']));
  if (have.npmNetlink) all.push(selfTimed('npm netlink getLinks()', process.execPath, [path.join(NPM_NETLINK_DIR, 'list.js')], NPM_NETLINK_DIR));
  all.push({
    name: 'ip -j link (process)',
    list(repeats) {
      const runsNs: number[] = [];
      let count = 0;
      for (let r = 0; r < repeats; r++) {
        const t0 = monotonicNs();
        const out = run('ip', ['-n', LIST_NETNS, '-j', 'link', 'show']);
        runsNs.push(monotonicNs() - t0);
        count = (JSON.parse(out) as unknown[]).length;
      }
      return { runsNs, count };
    },
  });
  return { floor: floorPeer, all };
}

/** The namespace with `pairs` veth pairs (plus lo) in it. */
export function growLinks(floor: string, fromPairs: number, toPairs: number): void {
  if (fromPairs === 0) run('ip', ['netns', 'add', LIST_NETNS]);
  inNetns(floor, ['make-links', 'l', String(fromPairs), String(toPairs)]);
}

export function dropLinks(): void {
  run('ip', ['netns', 'del', LIST_NETNS]);
}
