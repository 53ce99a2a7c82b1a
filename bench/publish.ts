// Measurement 2: port publishing. N mappings (host TCP port P -> container
// 10.210.0.2:P, P = 20000 ...) programmed from an empty ruleset, in a
// namespace of their own with the container network's bridge in it:
// - netplumb: NftablesFirewall.publish of one N-port range (entries of an nft
//   map, one transaction), timed by its driver after start-up;
// - iptables, one process per rule (Docker's way before nftables), in a chain
//   jumped to by one address-type rule, as Docker's DOCKER chain;
// - iptables-restore of the same rules in one file;
// - nft -f of the same, one DNAT rule per port;
// - nft -f of one map holding the N mappings and one rule using it;
// - the CNI portmap plugin (Debian's containernetworking-plugins), invoked
//   as a runtime chains it after the bridge plugin, with the N mappings in
//   its runtimeConfig (it programs iptables rules, one process per rule).
// Command-line peers are timed around their process. Every peer's first run
// at each N is checked through nft -j: N mappings in the kernel.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { CNI_DIR, REPO } from './peers';
import { LineProcess, monotonicNs, run } from './proc';
import { spread, type Spread } from './spread';

export const PUB_NETNS = 'bench-pub';
const BRIDGE = 'np-pub';
const SUBNET = '10.210.0.0/16';
const CONTAINER = '10.210.0.2';
const FIRST_PORT = 20000;

export interface PublishRow { peer: string; mappings: number; runs: number; ms?: Spread; ratio?: number; skipped?: string }

interface PublishPeer {
  name: string;
  /** Times one run of n mappings in ns; the ruleset is empty before and flushed after (untimed). */
  once(n: number): Promise<number>;
  /** For the check after a peer's first run: leaves n mappings in the kernel (when once() does not). */
  leave?(n: number): Promise<void>;
  /** Why n is not measured, if it is not. */
  skip?(n: number, measured: Map<number, number>): string | undefined;
  close?(): Promise<void>;
}

const ports = (n: number) => Array.from({ length: n }, (_, i) => FIRST_PORT + i);

function inNetns(cmd: string, args: string[], input?: string): void {
  run('ip', ['netns', 'exec', PUB_NETNS, cmd, ...args], { input });
}

function flush(): void {
  inNetns('nft', ['flush', 'ruleset']);
}

/** DNAT rules iptables reads back from the kernel (iptables-nft's rules show in nft -j only as xt compat). */
function iptablesMappings(chain?: string): number {
  const out = spawnSync('ip', ['netns', 'exec', PUB_NETNS, 'iptables', '-t', 'nat', '-S', ...(chain ? [chain] : [])], { encoding: 'utf8', maxBuffer: 512 << 20 });
  return out.status === 0 ? out.stdout.split('\n').filter((l) => l.includes('-j DNAT')).length : 0;
}

const PORTMAP = path.join(CNI_DIR, 'portmap');

/**
 * The CNI portmap plugin's ADD, as a runtime calls it after the bridge plugin:
 * the container's address in prevResult, the mappings in runtimeConfig.
 */
function portmapPeer(scratch: string): PublishPeer {
  return {
    name: 'CNI portmap',
    async once(n) {
      const conf = path.join(scratch, `cni-portmap-${n}.json`);
      fs.writeFileSync(conf, JSON.stringify({
        cniVersion: '1.0.0', name: 'benchpub', type: 'portmap', capabilities: { portMappings: true }, snat: true,
        runtimeConfig: { portMappings: ports(n).map((p) => ({ hostPort: p, containerPort: p, protocol: 'tcp' })) },
        prevResult: {
          cniVersion: '1.0.0',
          interfaces: [{ name: BRIDGE }, { name: 'eth0', sandbox: `/run/netns/${PUB_NETNS}` }],
          ips: [{ address: `${CONTAINER}/16`, gateway: '10.210.0.1', interface: 1 }],
        },
      }));
      const env = { ...process.env, CNI_COMMAND: 'ADD', CNI_CONTAINERID: `benchpub${n}`, CNI_NETNS: `/run/netns/${PUB_NETNS}`, CNI_IFNAME: 'eth0', CNI_PATH: CNI_DIR };
      const t0 = monotonicNs();
      const r = spawnSync('ip', ['netns', 'exec', PUB_NETNS, PORTMAP], { input: fs.readFileSync(conf), env, encoding: 'utf8', maxBuffer: 64 << 20 });
      const ns = monotonicNs() - t0;
      if (r.status !== 0) throw new Error(`CNI portmap ADD: ${(r.stdout || r.stderr).trim()}`);
      return ns;
    },
    skip(n) {
      if (!fs.existsSync(PORTMAP)) return `${PORTMAP} missing (Debian package containernetworking-plugins not installed)`;
      // It runs one iptables process per rule (go-iptables), as the per-rule peer: minutes at 10,000.
      return n > 1000 ? 'one iptables process per rule, as the per-rule peer: minutes at 10,000' : undefined;
    },
  };
}

