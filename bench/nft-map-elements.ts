// Programming N port mappings as elements of one nf_tables map: netplumb (one
// transaction over netlink) against `nft -f` of the same map, alternating,
// each run starting with no table (the previous run's is deleted, untimed).
// Both act in the current namespace, so run it inside a throwaway one, as root:
//   ../shared/tools/sandbox node dist/bench/nft-map-elements.js [N] [RUNS]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Nftables } from '../src/nft/nftables';

const N = Number(process.argv[2] ?? 10000);
const RUNS = Number(process.argv[3] ?? 7);

const elements = Array.from({ length: N }, (_, i) => ({ key: ['tcp', 20000 + (i % 40000)], value: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}`, 80] }));
const text = `table ip np {\n comment "netplumb"\n map ports {\n  type inet_proto . inet_service : ipv4_addr . inet_service\n  elements = { ${elements.map((e) => `${e.key[0]} . ${e.key[1]} : ${e.value[0]} . ${e.value[1]}`).join(', ')} }\n }\n}\n`;
const file = path.join(os.tmpdir(), `nft-map-${process.pid}.nft`);
fs.writeFileSync(file, text);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  if (!process.env.NETPLUMB_SANDBOX && !process.env.NETPLUMB_TEST_ISOLATED) throw new Error('run inside ../shared/tools/sandbox');
  const ours: number[] = [], theirs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const nft = await Nftables.open();
    const t0 = process.hrtime.bigint();
    await nft.batch()
      .addTable({ family: 'ip', name: 'np' })
      .addSet({ family: 'ip', table: 'np', name: 'ports', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'] })
      .addElements({ family: 'ip', table: 'np', name: 'ports' }, elements)
      .commit();
    ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await nft.batch().deleteTable({ family: 'ip', name: 'np' }).commit();
    nft.close();

    const t1 = process.hrtime.bigint();
    const r = spawnSync('nft', ['-f', file]);
    theirs.push(Number(process.hrtime.bigint() - t1) / 1e6);
    if (r.status !== 0) throw new Error(`nft -f failed: ${r.stderr}`);
    spawnSync('nft', ['delete', 'table', 'ip', 'np']);
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(' ');
  console.log(`${N} map elements, ${RUNS} runs (ms)`);
  console.log(`netplumb (encode + one transaction): ${fmt(ours)}  median ${median(ours).toFixed(1)} (first run, cold JIT: ${ours[0].toFixed(1)})`);
  console.log(`nft -f (process start included):     ${fmt(theirs)}  median ${median(theirs).toFixed(1)}`);
  console.log(`ratio netplumb / nft -f: ${(median(ours) / median(theirs)).toFixed(2)}`);
  fs.unlinkSync(file);
}

main().catch((e) => { console.error(e); process.exit(1); });
