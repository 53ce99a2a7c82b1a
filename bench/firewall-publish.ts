// Port publishing, measured in a world of namespaces (host, LAN neighbour,
// one container; see test/helpers/fw-topology.ts):
//  1. publish() of 1, 100, 1,000 and 10,000 ports (one range each), from an
//     empty table; and one more port when 0 or 10,000 are already published.
//  2. the cost of a new TCP connection through the host to the first and to
//     the last of 10,000 published ports: netplumb's map lookup against a
//     chain of one DNAT rule per port (what iptables-based publishing does),
//     measured in the same run (connectionCosts, which npm run bench uses too).
// As root, inside a throwaway namespace:
//   ../shared/tools/sandbox node dist/bench/firewall-publish.js [RUNS] [CONNECTIONS]
import { spawnSync } from 'child_process';
import { NftablesFirewall } from '../src/net/firewall';
import { Nftables } from '../src/nft/nftables';
import { rule } from '../src/nft/rule';
import { buildTopology, C1, HOST_IP, NET_A } from '../test/helpers/fw-topology';
import { startServer } from '../test/helpers/traffic';
import type { NetNs } from '../src/netns';

const RUNS = Number(process.argv[2] ?? 5);
const CONNECTIONS = Number(process.argv[3] ?? 3000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Mean microseconds per TCP connection (connect, then close) from ns to host:port, sequentially, in one process. */
function connectCost(ns: NetNs, host: string, ports: number[], count: number): number[] {
  const code = `
    const net = require('net');
    const ports = ${JSON.stringify(ports)}, count = ${count};
    const one = (port) => new Promise((ok, fail) => { const s = net.connect(port, ${JSON.stringify(host)}); s.on('connect', () => { s.destroy(); ok(); }); s.on('error', fail); });
    (async () => {
      const out = {};
      for (const p of ports) out[p] = [];
      for (let round = 0; round < 5; round++) for (const p of ports) {
        for (let i = 0; i < 50; i++) await one(p); // warm
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < count / 5; i++) await one(p);
        out[p].push(Number(process.hrtime.bigint() - t0) / 1e3 / (count / 5));
      }
      console.log(JSON.stringify(ports.map((p) => out[p].sort((a, b) => a - b)[2])));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code], { encoding: 'utf8', timeout: 600000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as number[];
}

export interface ConnectionCosts {
  /** Mean microseconds per new TCP connection to the first and the last of the published ports. */
  mapFirst: number; mapLast: number;
  ruleFirst: number; ruleLast: number;
  ports: number;
}

/**
 * Per new TCP connection from a LAN neighbour through the host to a
 * container: to the first and to the last of `count` published ports, with
 * netplumb's map, then with one DNAT rule per port (Docker's DOCKER chain, in
 * nft), in the same topology and run.
 */
export async function connectionCosts(count: number, connections: number): Promise<ConnectionCosts> {
  const t = await buildTopology();
  try {
    const net = { id: 'neta', bridge: NET_A.bridge, subnets: [NET_A.subnet] };
    const first = 20000, last = 20000 + count - 1;
    const server = await startServer(t.c1.ns, 'c1', { tcp: [first, last] });
    try {
      const fw = await NftablesFirewall.open({ netns: t.host.ns });
      await fw.addNetwork(net);
      await fw.publish('bulk', { containerIp: C1, ports: [`${first}-${last}:${first}-${last}`] });
      const [mapFirst, mapLast] = connectCost(t.lan.ns, HOST_IP, [first, last], connections);
      await fw.unpublish('bulk');

      // The same mappings as one DNAT rule per port, in a table of their own (Docker's DOCKER chain, in nft).
      const nft = await Nftables.open({ netns: t.host.ns });
      // As Docker's: one address-type check jumps to the chain of per-port rules.
      const b = nft.batch().addTable({ family: 'ip', name: 'perport' })
        .addChain({ family: 'ip', table: 'perport', name: 'pre', hook: 'prerouting', type: 'nat', priority: 'dstnat' })
        .addChain({ family: 'ip', table: 'perport', name: 'ports' })
        .addRule({ family: 'ip', table: 'perport', chain: 'pre' }, rule().fibDaddrType('local').jump('ports'));
      for (let p = first; p <= last; p++)
        b.addRule({ family: 'ip', table: 'perport', chain: 'ports' }, rule().tcpDport(p).dnat({ addr: C1, port: p }));
      await b.commit();
      const [ruleFirst, ruleLast] = connectCost(t.lan.ns, HOST_IP, [first, last], connections);
      await nft.batch().deleteTable({ family: 'ip', name: 'perport' }).commit();
      nft.close();
      await fw.reconcile({ networks: [], endpoints: [] });
      fw.close();
      return { mapFirst, mapLast, ruleFirst, ruleLast, ports: count };
    } finally {
      server.kill('SIGKILL');
    }
  } finally {
    await t.dispose();
  }
}

async function main(): Promise<void> {
  if (!process.env.NETPLUMB_SANDBOX && !process.env.NETPLUMB_TEST_ISOLATED) throw new Error('run inside ../shared/tools/sandbox');
  const t = await buildTopology();
  try {
    const net = { id: 'neta', bridge: NET_A.bridge, subnets: [NET_A.subnet] };
    console.log(`publish(), median of ${RUNS} runs, each from an empty table:`);
    for (const n of [1, 100, 1000, 10000]) {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const fw = await NftablesFirewall.open({ netns: t.host.ns });
        await fw.addNetwork(net);
        const spec = n === 1 ? '20000:20000' : `20000-${20000 + n - 1}:20000-${20000 + n - 1}`;
        const t0 = process.hrtime.bigint();
        await fw.publish('ep1', { containerIp: C1, ports: [spec] });
        times.push(ms(t0));
        await fw.reconcile({ networks: [], endpoints: [] });
        fw.close();
      }
      console.log(`  ${String(n).padStart(6)} ports: ${median(times).toFixed(2)} ms (${(median(times) * 1000 / n).toFixed(1)} us per port)`);
    }

    console.log(`one more port, median of ${RUNS * 4}:`);
    for (const already of [0, 10000]) {
      const fw = await NftablesFirewall.open({ netns: t.host.ns });
      await fw.addNetwork(net);
      if (already) await fw.publish('bulk', { containerIp: C1, ports: [`20000-${20000 + already - 1}:20000-${20000 + already - 1}`] });
      const times: number[] = [];
      for (let run = 0; run < RUNS * 4; run++) {
        const t0 = process.hrtime.bigint();
        await fw.publish('one', { containerIp: C1, ports: ['40000:80'] });
        times.push(ms(t0));
        await fw.unpublish('one');
      }
      console.log(`  with ${String(already).padStart(5)} already published: ${median(times).toFixed(2)} ms`);
      await fw.reconcile({ networks: [], endpoints: [] });
      fw.close();
    }
  } finally {
    await t.dispose();
  }
  const c = await connectionCosts(10000, CONNECTIONS);
  console.log(`new TCP connection through the host, 10,000 published ports, mean of ${CONNECTIONS} (median of 5 blocks):`);
  console.log(`  netplumb map:        first ${c.mapFirst.toFixed(1)} us, last ${c.mapLast.toFixed(1)} us (last - first ${(c.mapLast - c.mapFirst).toFixed(1)} us)`);
  console.log(`  one rule per port:   first ${c.ruleFirst.toFixed(1)} us, last ${c.ruleLast.toFixed(1)} us (last - first ${(c.ruleLast - c.ruleFirst).toFixed(1)} us)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
