// Measurement 7: Docker itself as a peer, doing the jobs netplumb's CLI does,
// interleaved with it in the same session. Debian's dockerd (with the
// containerd it starts) runs inside the benchmark's throwaway network and mount
// namespace with its own data-root, exec-root, pidfile, socket and daemon.json,
// its containers' cgroups under the benchmark's own; the image is a rootfs of
// busybox-static alone, brought in with `docker import` (no registry). When
// the section ends dockerd is stopped, what it started is ended by process id,
// its mounts are undone and its folders and cgroups removed.
//   a. `network create` and `network rm`;
//   b. per-container network cost: `run --rm --network NET [-p H:C] IMG true`
//      minus `run --rm --network none IMG true`, for Docker and for netplumb;
//   c. one container publishing a 100-port range (and, in the full run, a
//      1,000-port range): time to start, the processes it left running
//      (Docker: docker-proxy) and their memory, time to remove;
//   d. 10 (and, in the full run, 50) concurrent `docker run -d` against as
//      many concurrent `netplumb create`.
// Every result is checked through iproute2 or nft, not through the peer.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BUSYBOX, busyboxStaticPresent, DOCKER, DOCKERD, REPO } from './peers';
import { monotonicNs, run } from './proc';
import { spread, type Spread } from './spread';

const CLI = path.join(REPO, 'dist/src/cli/main.js');
const IMAGE = 'netplumb-bench-busybox:latest';
/** Relative: containers' cgroups go under dockerd's own (the benchmark's), not under /docker at each hierarchy's root. */
const CGROUP_PARENT = 'netplumb-bench-docker';
/** Docker's networks and netplumb's: distinct subnets, distinct host ports. */
const DOCKER_NET = { name: 'dnet', subnet: '10.230.0.0/24', gateway: '10.230.0.1' };
const NETPLUMB_NET = { name: 'npnet', subnet: '10.231.0.0/24', gateway: '10.231.0.1' };
const DOCKER_CREATE_NET = { subnet: '10.232.0.0/24', gateway: '10.232.0.1' };
const NETPLUMB_CREATE_NET = { subnet: '10.233.0.0/24', gateway: '10.233.0.1' };
const DOCKER_RANGE_BASE = 20000;
const NETPLUMB_RANGE_BASE = 30000;

export interface DockerOptions { quick: boolean; scratch: string }

export interface TimedRow { what: string; runs: number; ms: Spread }
export interface ContainerCost {
  peer: 'docker' | 'netplumb';
  none: Spread; bridge: Spread; publish: Spread;
  /** Paired within each round (the runs of one round are seconds apart): bridge minus none, publish minus bridge. */
  network: Spread; publish1: Spread;
}
export interface RangeRow {
  peer: 'docker' | 'netplumb';
  ports: number;
  runs: number;
  startMs: Spread;
  removeMs: Spread;
  /** Processes left running by the start (Docker: docker-proxy), their summed RSS and PSS. */
  processes: number;
  rssMiB: number;
  pssMiB: number;
  /** What the kernel holds for the ports: Docker's DNAT rules (iptables -S), netplumb's nft map elements (nft -j). */
  kernelEntries: number;
}
export interface ConcurrentRow { peer: 'docker' | 'netplumb'; concurrent: number; runs: number; totalMs: Spread; addresses: number; distinct: number }
export interface DockerResult {
  version: string;
  commands: TimedRow[];
  containerCost: ContainerCost[];
  ranges: RangeRow[];
  concurrent: ConcurrentRow[];
  notes: string[];
}

/** A dockerd of the benchmark's own, inside its sandbox. */
class Dockerd {
  readonly sock: string;
  private readonly log: string;
  private child: ChildProcess | undefined;
  private exited = false;

  constructor(readonly dir: string) {
    this.sock = path.join(dir, 'docker.sock');
    this.log = path.join(dir, 'dockerd.log');
  }

