// npm run bench [-- --quick] [--only PATTERN] [--sections endpoints,listing,publish,cli,memory,docker]
// Measures netplumb against the peers a user would pick instead and against
// the C floor (bench/floor/floor.c), all in one run, inside a throwaway
// namespace. Prints a table and writes bench/results/latest.json. Times are
// medians of several runs with min and max; ratios are to the floor (or, for
// publishing, to `nft -f` with a map).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { bridgeExists, createBridge, endpointPeers, measureEndpoints, type EndpointPeer, type EndpointSample } from './endpoints';
import { isIsolated, prepareSandbox, runIsolated } from './isolation';
import { dropLinks, growLinks, listPeers } from './listing';
import { findPeers, installPeers, REPO } from './peers';
import { run } from './proc';
import { measurePublishing, type PublishRow } from './publish';
import { connectionCosts, type ConnectionCosts } from './firewall-publish';
import { measureCli, measureConcurrentCreates, type CliRow, type ConcurrencyRow } from './cli';
import { measureMemory, type MemoryResult } from './memory';
import { spread, type Spread } from './spread';
import { measureDocker, type DockerResult } from './docker';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new RegExp(args[onlyAt + 1], 'i') : undefined;
const SECTIONS = ['endpoints', 'listing', 'publish', 'cli', 'memory', 'docker'] as const;
const sectionsAt = args.indexOf('--sections');
const sections = new Set(sectionsAt >= 0 ? args[sectionsAt + 1].split(',') : SECTIONS);
for (const name of sections) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--sections: unknown section ${name}; known: ${SECTIONS.join(', ')}`);


interface EndpointRow { peer: string; n: number; runs: number; setupMs: Spread; teardownMs: Spread; setupRatio?: number; teardownRatio?: number }
interface ListRow { peer: string; links: number; runs: number; ms: Spread; ratio?: number }

function compileFloor(scratch: string): string {
  const out = path.join(scratch, 'floor');
  run('cc', ['-O2', '-Wall', '-Wextra', '-o', out, path.join(REPO, 'bench/floor/floor.c'), '-lpthread']);
  return out;
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    iproute2: spawnSync('ip', ['-V'], { encoding: 'utf8' }).stdout.trim(),
  };
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function endpointTable(rows: EndpointRow[], n: number): string {
  const lines = [
    `Endpoint setup and teardown, N=${n} on one bridge: ms per endpoint (median, min-max of runs), x = ratio to the C floor (batched)`,
    `${pad('peer', 30)} ${pad('runs', 4, true)} ${pad('setup', 8, true)} ${pad('min-max', 13, true)} ${pad('x', 6, true)}   ${pad('teardown', 8, true)} ${pad('min-max', 13, true)} ${pad('x', 6, true)}`,
  ];
  for (const r of rows.filter((x) => x.n === n)) {
    lines.push(
      `${pad(r.peer, 30)} ${pad(String(r.runs), 4, true)} ${pad(fmt(r.setupMs.median), 8, true)} ${pad(`${fmt(r.setupMs.min)}-${fmt(r.setupMs.max)}`, 13, true)} ${pad(r.setupRatio?.toFixed(2) ?? '', 6, true)}   ` +
        `${pad(fmt(r.teardownMs.median), 8, true)} ${pad(`${fmt(r.teardownMs.min)}-${fmt(r.teardownMs.max)}`, 13, true)} ${pad(r.teardownRatio?.toFixed(2) ?? '', 6, true)}`,
    );
  }
  return lines.join('\n');
}

function listTable(rows: ListRow[], links: number): string {
  const lines = [
    `Listing ${links} links: ms per listing (median, min-max of runs), x = ratio to the C floor`,
    `${pad('peer', 30)} ${pad('runs', 4, true)} ${pad('ms', 8, true)} ${pad('min-max', 15, true)} ${pad('x', 6, true)}`,
  ];
  for (const r of rows.filter((x) => x.links === links))
    lines.push(`${pad(r.peer, 30)} ${pad(String(r.runs), 4, true)} ${pad(fmt(r.ms.median), 8, true)} ${pad(`${fmt(r.ms.min)}-${fmt(r.ms.max)}`, 15, true)} ${pad(r.ratio?.toFixed(2) ?? '', 6, true)}`);
  return lines.join('\n');
}

function publishTable(rows: PublishRow[]): string {
  const lines = [
    'Port publishing: ms to program N mappings from an empty ruleset (median, min-max of runs), x = ratio to `nft -f` with a map',
    `${pad('peer', 36)} ${pad('N', 6, true)} ${pad('runs', 4, true)} ${pad('ms', 9, true)} ${pad('min-max', 17, true)} ${pad('x', 7, true)}`,
  ];
  for (const r of rows) {
    if (!r.ms) {
      lines.push(`${pad(r.peer, 36)} ${pad(String(r.mappings), 6, true)}    skipped: ${r.skipped}`);
      continue;
    }
    lines.push(`${pad(r.peer, 36)} ${pad(String(r.mappings), 6, true)} ${pad(String(r.runs), 4, true)} ${pad(fmt(r.ms.median), 9, true)} ${pad(`${fmt(r.ms.min)}-${fmt(r.ms.max)}`, 17, true)} ${pad(r.ratio?.toFixed(2) ?? '', 7, true)}`);
  }
  return lines.join('\n');
}

function connectionTable(c: ConnectionCosts): string {
  const pct = (first: number, last: number) => `${(((last - first) / first) * 100).toFixed(0)}%`;
  return [
    `New TCP connection from a LAN neighbour through the host to a container, ${c.ports} published ports: microseconds each (mean of 3,000, median of 5 blocks)`,
    `  netplumb (nft map)        first ${c.mapFirst.toFixed(1)}  last ${c.mapLast.toFixed(1)}  last vs first ${pct(c.mapFirst, c.mapLast)}`,
    `  one DNAT rule per port    first ${c.ruleFirst.toFixed(1)}  last ${c.ruleLast.toFixed(1)}  last vs first ${pct(c.ruleFirst, c.ruleLast)}`,
  ].join('\n');
}

function cliTable(rows: CliRow[]): string {
  const lines = ['CLI wall time, ms (median, min-max of runs)'];
  for (const r of rows) lines.push(r.ms ? `${pad(r.what, 52)} ${pad(String(r.runs), 3, true)} ${pad(fmt(r.ms.median), 8, true)} ${pad(`${fmt(r.ms.min)}-${fmt(r.ms.max)}`, 15, true)}` : `${pad(r.what, 52)} skipped: ${r.skipped}`);
  return lines.join('\n');
}

function concurrencyTable(rows: ConcurrencyRow[]): string {
  const lines = ['Concurrent `netplumb create --net NET` on one network'];
  for (const r of rows)
    lines.push(`  ${pad(String(r.concurrent), 3, true)} at once: ${fmt(r.totalMs)} ms in all (${fmt(r.perSandboxMs)} ms per sandbox); ${r.addresses} addresses read back with ip -j, ${r.distinct} distinct${r.distinct === r.addresses ? '' : '  <-- DUPLICATES'}`);
  return lines.join('\n');
}

function memoryTable(m: MemoryResult): string {
  const s = (x: { rssMiB: number; heapMiB: number; fds: number }) => `RSS ${x.rssMiB.toFixed(1)} MiB, JS heap ${x.heapMiB.toFixed(1)} MiB, ${x.fds} fds`;
  const first = m.cycles[0], last = m.cycles[m.cycles.length - 1];
  return [
    'Memory of a library process (after a full GC)',
    `  at start (after warm-up):        ${s(m.base)}`,
    `  holding ${m.hold} endpoints:       ${s(m.holding)}`,
    `  after removing them:             ${s(m.released)}`,
    `  create/remove cycles (${m.cycleMs.toFixed(2)} ms each): after ${first.cycle}: ${s(first)}; after ${last.cycle}: ${s(last)}`,
  ].join('\n');
}

function dockerTables(d: DockerResult): string {
  const range = (s: Spread) => `${fmt(s.min)}-${fmt(s.max)}`;
  const lines = [`Docker (${d.version}) and netplumb's CLI, interleaved: ms (median, min-max of runs)`];
  for (const r of d.commands) lines.push(`  ${pad(r.what, 46)} ${pad(String(r.runs), 3, true)} ${pad(fmt(r.ms.median), 8, true)} ${pad(range(r.ms), 15, true)}`);
  lines.push('Per container, run --rm ... true: ms (median, min-max); a cost is the median of the differences within each round');
  for (const c of d.containerCost)
    lines.push(`  ${pad(c.peer, 9)} none ${fmt(c.none.median)} (${range(c.none)})  bridge ${fmt(c.bridge.median)} (${range(c.bridge)})  bridge -p ${fmt(c.publish.median)} (${range(c.publish)})\n` +
      `            network cost ${fmt(c.network.median)} (${range(c.network)})  one -p more ${fmt(c.publish1.median)} (${range(c.publish1)})`);
  const [dc, nc] = [d.containerCost.find((c) => c.peer === 'docker'), d.containerCost.find((c) => c.peer === 'netplumb')];
  if (dc && nc)
    lines.push(`  whole command, docker / netplumb: none ${(dc.none.median / nc.none.median).toFixed(2)}x, bridge ${(dc.bridge.median / nc.bridge.median).toFixed(2)}x, bridge -p ${(dc.publish.median / nc.publish.median).toFixed(2)}x`);
  lines.push('One container publishing a port range: start and remove in ms (median, min-max), processes left running, kernel entries');
  for (const r of d.ranges)
    lines.push(`  ${pad(r.peer, 9)} ${pad(String(r.ports), 5, true)} ports ${pad(String(r.runs), 2, true)} runs  start ${pad(fmt(r.startMs.median), 7, true)} (${range(r.startMs)})  remove ${pad(fmt(r.removeMs.median), 7, true)} (${range(r.removeMs)})  ` +
      `${r.processes} processes, RSS ${r.rssMiB.toFixed(0)} MiB, PSS ${r.pssMiB.toFixed(0)} MiB; ${r.kernelEntries} ${r.peer === 'docker' ? 'DNAT rules' : 'map elements'}`);
  lines.push('Concurrent creates on one network (docker run -d / netplumb create): total ms (median, min-max), addresses read back through ip -j');
  for (const r of d.concurrent)
    lines.push(`  ${pad(r.peer, 9)} ${pad(String(r.concurrent), 3, true)} at once, ${r.runs} runs: ${fmt(r.totalMs.median)} (${range(r.totalMs)}); ${r.addresses} addresses, ${r.distinct} distinct${r.distinct === r.addresses ? '' : '  <-- DUPLICATES'}`);
  for (const n of d.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

async function endpointsAt(peers: EndpointPeer[], floorRef: EndpointPeer, n: number, repsFor: (p: EndpointPeer) => number, floor: string): Promise<EndpointRow[]> {
  const samples = new Map<EndpointPeer, EndpointSample[]>(peers.map((p) => [p, []]));
  const rounds = Math.max(...peers.map(repsFor));
  // Rounds interleave the peers, so a noisy moment hurts no one peer alone.
  for (let r = 0; r < rounds; r++) {
    for (const peer of peers) {
      if (r >= repsFor(peer)) continue;
      const s = await measureEndpoints(peer, n, floor);
      samples.get(peer)!.push(s);
      process.stderr.write(`  N=${n} round ${r + 1}/${rounds} ${peer.name}: setup ${fmt(s.setupNs / n / 1e6)} ms, teardown ${fmt(s.teardownNs / n / 1e6)} ms per endpoint\n`);
    }
  }
  const rows = peers.map((peer): EndpointRow => {
    const s = samples.get(peer)!;
    return {
      peer: peer.name, n, runs: s.length,
      setupMs: spread(s.map((x) => x.setupNs / n / 1e6)),
      teardownMs: spread(s.map((x) => x.teardownNs / n / 1e6)),
    };
  });
  const ref = rows.find((r) => r.peer === floorRef.name);
  for (const r of rows) {
    if (!ref) break;
    r.setupRatio = r.setupMs.median / ref.setupMs.median;
    r.teardownRatio = r.teardownMs.median / ref.teardownMs.median;
  }
  return rows;
}

async function main(): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    console.log('bench: needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to make namespaces, links and routes; nothing measured');
    process.exit(1);
  }
  if (!isIsolated()) {
    if (spawnSync('sh', ['-c', 'command -v unshare'], { stdio: 'ignore' }).status !== 0) {
      console.log('bench: `unshare` (util-linux) is missing, so the benchmark cannot isolate itself; nothing measured');
      process.exit(1);
    }
    installPeers(sections);
    runIsolated(__filename, args);
  }

  const started = Date.now();
  const loadAtStart = os.loadavg();
  const scratch = prepareSandbox();
  const available = findPeers();
  if (!available.cc) throw new Error('no C compiler (cc): the floor cannot be built, so no ratio can be given');
  const floor = compileFloor(scratch);
  for (const [peer, why] of available.skipped) console.log(`skipped: ${peer}: ${why}`);

  const endpointRows: EndpointRow[] = [];
  if (sections.has('endpoints')) {
    createBridge();
    const { floorBatch, all } = endpointPeers(floor, scratch, available);
    const peers = all.filter((p) => p === floorBatch || !only || only.test(p.name));
    const small = await endpointsAt(peers, floorBatch, 100, () => (quick ? 3 : 5), floor);
    endpointRows.push(...small);
    console.log(`\n${endpointTable(endpointRows, 100)}`);
    if (!quick) {
      // Big N: fewer runs for the peers that take long per endpoint, to keep the whole run within minutes.
      const cost = new Map(small.map((r) => [r.peer, r.setupMs.median + r.teardownMs.median]));
      const reps = (p: EndpointPeer) => ((cost.get(p.name) ?? Infinity) <= 10 ? 3 : 1);
      endpointRows.push(...(await endpointsAt(peers, floorBatch, 1000, reps, floor)));
      console.log(`\n${endpointTable(endpointRows, 1000)}`);
    }
    if (bridgeExists()) run('ip', ['link', 'del', 'br-bench']);
  }

  const listRows: ListRow[] = [];
  if (sections.has('listing')) {
    const { floor: floorList, all: lister } = listPeers(floor, available);
    let pairs = 0;
    for (const links of quick ? [1000] : [1000, 10000]) {
      growLinks(floor, pairs, links / 2);
      pairs = links / 2;
      const repeats = links >= 10000 ? 5 : 9;
      // Rounds interleave the peers here too: each round is one process per peer listing `repeats` times.
      const rounds = quick ? 1 : 3;
      const runs = new Map<string, number[]>();
      for (let round = 0; round < rounds; round++) {
        for (const peer of lister.filter((p) => p === floorList || !only || only.test(p.name))) {
          const { runsNs, count } = peer.list(repeats);
          if (count !== links + 1) throw new Error(`${peer.name}: listed ${count} links, expected ${links + 1} (with lo)`);
          runs.set(peer.name, [...(runs.get(peer.name) ?? []), ...runsNs]);
        }
      }
      const rows = [...runs].map(([peer, ns]): ListRow => ({ peer, links, runs: ns.length, ms: spread(ns.map((x) => x / 1e6)) }));
      const ref = rows.find((r) => r.peer === floorList.name)!;
      for (const r of rows) r.ratio = r.ms.median / ref.ms.median;
      listRows.push(...rows);
      console.log(`\n${listTable(listRows, links)}`);
    }
    dropLinks();
  }

  let publishRows: PublishRow[] = [];
  let connections: ConnectionCosts | undefined;
  if (sections.has('publish')) {
    publishRows = await measurePublishing(quick ? [100, 1000] : [100, 1000, 10000], (n) => (quick ? 3 : n >= 10000 ? 3 : 5), scratch, only);
    console.log(`\n${publishTable(publishRows)}`);
    if (!quick) {
      connections = await connectionCosts(10000, 3000);
      console.log(`\n${connectionTable(connections)}`);
    }
  }

  let cliRows: CliRow[] = [];
  const concurrency: ConcurrencyRow[] = [];
  if (sections.has('cli')) {
    cliRows = measureCli(quick ? 3 : 7);
    console.log(`\n${cliTable(cliRows)}`);
    for (const n of quick ? [10] : [10, 50]) concurrency.push(await measureConcurrentCreates(n));
    console.log(`\n${concurrencyTable(concurrency)}`);
  }

  let memory: MemoryResult | undefined;
  if (sections.has('memory')) {
    memory = await measureMemory(quick ? 200 : 1000, quick ? 1000 : 10000);
    console.log(`\n${memoryTable(memory)}`);
  }

  let docker: DockerResult | { skipped: string } | undefined;
  if (sections.has('docker')) {
    // Last: dockerd leaves docker0, its iptables chains and a FORWARD policy of DROP in the sandbox.
    process.stderr.write('docker:\n');
    try {
      docker = await measureDocker({ quick, scratch }, (line) => process.stderr.write(`${line}\n`));
    } catch (err) {
      docker = { skipped: `failed part-way (dockerd stopped and its folders removed): ${(err as Error).message}` };
    }
    console.log(`\n${'skipped' in docker ? `docker (measurement 7) skipped: ${docker.skipped}` : dockerTables(docker)}`);
  }

  // How loaded the machine was: the 1-minute load average at the start and at the end.
  const loadDuring = { cores: os.cpus().length, loadAverage1mAtStart: loadAtStart[0], loadAverage1mAtEnd: os.loadavg()[0] };
  console.log(`\nload average (1 min) on ${loadDuring.cores} cores: ${loadDuring.loadAverage1mAtStart.toFixed(1)} at the start, ${loadDuring.loadAverage1mAtEnd.toFixed(1)} at the end`);
  const result = {
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    units: 'milliseconds per endpoint (endpoints), per listing (listing); ratios to the C floor',
    load: loadDuring,
    endpoints: endpointRows,
    listing: listRows,
    publishing: publishRows,
    connections,
    cli: cliRows,
    concurrentCreates: concurrency,
    memory,
    docker,
    skipped: Object.fromEntries(available.skipped),
  };
  const out = path.join(REPO, 'bench/results/latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`\nwrote ${path.relative(REPO, out)} (${result.durationSeconds} s)`);
}

main().catch((err) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
