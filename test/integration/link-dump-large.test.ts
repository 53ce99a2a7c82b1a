// A dump bigger than one receive (1,201 links): every link arrives once,
// checked against `ip -j link`, every field of every link against
// `ip -j -s -d link`. Guards the socket's receive buffer and the dump's
// blocks, which are allocated without being zero-filled, filled by several
// receives each and lent to the JS thread only for the decoder's call
// (bench/README.md, "where time goes").
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { K, native } from '../../bindings';
import { LINK_INDEX } from '../../src/netlink/link-decode';
import { freshNetns, ipJson, requireSandbox } from '../helpers/sandbox';

interface IpLink {
  ifindex: number; ifname: string; flags: string[]; mtu: number; operstate: string; txqlen: number;
  address: string; broadcast: string; link_index?: number; min_mtu: number; max_mtu: number; promiscuity: number;
  num_tx_queues: number; num_rx_queues: number; linkinfo?: { info_kind: string };
  stats64: { rx: { bytes: number; packets: number; errors: number; dropped: number; multicast: number }; tx: { bytes: number; packets: number; errors: number; dropped: number } };
}

describe('link dump larger than one receive', function () {
  before(function () {
    requireSandbox(this);
  });

  it('lists the same 1,201 links as ip -j link', async function () {
    this.timeout(120000);
    const { ns, nl, dispose } = await freshNetns('dump');
    try {
      const batch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dump-')), 'links.batch');
      fs.writeFileSync(batch, Array.from({ length: 600 }, (_, i) => `link add d${i}a type veth peer name d${i}b\n`).join(''));
      execFileSync('ip', ['-n', ns.name!, '-batch', batch]);
      const ours = (await nl.linkList()).map((l) => `${l.index}:${l.name}`).sort();
      const theirs = ipJson<Array<{ ifindex: number; ifname: string }>>(ns, 'link', 'show').map((l) => `${l.ifindex}:${l.ifname}`).sort();
      assert.equal(ours.length, 1201);
      assert.deepEqual(ours, theirs);

      // Every field of every link, as iproute2 reads the same kernel.
      const links = await nl.linkList();
      const ip = new Map(ipJson<IpLink[]>(ns, '-s', '-d', 'link', 'show').map((l) => [l.ifindex, l]));
      for (const l of links) {
        const t = ip.get(l.index)!;
        const what = `${l.index}:${l.name}`;
        assert.deepEqual(
          [l.name, l.up, l.mtu, l.minMtu, l.maxMtu, l.operstate, l.txqlen, l.address, l.broadcast, l.promiscuity, l.numTxQueues, l.numRxQueues, l.kind],
          [t.ifname, t.flags.includes('UP'), t.mtu, t.min_mtu, t.max_mtu, t.operstate, t.txqlen, t.address, t.broadcast, t.promiscuity, t.num_tx_queues, t.num_rx_queues, t.linkinfo?.info_kind],
          what);
        if (t.link_index !== undefined) assert.equal(l.link, t.link_index, what);
        const s = l.stats!;
        assert.deepEqual(
          [s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.multicast, s.txBytes, s.txPackets, s.txErrors, s.txDropped],
          [t.stats64.rx.bytes, t.stats64.rx.packets, t.stats64.rx.errors, t.stats64.rx.dropped, t.stats64.rx.multicast,
            t.stats64.tx.bytes, t.stats64.tx.packets, t.stats64.tx.errors, t.stats64.tx.dropped],
          what);
      }
    } finally {
      await dispose();
    }
  });

  it('lends each block to the decoder only for its call: a Buffer kept past it is empty', async function () {
    this.timeout(120000);
    const { ns, dispose } = await freshNetns('lend');
    const socket = new native.NetlinkSocket();
    try {
      const batch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lend-')), 'links.batch');
      fs.writeFileSync(batch, Array.from({ length: 300 }, (_, i) => `link add e${i}a type veth peer name e${i}b\n`).join(''));
      execFileSync('ip', ['-n', ns.name!, '-batch', batch]);
      await socket.open(K.NETLINK_ROUTE, ns.path);
      const kept: Array<[Buffer, Buffer]> = [];
      let messages = 0;
      await socket.dump([{ op: 'link.dump', args: {} }], (chunk, index) => {
        assert.ok(chunk.length > 0 && index.length > 0);
        messages += index.length / 4 / (5 + 2 * LINK_INDEX.types.length);
        kept.push([chunk, index]);
      }, LINK_INDEX);
      assert.equal(messages, 601);
      assert.ok(kept.length > 1, 'a dump of 601 links comes in more than one block');
      for (const [chunk, index] of kept) {
        assert.equal(chunk.length, 0);
        assert.equal(index.length, 0);
      }
    } finally {
      socket.close();
      await dispose();
    }
  });
});