  /** Starts dockerd and waits for its API; returns why it could not, or undefined. */
  async start(): Promise<string | undefined> {
    for (const sub of ['data', 'exec']) fs.mkdirSync(path.join(this.dir, sub), { recursive: true });
    const config = path.join(this.dir, 'daemon.json');
    fs.writeFileSync(config, '{}\n'); // not /etc/docker/daemon.json: nothing of the machine's configuration
    const out = fs.openSync(this.log, 'a');
    // setpriv --pdeathsig: should the benchmark die without stopping it, dockerd gets SIGTERM and shuts down (with its containerd).
    const [cmd, pre] = haveCommand('setpriv') ? ['setpriv', ['--pdeathsig', 'TERM', DOCKERD]] : [DOCKERD, []];
    this.child = spawn(cmd, [...pre,
      '--config-file', config,
      '--data-root', path.join(this.dir, 'data'),
      '--exec-root', path.join(this.dir, 'exec'),
      '--pidfile', path.join(this.dir, 'dockerd.pid'),
      '-H', `unix://${this.sock}`,
      '--storage-driver', 'overlay2',
      '--cgroup-parent', CGROUP_PARENT,
    ], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.child.on('exit', () => { this.exited = true; });
    this.child.on('error', () => { this.exited = true; });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.exited) return `dockerd exited at start: ${this.lastError()}`;
      if (fs.existsSync(this.sock) && this.cli(['version', '--format', '{{.Server.Version}}']).status === 0) return undefined;
      await new Promise((r) => setTimeout(r, 250));
    }
    return `dockerd did not answer on ${this.sock} within 60 s: ${this.lastError()}`;
  }

  private lastError(): string {
    let text = '';
    try {
      text = fs.readFileSync(this.log, 'utf8');
    } catch {
      return 'no log';
    }
    const lines = text.trim().split('\n');
    const bad = lines.filter((l) => /level=(error|fatal)|failed|error/i.test(l));
    return (bad.pop() ?? lines.pop() ?? '').slice(0, 300);
  }

  cli(args: string[]): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(DOCKER, ['-H', `unix://${this.sock}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message || '') };
  }

  /** Runs a docker command; throws with its own words when it fails. */
  must(args: string[]): string {
    const r = this.cli(args);
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
    return r.stdout;
  }

  args(args: string[]): [string, string[]] {
    return [DOCKER, ['-H', `unix://${this.sock}`, ...args]];
  }

  pid(): number | undefined {
    return this.child?.pid;
  }

  /** Removes every container, stops dockerd (SIGTERM, then SIGKILL after 30 s), ends what it left by process id, undoes its mounts, removes its folders and cgroups. Returns what went wrong, if anything. */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    if (!this.child?.pid) return problems;
    if (!this.exited) {
      const ids = this.cli(['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) {
        const r = this.cli(['rm', '-f', ...ids]);
        if (r.status !== 0) problems.push(`docker rm -f: ${r.stderr.trim()}`);
      }
    }
    const descendants = descendantsOf(this.child.pid);
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const deadline = Date.now() + 30_000;
      while (!this.exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!this.exited) {
        problems.push('dockerd did not stop within 30 s of SIGTERM: killed');
        this.child.kill('SIGKILL');
        while (!this.exited) await new Promise((r) => setTimeout(r, 50));
      }
    }
    // containerd, its shims, docker-proxy: whatever of dockerd's outlived it.
    for (const pid of descendants) {
      try {
        process.kill(pid, 'SIGKILL');
        problems.push(`pid ${pid} (${comm(pid)}) outlived dockerd: killed`);
      } catch {
        // gone already, as it should be
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    // Overlay and namespace mounts under our folders, deepest first.
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
      .map((l) => l.split(' ')[4]).filter((m): m is string => !!m && (m === this.dir || m.startsWith(`${this.dir}/`)))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) spawnSync('umount', ['-l', m]);
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch (err) {
      problems.push(`cannot remove ${this.dir}: ${(err as Error).message}`);
    }
    problems.push(...removeCgroups());
    return problems;
  }
}

function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Every process whose parent chain leads to `root` (read from /proc). */
function descendantsOf(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited while we read
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) { out.push(pid); break; }
    }
  }
  return out;
}

