// A namespace and its handles made on one thread (openNewNetns,
// Netlink.openNew), and batches of several handles committed in one trip to
// the worker pool (Batch.commitAll, Netlink.sendAll). Oracles: ip -j, nft -j,
// stat of the bind mount.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { native, K } from '../../bindings';
import { Batch, Netlink } from '../../src/netlink/handle';
import { NetNs } from '../../src/netns';
import { openNewNetns } from '../../src/netns-open';
import { BatchError, NetlinkError } from '../../src/errors';
import { freshNetns, inNetns, ipJson, requireSandbox } from '../helpers/sandbox';

let counter = 0;
const fresh = (prefix: string) => `${prefix}${process.pid}-${++counter}`;

function netnsNames(): string[] {
  const out = execFileSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8' });
  return (JSON.parse(out || '[]') as Array<{ name: string }>).map((n) => n.name);
}

describe('namespaces made with their handles on one thread (oracle: ip -j, nft -j)', function () {
  before(function () { requireSandbox(this); });

  it('openNewNetns makes a namespace ip netns sees, with only lo, and a handle that acts inside it', async () => {
    const name = fresh('on');
    const { netns, netlink, nftables } = await openNewNetns(name);
    try {
      assert.equal(nftables, undefined);
      assert.ok(netnsNames().includes(name));
      assert.equal(netns.name, name);
      assert.equal(netns.path, `/run/netns/${name}`);
      assert.equal(netns.inode, fs.statSync(`/run/netns/${name}`).ino);
      assert.equal((await NetNs.open(name)).inode, netns.inode);
      assert.deepEqual(ipJson(netns, 'link', 'show').map((l) => l.ifname), ['lo']);
      await netlink.linkAdd({ name: 'br-in', kind: 'bridge' });
      assert.ok(ipJson(netns, 'link', 'show').some((l) => l.ifname === 'br-in'));
      assert.ok(!ipJson(undefined, 'link', 'show').some((l) => l.ifname === 'br-in'), 'not in the namespace the test runs in');
    } finally {
      netlink.close();
      await netns.delete();
    }
    assert.ok(!netnsNames().includes(name));
  });

  it('opens an nf_tables handle inside it too when asked', async () => {
    const name = fresh('onf');
    const { netns, netlink, nftables } = await openNewNetns(name, { nftables: true });
    try {
      assert.ok(nftables);
      assert.equal(nftables.netns?.inode, netns.inode);
      await nftables.batch().addTable({ family: 'inet', name: 'onft' }).commit();
      const inside = JSON.parse(inNetns(netns, 'nft', '-j', 'list', 'tables').stdout) as { nftables: Array<{ table?: { name: string } }> };
      assert.ok(inside.nftables.some((e) => e.table?.name === 'onft'));
      const here = JSON.parse(execFileSync('nft', ['-j', 'list', 'tables'], { encoding: 'utf8' })) as { nftables: Array<{ table?: { name: string } }> };
      assert.ok(!here.nftables.some((e) => e.table?.name === 'onft'), 'not in the namespace the test runs in');
    } finally {
      nftables?.close();
      netlink.close();
      await netns.delete();
    }
  });

  it('Netlink.openNew gives a handle whose netns is the new namespace', async () => {
    const name = fresh('onn');
    const nl = await Netlink.openNew(name);
    try {
      assert.equal(nl.netns?.name, name);
      await nl.linkSet(1, { up: true });
      const lo = ipJson<Array<{ ifname: string; flags: string[] }>>(nl.netns, 'link', 'show', 'lo')[0];
      assert.ok(lo.flags.includes('UP'));
    } finally {
      nl.close();
      await nl.netns!.delete();
    }
    assert.ok(!netnsNames().includes(name));
  });

  it('a taken name fails with EEXIST and leaves the existing namespace as it was', async () => {
    const name = fresh('ont');
    execFileSync('ip', ['netns', 'add', name]);
    try {
      const inode = fs.statSync(`/run/netns/${name}`).ino;
      const err = await openNewNetns(name).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof NetlinkError, String(err));
      assert.equal(err.code, 'EEXIST');
      assert.equal(fs.statSync(`/run/netns/${name}`).ino, inode);
      assert.deepEqual(netnsNames().filter((n) => n === name), [name]);
    } finally {
      execFileSync('ip', ['netns', 'delete', name]);
    }
  });

  it('a bad name is a TypeError before anything is made', async () => {
    const before = netnsNames();
    await assert.rejects(openNewNetns('a/b'), TypeError);
    await assert.rejects(Netlink.openNew(''), TypeError);
    assert.deepEqual(netnsNames(), before);
  });

  it('a socket that cannot be opened undoes the namespace: nothing half-made', async () => {
    const name = fresh('onx');
    // Protocol 31 is no netlink family: socket() fails inside the new namespace.
    const err = await native.netnsCreate('/run/netns', `/run/netns/${name}`, [{ socket: new native.NetlinkSocket(), protocol: 31 }])
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof NetlinkError, String(err));
    assert.equal(err.op, 'socket');
    assert.ok(!netnsNames().includes(name));
    assert.ok(!fs.existsSync(`/run/netns/${name}`));
  });

  it('refuses an already open socket, or something that is not one', async () => {
    const open = new native.NetlinkSocket();
    await open.open(K.NETLINK_ROUTE, null);
    try {
      assert.throws(() => native.netnsCreate('/run/netns', '/run/netns/never', [{ socket: open, protocol: K.NETLINK_ROUTE }]), /already open/);
      assert.throws(() => native.netnsCreate('/run/netns', '/run/netns/never', [{ socket: {} as never, protocol: K.NETLINK_ROUTE }]), /expected a NetlinkSocket/);
    } finally {
      open.close();
    }
    assert.ok(!fs.existsSync('/run/netns/never'));
  });
});

