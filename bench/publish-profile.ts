// Where publishing's time goes: NftablesFirewall.publish of one N-port range,
// RUNS times in one process (as the benchmark's driver does), in the current
// namespace, so run it inside a throwaway one, as root:
//   ../shared/tools/sandbox node dist/bench/publish-profile.js [N] [RUNS]
//   ../shared/tools/sandbox node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/publish-profile.js 10000 20
import { spawnSync } from 'child_process';
import { NftablesFirewall } from '../src/net/firewall';

const N = Number(process.argv[2] ?? 10000);
const RUNS = Number(process.argv[3] ?? 9);
const FIRST = 20000;

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

async function main(): Promise<void> {
  if (!process.env.NETPLUMB_SANDBOX && !process.env.NETPLUMB_TEST_ISOLATED) throw new Error('run inside ../shared/tools/sandbox');
  sh('ip', ['link', 'add', 'np-prof', 'type', 'bridge']);
  sh('ip', ['addr', 'add', '10.210.0.1/16', 'dev', 'np-prof']);
  sh('ip', ['link', 'set', 'np-prof', 'up']);
  const spec = N === 1 ? `${FIRST}:${FIRST}` : `${FIRST}-${FIRST + N - 1}:${FIRST}-${FIRST + N - 1}`;
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const fw = await NftablesFirewall.open();
    try {
      await fw.addNetwork({ id: 'profnet', bridge: 'np-prof', subnets: ['10.210.0.0/16'] });
      const t0 = process.hrtime.bigint();
      const published = await fw.publish('profep', { containerIp: '10.210.0.2', ports: [spec] });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (published.length !== N) throw new Error(`published ${published.length}, expected ${N}`);
    } finally {
      await fw.reconcile({ networks: [], endpoints: [] });
      fw.close();
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`publish of ${N} ports, ${RUNS} runs (ms): ${times.map((t) => t.toFixed(1)).join(' ')}; median ${sorted[Math.floor(RUNS / 2)].toFixed(1)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