/** The cgroups runc made under CGROUP_PARENT in each hierarchy (they outlive dockerd when empty): removed, deepest first. */
function removeCgroups(): string[] {
  const problems: string[] = [];
  const own = new Set(fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((l) => l.split(':')[2]).filter((p): p is string => p !== undefined));
  let hierarchies: string[] = [];
  try {
    hierarchies = fs.readdirSync('/sys/fs/cgroup').map((h) => path.join('/sys/fs/cgroup', h)).filter((h) => fs.statSync(h).isDirectory());
  } catch {
    return problems;
  }
  const remove = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(path.join(dir, e.name));
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      problems.push(`cannot remove cgroup ${dir}: ${(err as Error).message}`);
    }
  };
  // Unified (v2-only) mounts hold the files at /sys/fs/cgroup itself.
  for (const h of ['/sys/fs/cgroup', ...hierarchies])
    for (const p of own) {
      const dir = path.join(h, p, CGROUP_PARENT);
      if (fs.existsSync(dir)) remove(dir);
    }
  return problems;
}

/** A rootfs of busybox-static and its applets' links, tar'ed and imported: an image without a registry. */
function importImage(docker: Dockerd, dir: string): void {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'true', 'sleep']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  const tar = path.join(dir, 'rootfs.tar');
  run('tar', ['-C', rootfs, '-cf', tar, '.']);
  docker.must(['import', '--change', 'CMD ["/bin/sh"]', tar, IMAGE]);
}

function timedSync(cmd: string, args: string[], what: string): number {
  const t0 = monotonicNs();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const ns = monotonicNs() - t0;
  if (r.status !== 0) throw new Error(`${what}: exited ${r.status}: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  return ns;
}

function netplumbArgs(args: string[]): [string, string[]] {
  return [process.execPath, [CLI, ...args]];
}

function start(cmd: string, args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => resolve({ status: 1, stderr: err.message }));
    child.on('close', (code) => resolve({ status: code ?? 1, stderr }));
  });
}

const ms = (xs: number[]) => spread(xs.map((x) => x / 1e6));

interface IpAddrLink { ifname: string; addr_info: Array<{ local: string }> }

/** Through iproute2: does any link in this namespace hold this address (a network's gateway on its bridge)? */
function gatewayPresent(gateway: string): boolean {
  const links = JSON.parse(run('ip', ['-j', '-4', 'addr', 'show']) || '[]') as IpAddrLink[];
  return links.some((l) => l.addr_info.some((a) => a.local === gateway));
}

/** a. network create / network rm, each checked by its bridge's gateway address appearing and going. */
function measureNetworkCommands(docker: Dockerd, rounds: number): TimedRow[] {
  const t = { node: [] as number[], dockerVersion: [] as number[], dCreate: [] as number[], dRm: [] as number[], nCreate: [] as number[], nRm: [] as number[] };
  const check = (gateway: string, want: boolean, what: string) => {
    if (gatewayPresent(gateway) !== want) throw new Error(`${what}: the bridge's gateway ${gateway} is ${want ? 'missing' : 'still there'} (ip -j addr)`);
  };
  for (let r = 0; r < rounds; r++) {
    t.node.push(timedSync(process.execPath, ['-e', '0'], 'node -e 0'));
    t.dockerVersion.push(timedSync(...docker.args(['version', '--format', '{{.Server.Version}}']), 'docker version'));
    t.dCreate.push(timedSync(...docker.args(['network', 'create', '--subnet', DOCKER_CREATE_NET.subnet, 'dcreate']), 'docker network create'));
    check(DOCKER_CREATE_NET.gateway, true, 'docker network create');
    t.nCreate.push(timedSync(...netplumbArgs(['network', 'create', '--subnet', NETPLUMB_CREATE_NET.subnet, 'ncreate']), 'netplumb network create'));
    check(NETPLUMB_CREATE_NET.gateway, true, 'netplumb network create');
    t.dRm.push(timedSync(...docker.args(['network', 'rm', 'dcreate']), 'docker network rm'));
    check(DOCKER_CREATE_NET.gateway, false, 'docker network rm');
    t.nRm.push(timedSync(...netplumbArgs(['network', 'rm', 'ncreate']), 'netplumb network rm'));
    check(NETPLUMB_CREATE_NET.gateway, false, 'netplumb network rm');
  }
  return [
    { what: 'node -e 0 (Node starting, for reference)', runs: rounds, ms: ms(t.node) },
    { what: 'docker version (client start + one API call)', runs: rounds, ms: ms(t.dockerVersion) },
    { what: 'docker network create', runs: rounds, ms: ms(t.dCreate) },
    { what: 'netplumb network create', runs: rounds, ms: ms(t.nCreate) },
    { what: 'docker network rm', runs: rounds, ms: ms(t.dRm) },
    { what: 'netplumb network rm', runs: rounds, ms: ms(t.nRm) },
  ];
}

