// A separate process reserving host ports in one store, for the concurrency
// test: node reserve-worker.js STATE_DIR OWNER FIRST_PORT COUNT. Prints "ok"
// or the conflict's message; each attempt is one reservation of COUNT ports.
import { SqliteStore } from '../../src/net/state/sqlite';
import { StorePortReservations } from '../../src/net/state/port-reservations';
import { PortConflictError } from '../../src/net/firewall/types';

async function main(): Promise<void> {
  const [dir, owner, first, count] = process.argv.slice(2);
  const store = new SqliteStore(dir);
  const reservations = new StorePortReservations(store);
  const keys = Array.from({ length: Number(count) }, (_, i) => ({ protocol: 'tcp' as const, hostIp: '0.0.0.0', hostPort: Number(first) + i }));
  try {
    await reservations.reserve(owner, keys);
    process.stdout.write('ok\n');
  } catch (err) {
    if (!(err instanceof PortConflictError)) throw err;
    process.stdout.write(`conflict ${err.conflicts.length}\n`);
  } finally {
    store.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
