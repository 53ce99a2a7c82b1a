// A separate process allocating addresses on one store, for the concurrency
// test: node allocate-worker.js STATE_DIR NETWORK_ID OWNER_PREFIX COUNT
import { SqliteStore } from '../../src/net/state/sqlite';
import { allocateAddress } from '../../src/net/ipam';

async function main(): Promise<void> {
  const [dir, networkId, prefix, count] = process.argv.slice(2);
  const store = new SqliteStore(dir);
  for (let i = 0; i < Number(count); i++) {
    const ip = await store.update((tx) => allocateAddress(tx, tx.getNetwork(networkId)!, `${prefix}-${i}`));
    process.stdout.write(`${ip}\n`);
  }
  store.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
