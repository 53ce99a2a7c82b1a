// The fastest way to give a container its network with netplumb's API: one
// namespace, one veth whose container end is born inside it, the host end on
// a bridge, and inside: lo and eth0 up, an address, a default route.
//
//   node dist/examples/endpoint-setup.js [COUNT]
//
// It changes the namespace it runs in (adds a bridge br-example), so try it
// in a throwaway one: unshare --net --mount --propagation private -- sh -c
// 'mount -t tmpfs none /run/netns && ip link set lo up && node dist/examples/endpoint-setup.js 10'
//
// What makes it fast (bench/README.md has the numbers):
// - The namespace and the handle inside it are made on one thread
//   (Netlink.openNew): NetNs.create + Netlink.open would start a second
//   thread just to enter the namespace again.
// - The container end is created inside the namespace (peer.netns), never
//   moved there later: a move waits for an RCU grace period (~20 ms).
// - Its interface index is pinned (peer.index: lo is always 1 in a fresh
//   namespace, so 2 is free). The in-namespace requests then name links by
//   index and need no lookup round trip.
// - Each side's requests go in one batch (one send, every ack checked), and
//   both batches in one trip to the worker pool (Batch.commitAll).
// - The bridge is named by index, looked up once.
// - Teardown deletes the namespace, not the veth: the kernel destroys the
//   pair with it, in bulk (RTM_DELLINK one by one costs 20-40 ms each).
import { Batch, NetNs, Netlink } from '../src';

const LO = 1;
const ETH0 = 2;

/** Sets up endpoint `name` on the bridge whose index is given; returns its namespace. */
async function setUpEndpoint(host: Netlink, bridgeIndex: number, name: string, cidr: string, gateway: string): Promise<NetNs> {
  const inside = await Netlink.openNew(name);               // ip netns add NAME, and a handle inside it
  const ns = inside.netns!;
  try {
    await Batch.commitAll([                                  // the inside batch is sent only if the host's succeeded
      host.batch()                                           // ip link add veth-NAME master BR up type veth peer name eth0 index 2 netns NAME
        .linkAdd({ name: `veth-${name}`, kind: 'veth', master: bridgeIndex, up: true, peer: { name: 'eth0', netns: ns, index: ETH0 } }),
      inside.batch()                                         // ip -n NAME -batch: link set lo up; link set eth0 up; addr add; route add default
        .linkSet(LO, { up: true })
        .linkSet(ETH0, { up: true })
        .addrAdd(ETH0, cidr)
        .routeAdd({ dst: 'default', gateway }),
    ]);
  } catch (err) {
    inside.close();                                          // an open socket would keep the namespace alive after delete
    await ns.delete();                                       // nothing half-done: the veth goes with the namespace
    throw err;
  }
  inside.close();
  return ns;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 3);
  const host = await Netlink.open();
  await host.linkAdd({ name: 'br-example', kind: 'bridge', up: true });
  await host.addrAdd('br-example', '10.88.0.1/16');
  const bridgeIndex = (await host.linkGet('br-example')).index;

  const started = process.hrtime.bigint();
  const spaces: NetNs[] = [];
  for (let i = 0; i < count; i++) {
    const hostPart = i + 2;
    spaces.push(await setUpEndpoint(host, bridgeIndex, `ex${i}`, `10.88.${hostPart >> 8}.${hostPart & 255}/16`, '10.88.0.1'));
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`${count} endpoints in ${ms.toFixed(1)} ms (${(ms / count).toFixed(2)} ms each); try: ip -n ex0 addr; ip -n ex0 route`);

  for (const ns of spaces) await ns.delete();               // ip netns del NAME
  await host.linkDel('br-example');
  host.close();
}

main().catch((err) => {
  console.error(`endpoint-setup: ${(err as Error).message}`);
  process.exit(1);
});