describe('batches of several handles in one trip (oracle: ip -j)', function () {
  before(function () { requireSandbox(this); });
  type Env = Awaited<ReturnType<typeof freshNetns>>;
  let host: Env;
  let inside: Netlink;
  beforeEach(async () => {
    host = await freshNetns('ca');
    inside = await Netlink.openNew(fresh('cb'));
  });
  afterEach(async () => {
    inside.close();
    await inside.netns!.delete().catch(() => undefined);
    await host.dispose();
  });

  it('sets up a container endpoint: veth born inside, then addressed and routed inside', async () => {
    await host.nl.linkAdd({ name: 'br0', kind: 'bridge', up: true });
    const bridge = (await host.nl.linkGet('br0')).index;
    await Batch.commitAll([
      host.nl.batch().linkAdd({ name: 'vh0', kind: 'veth', master: bridge, up: true, peer: { name: 'eth0', netns: inside.netns!, index: 2 } }),
      inside.batch()
        .linkSet(1, { up: true })
        .linkSet(2, { up: true })
        .addrAdd(2, '10.77.0.2/24')
        .routeAdd({ dst: 'default', gateway: '10.77.0.1' }),
    ]);
    assert.equal(ipJson(host.ns, 'link', 'show', 'vh0')[0].master, 'br0');
    const eth0 = ipJson<Array<{ ifindex: number; flags: string[]; addr_info: Array<{ local: string }> }>>(inside.netns, '-4', 'addr', 'show', 'eth0')[0];
    assert.equal(eth0.ifindex, 2);
    assert.ok(eth0.flags.includes('UP'));
    assert.deepEqual(eth0.addr_info.map((a) => a.local), ['10.77.0.2']);
    assert.deepEqual(ipJson(inside.netns, 'route', 'show', 'default').map((r) => r.gateway), ['10.77.0.1']);
  });

  it('does not send a batch once an earlier one failed, and reports the failed one', async () => {
    await host.nl.linkAdd({ name: 'vh0', kind: 'bridge' });
    const err = await Batch.commitAll([
      host.nl.batch().linkAdd({ name: 'vh0', kind: 'veth', peer: { name: 'eth0', netns: inside.netns!, index: 2 } }),
      inside.batch().linkSet(1, { up: true }),
    ]).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof BatchError, String(err));
    assert.deepEqual(err.errors.map((e) => [e.index, e.code]), [[0, 'EEXIST']]);
    const lo = ipJson<Array<{ flags: string[] }>>(inside.netns, 'link', 'show', 'lo')[0];
    assert.ok(!lo.flags.includes('UP'), 'the second batch was not sent');
  });

  it('resolves link names a batch gives, including one an earlier batch makes', async () => {
    await Batch.commitAll([
      host.nl.batch().linkAdd({ name: 'vh1', kind: 'veth', peer: { name: 'eth5', netns: inside.netns! } }),
      inside.batch().linkSet('eth5', { up: true }).addrAdd('eth5', '10.78.0.2/24'),
    ]);
    const eth5 = ipJson<Array<{ addr_info: Array<{ local: string }> }>>(inside.netns, '-4', 'addr', 'show', 'eth5')[0];
    assert.deepEqual(eth5.addr_info.map((a) => a.local), ['10.78.0.2']);
  });

  it('sendAll returns each part\'s results and null for the parts not sent', async () => {
    const results = await Netlink.sendAll([
      { handle: inside, requests: [{ op: 'link.get', args: { index: 1 } }] },
      { handle: host.nl, requests: [{ op: 'link.get', args: { index: 999 } }] },
      { handle: inside, requests: [{ op: 'link.get', args: { index: 1 } }] },
    ]);
    assert.equal((results[0]![0] as Array<Record<string, unknown>>)[0].name, 'lo');
    const failed = results[1]![0];
    assert.ok(failed instanceof NetlinkError && failed.code === 'ENODEV' && failed.index === 0, String(failed));
    assert.equal(results[2], null);
  });
});
