// netplumb as a peer in the endpoint benchmark.
//   node dist/bench/drivers/netplumb-endpoints.js N BRIDGE PREFIX SUBNET16 seq|batch
// seq:   the API as most scripts use it: one awaited call per step, links by name.
// batch: the fastest way (examples/endpoint-setup.ts): the namespace and its
//        handle made on one thread (Netlink.openNew), the peer's ifindex
//        pinned so the in-namespace batch needs no lookup, and both sides'
//        batches committed in one trip to the worker pool (Batch.commitAll).
import { Batch, NetNs, Netlink } from '../../src';
import { awaitGo, endpointPlan, monotonicNs, reportSetup, reportTeardownStart, type EndpointPlan } from './protocol';

const [count, bridge, prefix, subnet16, mode] = process.argv.slice(2);
const n = Number(count);

async function sequential(host: Netlink, e: EndpointPlan): Promise<NetNs> {
  const ns = await NetNs.create(e.netns);
  const inside = await Netlink.open({ netns: ns });
  await host.linkAdd({ name: e.hostVeth, kind: 'veth', master: bridge, up: true, peer: { name: 'eth0', netns: ns } });
  await inside.linkSet('lo', { up: true });
  await inside.linkSet('eth0', { up: true });
  await inside.addrAdd('eth0', e.cidr);
  await inside.routeAdd({ dst: 'default', gateway: e.gateway });
  inside.close();
  return ns;
}

/** lo is 1 in a fresh namespace; the container's eth0 is pinned to 2. */
const LO = 1;
const ETH0 = 2;

async function batched(host: Netlink, bridgeIndex: number, e: EndpointPlan): Promise<NetNs> {
  const inside = await Netlink.openNew(e.netns);
  const ns = inside.netns!;
  await Batch.commitAll([
    host.batch()
      .linkAdd({ name: e.hostVeth, kind: 'veth', master: bridgeIndex, up: true, peer: { name: 'eth0', netns: ns, index: ETH0 } }),
    inside.batch()
      .linkSet(LO, { up: true })
      .linkSet(ETH0, { up: true })
      .addrAdd(ETH0, e.cidr)
      .routeAdd({ dst: 'default', gateway: e.gateway }),
  ]);
  inside.close();
  return ns;
}

async function main(): Promise<void> {
  const host = await Netlink.open();
  const bridgeIndex = (await host.linkGet(bridge)).index;
  const spaces: NetNs[] = [];
  const t0 = monotonicNs();
  for (let i = 0; i < n; i++) {
    const e = endpointPlan(prefix, subnet16, i);
    spaces.push(mode === 'batch' ? await batched(host, bridgeIndex, e) : await sequential(host, e));
  }
  reportSetup(monotonicNs() - t0);
  if (!(await awaitGo())) return;
  const t1 = monotonicNs();
  for (const ns of spaces) await ns.delete();
  reportTeardownStart(t1);
  host.close();
}

main().catch((err) => {
  console.error(`netplumb driver: ${(err as Error).message}`);
  process.exit(1);
});
