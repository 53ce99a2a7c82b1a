// Large dumps, descriptor hygiene (rtnetlink alone, and every kind of
// descriptor the addon opens: namespaces, handles, events, nf_tables), and
// where namespaces are entered.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { readdirSync, readlinkSync } from 'fs';
import { Netlink } from '../../src/netlink/handle';
import { NetNs } from '../../src/netns';
import { Nftables } from '../../src/nft/nftables';
import { rule } from '../../src/nft/rule';
import { ipNetnsNames } from '../helpers/kernel-state';
import { freshNetns, requireSandbox } from '../helpers/sandbox';

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The network namespace of every thread of this process. */
function threadNamespaces(): Map<string, string> {
  const out = new Map<string, string>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(tid, readlinkSync(`/proc/self/task/${tid}/ns/net`));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

describe('scale and hygiene', function () {
  before(function () { requireSandbox(this); });

  it('dumps 10,000 links, as many as ip -j link counts', async function () {
    this.timeout(120000);
    const env = await freshNetns('big');
    try {
      const batch = env.nl.batch();
      for (let i = 0; i < 10000; i++) batch.linkAdd({ name: `x${i}`, kind: 'ifb' });
      await batch.commit();
      const links = await env.nl.linkList();
      const oracle = JSON.parse(execFileSync('ip', ['-n', env.ns.name!, '-j', 'link', 'show'], { encoding: 'utf8', maxBuffer: 256 << 20 })) as Array<{ ifname: string }>;
      assert.equal(oracle.length, 10001);
      assert.equal(links.length, oracle.length);
      assert.deepEqual(new Set(links.map((l) => l.name)), new Set(oracle.map((l) => l.ifname)));
      for (const l of links) assert.ok(l.stats, `${l.name} has stats`);
    } finally {
      // deleting the namespace lets the kernel destroy the links in bulk
      await env.dispose();
    }
  });

  it('10,000 operations leave no descriptor behind', async function () {
    this.timeout(120000);
    const env = await freshNetns('fd');
    try {
      const setup = env.nl.batch();
      for (let i = 0; i < 50; i++) setup.linkAdd({ name: `f${i}`, kind: 'bridge' });
      await setup.commit();
      const before = openFds();
      let operations = 0;
      for (let round = 0; round < 35; round++) {
        const nl = await Netlink.open({ netns: env.ns });
        const up = nl.batch();
        for (let i = 0; i < 50; i++) up.linkSet(`f${i}`, { up: round % 2 === 0 });
        await up.commit();
        await Promise.all(Array.from({ length: 50 }, (_, i) => nl.linkGet(`f${i}`)));
        const add = nl.batch();
        for (let i = 0; i < 50; i++) add.addrAdd(`f${i}`, `10.${round}.${i}.1/24`).routeAdd({ dst: `10.${100 + round}.${i}.0/24`, type: 'blackhole' });
        await add.commit();
        const del = nl.batch();
        for (let i = 0; i < 50; i++) del.routeDel({ dst: `10.${100 + round}.${i}.0/24` }).addrDel(`f${i}`, `10.${round}.${i}.1/24`);
        await del.commit();
        await nl.linkList();
        await nl.addrList();
        // failures must not leak either
        await assert.rejects(nl.linkAdd({ name: 'f0', kind: 'bridge' }), { code: 'EEXIST' });
        await assert.rejects(nl.linkAdd({ name: 'v', kind: 'veth', peer: { name: 'w', netns: 'no-such-ns' } }), { code: 'ENOENT' });
        await nl.sysctlGet('net.ipv4.ip_forward');
        (await nl.events(['link'])).close();
        nl.close();
        operations += 50 + 50 + 100 + 100 + 2 + 4 + 2;
      }
      assert.ok(operations >= 10000, `${operations} operations`);
      // every request above is at least one message and one reply; with the
      // name lookups of each batch, well over 10,000 kernel round trips
      assert.equal(openFds(), before);
    } finally {
      await env.dispose();
    }
  });

  it('10,000 mixed operations (namespaces, handles, events, nf_tables batches) leave no descriptor behind', async function () {
    this.timeout(300000);
    let operations = 0;
    /** One round: everything the addon opens a descriptor for, opened, used, failed on and closed. */
    const round = async (r: number) => {
      const ns = await NetNs.create(`fdmix${process.pid}-${r}`);
      const again = await NetNs.open(ns.name!);
      const nl = await Netlink.open({ netns: ns });
      const nft = await Nftables.open({ netns: again });
      operations += 4;
      // links, one of them born in the namespace through IFLA_NET_NS_FD
      const links = nl.batch();
      for (let i = 0; i < 10; i++) links.linkAdd({ name: `m${i}`, kind: 'ifb' });
      links.linkAdd({ name: 'vh', kind: 'veth', peer: { name: 'vp', netns: ns } });
      await links.commit();
      operations += 11;
      const events = await nl.events(['link', 'address']);
      await nl.linkSet('m0', { up: true });
      await nl.addrAdd('m0', `10.77.${r % 250}.1/24`);
      events.close();
      operations += 4;
      // an nf_tables batch: table, chain, set with elements, a rule using it
      const table = { family: 'inet' as const, name: 'fdmix' };
      const set = { family: 'inet' as const, table: 'fdmix', name: 'hosts' };
      const elements = Array.from({ length: 40 }, (_, i) => ({ key: `10.78.${r % 250}.${i + 1}` }));
      await nft.batch()
        .addTable(table)
        .addChain({ family: 'inet', table: 'fdmix', name: 'fwd', hook: 'forward', type: 'filter', policy: 'accept' })
        .addSet({ ...set, type: 'ipv4_addr' })
        .addElements(set, elements)
        .addRule({ family: 'inet', table: 'fdmix', chain: 'fwd' }, rule().ipSaddr('@hosts').counter().drop())
        .commit();
      operations += 5 + elements.length;
      await nft.listTables();
      await nft.listRules(table);
      await nft.listElements(set);
      await nft.batch().deleteElements(set, elements.slice(0, 20)).commit();
      operations += 3 + 20;
      // failures must not leak either: a refused transaction, an unknown link, a missing namespace
      await assert.rejects(nft.batch().addElements({ ...set, name: 'nosuch' }, elements.slice(0, 1)).commit());
      await assert.rejects(nl.linkSet('nosuch0', { up: true }), { code: 'ENODEV' });
      await assert.rejects(NetNs.open('no-such-namespace'), { code: 'ENOENT' });
      await assert.rejects(nl.linkAdd({ name: 'v', kind: 'veth', peer: { name: 'w', netns: 'no-such-ns' } }), { code: 'ENOENT' });
      operations += 4;
      await nl.linkList();
      await nl.sysctlGet('net.ipv4.ip_forward');
      await nft.batch().deleteTable(table).commit();
      operations += 3;
      nft.close();
      nl.close();
      await ns.delete();
      operations += 3;
    };
    await round(0);  // first use of each kind of request, outside the count
    const before = openFds();
    operations = 0;
    let rounds = 1;
    while (operations < 10000) await round(rounds++);
    assert.ok(operations >= 10000, `${operations} operations`);
    assert.equal(openFds(), before, `descriptors after ${operations} operations in ${rounds - 1} rounds`);
    assert.deepEqual(ipNetnsNames().filter((n) => n.startsWith(`fdmix${process.pid}-`)), [], 'every namespace deleted');
  });

  it('never moves the JS thread or a libuv pool thread into another namespace', async () => {
    const home = readlinkSync('/proc/self/ns/net');
    const env = await freshNetns('th');
    try {
      // Keep the pool busy with namespace work of every kind.
      await Promise.all(Array.from({ length: 16 }, async (_, i) => {
        const nl = await Netlink.open({ netns: env.ns });
        await nl.linkAdd({ name: `t${i}`, kind: 'veth', peer: { name: `u${i}`, netns: env.ns } });
        await nl.sysctlSet(`net.ipv4.conf.t${i}.route_localnet`, 1);
        await nl.sysctlGet('net.ipv4.ip_forward');
        (await nl.events()).close();
        nl.close();
      }));
      const threads = threadNamespaces();
      assert.ok(threads.size > 4, 'the libuv pool threads exist');
      for (const [tid, ns] of threads) assert.equal(ns, home, `thread ${tid} is in ${ns}, not ${home}`);
    } finally {
      await env.dispose();
    }
  });
});