/** Mappings the kernel holds in the namespace: DNAT rules plus map elements, read through nft -j. */
function mappingsInKernel(): number {
  const out = spawnSync('ip', ['netns', 'exec', PUB_NETNS, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8', maxBuffer: 512 << 20 });
  if (out.status !== 0) throw new Error(`nft -j list ruleset: ${out.stderr}`);
  let count = 0;
  for (const item of (JSON.parse(out.stdout) as { nftables: Array<Record<string, { expr?: unknown[]; elem?: unknown[]; map?: unknown }>> }).nftables) {
    // A DNAT statement to a fixed address is one mapping; one that looks its target up in a map counts by the map's elements.
    for (const stmt of (item.rule?.expr ?? []) as Array<Record<string, unknown>>)
      if (stmt.dnat !== undefined && !JSON.stringify(stmt.dnat).includes('"map"')) count++;
    if (item.map?.elem) count += item.map.elem.length;
  }
  return count;
}

function scriptPeer(name: string, scratch: string, write: (n: number, file: string) => { cmd: string; args: string[] }): PublishPeer {
  return {
    name,
    async once(n) {
      const file = path.join(scratch, `${name.replace(/\W+/g, '-')}-${n}`);
      const { cmd, args } = write(n, file);
      const t0 = monotonicNs();
      inNetns(cmd, args);
      return monotonicNs() - t0;
    },
  };
}

function peers(scratch: string): PublishPeer[] {
  const driver = new Map<number, LineProcess>();
  const netplumb: PublishPeer = {
    name: 'netplumb NftablesFirewall.publish',
    async once(n) {
      let d = driver.get(n);
      if (!d) {
        d = new LineProcess(process.execPath, [path.join(REPO, 'dist/bench/drivers/netplumb-publish.js'), String(n), PUB_NETNS, BRIDGE, SUBNET, CONTAINER, String(FIRST_PORT)]);
        driver.set(n, d);
      }
      d.write('run');
      return (await d.nextJson<{ ns: number }>(this.name)).ns;
    },
    async leave(n) {
      const d = driver.get(n)!;
      d.write('keep');
      await d.nextJson<{ kept: boolean }>(this.name);
    },
    async close() {
      for (const d of driver.values()) {
        d.endInput();
        await d.exited;
      }
    },
  };
  const perProcess = scriptPeer('iptables, one process per rule', scratch, (n, file) => {
    const lines = ['iptables -t nat -N NPBENCH', 'iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j NPBENCH'];
    for (const p of ports(n)) lines.push(`iptables -t nat -A NPBENCH -p tcp --dport ${p} -j DNAT --to-destination ${CONTAINER}:${p}`);
    fs.writeFileSync(file, `set -e\n${lines.join('\n')}\n`);
    return { cmd: 'sh', args: [file] };
  });
  perProcess.skip = (n, measured) => {
    // Each iptables-nft process reads the whole table first, so the cost per rule grows with the chain.
    const at1000 = measured.get(1000);
    if (n < 10000 || at1000 === undefined) return undefined;
    const projectedS = (at1000 / 1e9) * 10 * 10;
    return projectedS > 120 ? `1,000 rules took ${(at1000 / 1e9).toFixed(1)} s and the cost per rule grows with the chain; 10,000 would take ${Math.round(projectedS / 60)} min or more` : undefined;
  };
  return [
    netplumb,
    perProcess,
    scriptPeer('iptables-restore', scratch, (n, file) => {
      const lines = ['*nat', ':NPBENCH - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j NPBENCH'];
      for (const p of ports(n)) lines.push(`-A NPBENCH -p tcp --dport ${p} -j DNAT --to-destination ${CONTAINER}:${p}`);
      lines.push('COMMIT');
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      return { cmd: 'iptables-restore', args: [file] };
    }),
    scriptPeer('nft -f, one rule per port', scratch, (n, file) => {
      const rules = ports(n).map((p) => `    tcp dport ${p} dnat to ${CONTAINER}:${p}`);
      fs.writeFileSync(file, `table ip npbench {\n  chain pre {\n    type nat hook prerouting priority dstnat; policy accept;\n    fib daddr type local jump ports\n  }\n  chain ports {\n${rules.join('\n')}\n  }\n}\n`);
      return { cmd: 'nft', args: ['-f', file] };
    }),
    portmapPeer(scratch),
    scriptPeer('nft -f, one map', scratch, (n, file) => {
      const elements = ports(n).map((p) => `${p} : ${CONTAINER} . ${p}`).join(', ');
      fs.writeFileSync(file, `table ip npbench {\n  map ports {\n    type inet_service : ipv4_addr . inet_service\n    elements = { ${elements} }\n  }\n  chain pre {\n    type nat hook prerouting priority dstnat; policy accept;\n    fib daddr type local dnat ip to tcp dport map @ports\n  }\n}\n`);
      return { cmd: 'nft', args: ['-f', file] };
    }),
  ];
}

/** Runs every peer at each N, rounds interleaved; ratios are to `nft -f, one map`. */
export async function measurePublishing(sizes: number[], repsFor: (n: number) => number, scratch: string, only?: RegExp): Promise<PublishRow[]> {
  run('ip', ['netns', 'add', PUB_NETNS]);
  run('ip', ['-n', PUB_NETNS, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', PUB_NETNS, 'link', 'add', BRIDGE, 'type', 'bridge']);
  run('ip', ['-n', PUB_NETNS, 'addr', 'add', '10.210.0.1/16', 'dev', BRIDGE]);
  run('ip', ['-n', PUB_NETNS, 'link', 'set', BRIDGE, 'up']);
  const all = peers(scratch).filter((p) => p.name === 'nft -f, one map' || !only || only.test(p.name));
  const rows: PublishRow[] = [];
  const measuredOnce = new Map<PublishPeer, Map<number, number>>(all.map((p) => [p, new Map()]));
  try {
    for (const n of sizes) {
      const samples = new Map<PublishPeer, number[]>();
      const skipped = new Map<PublishPeer, string>();
      for (const p of all) {
        const why = p.skip?.(n, measuredOnce.get(p)!);
        if (why) skipped.set(p, why);
        else samples.set(p, []);
      }
      const reps = repsFor(n);
      for (let r = 0; r < reps; r++) {
        for (const [p, times] of samples) {
          // The slowest peer runs once at the large sizes: minutes each.
          if (r > 0 && (p.name.startsWith('iptables, one process') || p.name === 'CNI portmap') && n >= 1000) continue;
          flush();
          const ns = await p.once(n);
          if (r === 0) {
            await p.leave?.(n);
            const found = p.name.startsWith('iptables') ? iptablesMappings('NPBENCH') : p.name === 'CNI portmap' ? iptablesMappings() : mappingsInKernel();
            if (found !== n) throw new Error(`${p.name}: ${found} mappings in the kernel after publishing ${n}`);
          }
          times.push(ns);
          measuredOnce.get(p)!.set(n, ns);
          process.stderr.write(`  publish ${n} round ${r + 1}/${reps} ${p.name}: ${(ns / 1e6).toFixed(1)} ms\n`);
        }
      }
      flush();
      const ref = samples.get(all.find((p) => p.name === 'nft -f, one map')!);
      const refMedian = ref ? spread(ref.map((x) => x / 1e6)).median : undefined;
      for (const p of all) {
        const times = samples.get(p);
        if (!times) {
          rows.push({ peer: p.name, mappings: n, runs: 0, skipped: skipped.get(p) });
          continue;
        }
        const ms = spread(times.map((x) => x / 1e6));
        rows.push({ peer: p.name, mappings: n, runs: times.length, ms, ratio: refMedian ? ms.median / refMedian : undefined });
      }
    }
  } finally {
    for (const p of all) await p.close?.();
    run('ip', ['netns', 'del', PUB_NETNS]);
  }
  return rows;
}
