// Measurement 6: memory and descriptors of a library process.
//   node --expose-gc dist/bench/drivers/netplumb-memory.js BRIDGE PREFIX SUBNET16 HOLD CYCLES
// 1. RSS and open descriptors while holding HOLD endpoints (each a named
//    namespace with a veth born inside it on the bridge, addressed and routed,
//    as examples/endpoint-setup.ts makes them); then all removed.
// 2. CYCLES create/remove cycles of one endpoint, sampling RSS, the JS heap
//    and descriptors (after a full GC) ten times along the way: a leak shows
//    as a steady climb.
// Prints one JSON line.
import * as fs from 'fs';
import { Batch, Netlink } from '../../src';

const [bridge, prefix, subnet16, holdArg, cyclesArg] = process.argv.slice(2);
const HOLD = Number(holdArg);
const CYCLES = Number(cyclesArg);
const LO = 1, ETH0 = 2;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function sample(): { rssMiB: number; heapMiB: number; fds: number } {
  gc!();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20, fds: fs.readdirSync('/proc/self/fd').length };
}

function address(i: number): string {
  const host = (i % 60000) + 2;
  return `${subnet16}.${host >> 8}.${host & 255}`;
}

async function endpoint(host: Netlink, bridgeIndex: number, i: number): Promise<Netlink> {
  const inside = await Netlink.openNew(`${prefix}n${i}`);
  await Batch.commitAll([
    host.batch().linkAdd({ name: `${prefix}v${i}`, kind: 'veth', master: bridgeIndex, up: true, peer: { name: 'eth0', netns: inside.netns!, index: ETH0 } }),
    inside.batch().linkSet(LO, { up: true }).linkSet(ETH0, { up: true }).addrAdd(ETH0, `${address(i)}/16`).routeAdd({ dst: 'default', gateway: `${subnet16}.0.1` }),
  ]);
  inside.close();
  return inside;
}

async function main(): Promise<void> {
  const host = await Netlink.open();
  const bridgeIndex = (await host.linkGet(bridge)).index;
  let next = 0;
  // Warm up (JIT, pools) before the baseline.
  for (let i = 0; i < 20; i++) await (await endpoint(host, bridgeIndex, next++)).netns!.delete();
  const base = sample();
  const held: Netlink[] = [];
  for (let i = 0; i < HOLD; i++) held.push(await endpoint(host, bridgeIndex, next++));
  const holding = sample();
  for (const h of held) await h.netns!.delete();
  held.length = 0;
  const released = sample();
  const cycles: Array<{ cycle: number; rssMiB: number; heapMiB: number; fds: number }> = [];
  const t0 = process.hrtime.bigint();
  for (let c = 1; c <= CYCLES; c++) {
    await (await endpoint(host, bridgeIndex, next++)).netns!.delete();
    if (c % Math.max(1, Math.floor(CYCLES / 10)) === 0) cycles.push({ cycle: c, ...sample() });
  }
  const cycleMs = Number(process.hrtime.bigint() - t0) / 1e6 / Math.max(1, CYCLES);
  host.close();
  process.stdout.write(`${JSON.stringify({ hold: HOLD, base, holding, released, cycleMs, cycles })}\n`);
}

main().catch((err) => {
  console.error(`netplumb memory driver: ${(err as Error).message}`);
  process.exit(1);
});
