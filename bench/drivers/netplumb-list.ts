// netplumb as a peer in the listing benchmark: `linkList()` REPEATS times in
// the namespace this process runs in (the harness starts it inside the one
// holding the links).
//   node dist/bench/drivers/netplumb-list.js REPEATS
import { Netlink } from '../../src';
import { monotonicNs } from './protocol';

async function main(): Promise<void> {
  const repeats = Number(process.argv[2]);
  const handle = await Netlink.open();
  const runsNs: number[] = [];
  let count = 0;
  for (let r = 0; r < repeats; r++) {
    const t0 = monotonicNs();
    const links = await handle.linkList();
    runsNs.push(Number(monotonicNs() - t0));
    count = links.length;
  }
  handle.close();
  process.stdout.write(`${JSON.stringify({ runsNs, count })}\n`);
}

main().catch((err) => {
  console.error(`netplumb list driver: ${(err as Error).message}`);
  process.exit(1);
});