/** b. per-container cost of a network and of one published port, against --network none. */
function measureContainerCost(docker: Dockerd, rounds: number): ContainerCost[] {
  const variants = {
    docker: {
      none: docker.args(['run', '--rm', '--network', 'none', IMAGE, 'true']),
      bridge: docker.args(['run', '--rm', '--network', DOCKER_NET.name, IMAGE, 'true']),
      publish: docker.args(['run', '--rm', '--network', DOCKER_NET.name, '-p', '18081:80', IMAGE, 'true']),
    },
    netplumb: {
      none: netplumbArgs(['run', '--rm', '--net', 'none', '--', 'true']),
      bridge: netplumbArgs(['run', '--rm', '--net', NETPLUMB_NET.name, '--', 'true']),
      publish: netplumbArgs(['run', '--rm', '--net', NETPLUMB_NET.name, '-p', '18082:80', '--', 'true']),
    },
  };
  type Kind = 'none' | 'bridge' | 'publish';
  const kinds: Kind[] = ['none', 'bridge', 'publish'];
  const peers = ['docker', 'netplumb'] as const;
  const times = new Map<string, number[]>();
  // One untimed run of each first: Docker's first container mounts the image's layer, netplumb's first run compiles its modules cold.
  for (const p of peers) for (const k of kinds) timedSync(...variants[p][k], `${p} run --rm (${k}), warm-up`);
  for (let r = 0; r < rounds; r++)
    for (const k of kinds)
      for (const p of peers) {
        const key = `${p}/${k}`;
        times.set(key, [...(times.get(key) ?? []), timedSync(...variants[p][k], `${p} run --rm (${k})`)]);
      }
  // Nothing left: no container, no sandbox namespace.
  if (docker.must(['ps', '-aq']).trim()) throw new Error('docker run --rm left containers behind');
  const left = run('ip', ['netns', 'list']).trim();
  if (left) throw new Error(`netplumb run --rm left namespaces behind: ${left}`);
  return peers.map((peer) => {
    const [n, b, p] = kinds.map((k) => times.get(`${peer}/${k}`)!);
    return {
      peer, none: ms(n), bridge: ms(b), publish: ms(p),
      network: ms(b.map((x, i) => x - n[i])), publish1: ms(p.map((x, i) => x - b[i])),
    };
  });
}

interface ProcMemory { count: number; rssKiB: number; pssKiB: number }

