// netplumb as a peer in the port-publishing benchmark: NftablesFirewall.publish
// of N mappings (one range spec, N ports), from an empty table, once per line
// "run" read from stdin; answers each with {"ns": time}. The firewall's table
// is removed after each run (untimed), so every run starts empty.
//   node dist/bench/drivers/netplumb-publish.js N NETNS BRIDGE SUBNET CONTAINER_IP FIRST_PORT
import * as readline from 'readline';
import { NftablesFirewall } from '../../src/net/firewall';

const [count, netns, bridge, subnet, containerIp, firstPort] = process.argv.slice(2);
const n = Number(count);
const first = Number(firstPort);

async function once(): Promise<number> {
  const fw = await NftablesFirewall.open({ netns });
  try {
    await fw.addNetwork({ id: 'benchnet', bridge, subnets: [subnet] });
    const spec = n === 1 ? `${first}:${first}` : `${first}-${first + n - 1}:${first}-${first + n - 1}`;
    const t0 = process.hrtime.bigint();
    const published = await fw.publish('benchep', { containerIp, ports: [spec] });
    const ns = Number(process.hrtime.bigint() - t0);
    if (published.length !== n) throw new Error(`published ${published.length} mappings, expected ${n}`);
    return ns;
  } finally {
    await fw.reconcile({ networks: [], endpoints: [] });
    fw.close();
  }
}

async function main(): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line === 'run') process.stdout.write(`${JSON.stringify({ ns: await once() })}\n`);
    else if (line === 'keep') {
      // One more publication left in place, for the harness to check through nft -j.
      const fw = await NftablesFirewall.open({ netns });
      await fw.addNetwork({ id: 'benchnet', bridge, subnets: [subnet] });
      const spec = `${first}-${first + n - 1}:${first}-${first + n - 1}`;
      await fw.publish('benchep', { containerIp, ports: [n === 1 ? `${first}:${first}` : spec] });
      fw.close();
      process.stdout.write('{"kept":true}\n');
    }
  }
}

main().catch((err) => {
  console.error(`netplumb publish driver: ${(err as Error).message}`);
  process.exit(1);
});