/** docker-proxy processes now running, and their summed RSS and PSS (smaps_rollup). */
function dockerProxies(): ProcMemory {
  const total: ProcMemory = { count: 0, rssKiB: 0, pssKiB: 0 };
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || comm(Number(name)) !== 'docker-proxy') continue;
    try {
      const rollup = fs.readFileSync(`/proc/${name}/smaps_rollup`, 'utf8');
      total.count++;
      total.rssKiB += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      total.pssKiB += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

interface NftJson { nftables: Array<{ map?: { name: string; table: string; elem?: unknown[] } }> }

/** Elements in every nf_tables map of this namespace, as the kernel holds them (nft -j). */
function mapElements(): number {
  const out = spawnSync('nft', ['-j', 'list', 'ruleset'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (out.status !== 0) throw new Error(`nft -j list ruleset: ${out.stderr}`);
  return (JSON.parse(out.stdout) as NftJson).nftables.reduce((n, o) => n + (o.map?.elem?.length ?? 0), 0);
}

/** Docker's port mappings as the kernel holds them: DNAT rules in the nat table's DOCKER chain (iptables-nft reads them back). */
function dockerDnatRules(): number {
  return run('iptables', ['-t', 'nat', '-S', 'DOCKER']).split('\n').filter((l) => / -j DNAT\b/.test(l)).length;
}

/** c. one container publishing an N-port range: start, what it left running, remove. */
function measureRange(docker: Dockerd, ports: number, rounds: number, peers: Array<'docker' | 'netplumb'>, log: (line: string) => void): RangeRow[] {
  const rows: RangeRow[] = [];
  const samples = new Map<string, { start: number[]; remove: number[]; mem: ProcMemory; entries: number }>();
  const mapsBefore = mapElements();
  for (let r = 0; r < rounds; r++) {
    for (const peer of peers) {
      const base = peer === 'docker' ? DOCKER_RANGE_BASE : NETPLUMB_RANGE_BASE;
      const spec = `${base}-${base + ports - 1}:${base}-${base + ports - 1}`;
      const name = `${peer[0]}range${ports}-${r}`;
      const s = samples.get(peer) ?? { start: [], remove: [], mem: { count: 0, rssKiB: 0, pssKiB: 0 }, entries: 0 };
      samples.set(peer, s);
      let startNs: number;
      let removeNs: number;
      if (peer === 'docker') {
        startNs = timedSync(...docker.args(['run', '-d', '--name', name, '--network', DOCKER_NET.name, '-p', spec, IMAGE, 'sleep', '3600']), `docker run -d -p ${spec}`);
        s.mem = dockerProxies();
        s.entries = dockerDnatRules();
        if (s.entries !== ports) throw new Error(`docker run -d -p ${spec}: the kernel holds ${s.entries} DNAT rules in DOCKER, expected ${ports} (iptables -S)`);
        removeNs = timedSync(...docker.args(['rm', '-f', name]), 'docker rm -f');
        const left = dockerProxies().count;
        if (left) throw new Error(`docker rm -f ${name}: ${left} docker-proxy processes still running`);
        if (dockerDnatRules()) throw new Error(`docker rm -f ${name}: DNAT rules left in DOCKER (iptables -S)`);
      } else {
        startNs = timedSync(...netplumbArgs(['create', '--net', NETPLUMB_NET.name, '--name', name, '-p', spec]), `netplumb create -p ${spec}`);
        s.mem = { count: 0, rssKiB: 0, pssKiB: 0 };
        s.entries = mapElements() - mapsBefore;
        if (s.entries !== ports) throw new Error(`netplumb create -p ${spec}: the kernel holds ${s.entries} new map elements, expected ${ports} (nft -j)`);
        removeNs = timedSync(...netplumbArgs(['rm', '-f', name]), 'netplumb rm -f');
        const left = mapElements() - mapsBefore;
        if (left) throw new Error(`netplumb rm -f ${name}: ${left} map elements left (nft -j)`);
      }
      s.start.push(startNs);
      s.remove.push(removeNs);
      log(`  ${ports} ports, round ${r + 1}/${rounds}, ${peer}: start ${(startNs / 1e6).toFixed(0)} ms, remove ${(removeNs / 1e6).toFixed(0)} ms${peer === 'docker' ? `, ${s.mem.count} docker-proxy, RSS ${(s.mem.rssKiB / 1024).toFixed(0)} MiB` : ''}`);
    }
  }
  for (const peer of peers) {
    const s = samples.get(peer)!;
    if (peer === 'docker' && s.mem.count < ports) throw new Error(`docker run -d -p (${ports} ports): only ${s.mem.count} docker-proxy processes (expected one per port and address family)`);
    rows.push({
      peer, ports, runs: s.start.length, startMs: ms(s.start), removeMs: ms(s.remove),
      processes: s.mem.count, rssMiB: s.mem.rssKiB / 1024, pssMiB: s.mem.pssKiB / 1024, kernelEntries: s.entries,
    });
  }
  return rows;
}

/** d. `count` concurrent creates per peer, each container's eth0 address read back through iproute2. */
async function measureConcurrent(docker: Dockerd, count: number, rounds: number): Promise<ConcurrentRow[]> {
  const samples = { docker: [] as number[], netplumb: [] as number[] };
  const addresses = { docker: [] as string[], netplumb: [] as string[] };
  for (let r = 0; r < rounds; r++) {
    for (const peer of ['docker', 'netplumb'] as const) {
      const names = Array.from({ length: count }, (_, i) => `${peer[0]}c${count}-${r}-${i}`);
      const t0 = monotonicNs();
      const results = await Promise.all(names.map((name) => start(...(peer === 'docker'
        ? docker.args(['run', '-d', '--name', name, '--network', DOCKER_NET.name, IMAGE, 'sleep', '3600'])
        : netplumbArgs(['create', '--net', NETPLUMB_NET.name, '--name', name])))));
      samples[peer].push(monotonicNs() - t0);
      try {
        const failed = results.findIndex((x) => x.status !== 0);
        if (failed >= 0) throw new Error(`${peer}: ${results.filter((x) => x.status !== 0).length} of ${count} concurrent creates failed; first: ${results[failed].stderr.trim()}`);
        addresses[peer] = names.map((name) => {
          // Docker's namespace is not named: enter it through the container's process.
          const ipArgs = peer === 'docker'
            ? ['nsenter', '-t', docker.must(['inspect', '-f', '{{.State.Pid}}', name]).trim(), '-n', 'ip', '-j', '-4', 'addr', 'show', 'eth0']
            : ['ip', '-n', name, '-j', '-4', 'addr', 'show', 'eth0'];
          const links = JSON.parse(run(ipArgs[0], ipArgs.slice(1))) as IpAddrLink[];
          const a = links[0]?.addr_info[0]?.local;
          if (!a) throw new Error(`${peer}: ${name} has no IPv4 address on eth0`);
          return a;
        });
      } finally {
        if (peer === 'docker') docker.cli(['rm', '-f', ...names]);
        else await Promise.all(names.map((name) => start(...netplumbArgs(['rm', '-f', name]))));
      }
    }
  }
  return (['docker', 'netplumb'] as const).map((peer) => ({
    peer, concurrent: count, runs: rounds, totalMs: ms(samples[peer]),
    addresses: addresses[peer].length, distinct: new Set(addresses[peer]).size,
  }));
}

/** The whole section; `skipped` says in one line why it could not run. */
export async function measureDocker(o: DockerOptions, log: (line: string) => void): Promise<DockerResult | { skipped: string }> {
  if (!fs.existsSync(DOCKERD)) return { skipped: `${DOCKERD} missing (Debian package docker.io not installed)` };
  if (!busyboxStaticPresent()) return { skipped: `${BUSYBOX} missing or not statically linked (Debian package busybox-static not installed)` };
  if (!haveCommand('nsenter')) return { skipped: 'nsenter (util-linux) missing: Docker\'s containers could not be checked' };
  const docker = new Dockerd(path.join(o.scratch, 'docker'));
  const why = await docker.start();
  if (why) {
    const problems = await docker.stop();
    return { skipped: `${why}${problems.length ? ` (cleanup: ${problems.join('; ')})` : ''}` };
  }
  const notes: string[] = [];
  try {
    const version = docker.must(['version', '--format', 'client {{.Client.Version}}, daemon {{.Server.Version}}']).trim();
    log(`  dockerd up (${version}), pid ${docker.pid()}`);
    importImage(docker, docker.dir);
    docker.must(['network', 'create', '--subnet', DOCKER_NET.subnet, DOCKER_NET.name]);
    run(process.execPath, [CLI, 'network', 'create', '--subnet', NETPLUMB_NET.subnet, NETPLUMB_NET.name]);
    log('  network create / rm');
    const commands = measureNetworkCommands(docker, o.quick ? 3 : 7);
    log('  run --rm: none, bridge, bridge -p');
    // More rounds here: a cost is a difference of two runs, each of which this loaded machine scatters by 2x.
    const containerCost = measureContainerCost(docker, o.quick ? 5 : 11);
    log('  port ranges');
    const ranges = measureRange(docker, 100, o.quick ? 2 : 3, ['docker', 'netplumb'], log);
    if (!o.quick) ranges.push(...measureRange(docker, 1000, 1, ['docker', 'netplumb'], log));
    else notes.push('1,000-port range: full run only (Docker takes minutes for it)');
    log('  concurrent creates');
    const concurrent = await measureConcurrent(docker, 10, o.quick ? 1 : 3);
    if (!o.quick) concurrent.push(...(await measureConcurrent(docker, 50, 1)));
    docker.must(['network', 'rm', DOCKER_NET.name]);
    run(process.execPath, [CLI, 'network', 'rm', NETPLUMB_NET.name]);
    return { version, commands, containerCost, ranges, concurrent, notes };
  } finally {
    const problems = await docker.stop();
    for (const p of problems) log(`  docker cleanup: ${p}`);
  }
}
