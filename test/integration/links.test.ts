// Links through the API, each result read back with `ip -j -d -s link`.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { NetNs } from '../../src/netns';
import { Netlink } from '../../src/netlink/handle';
import { NetlinkError } from '../../src/errors';
import { freshNetns, inNetns, ipJson, requireSandbox } from '../helpers/sandbox';
import { ipLink, kernelState, linkExists } from '../helpers/kernel-state';

describe('links (oracle: ip -j -d link)', function () {
  before(function () { requireSandbox(this); });
  let env: Awaited<ReturnType<typeof freshNetns>>;
  beforeEach(async () => { env = await freshNetns('lk'); });
  afterEach(async () => { await env.dispose(); });

  it('creates a bridge with stp off and an ageing time, as ip shows it', async () => {
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge', stp: false, ageingTime: 20000 });
    const br = ipLink(env.ns, 'br0');
    assert.equal(br.linkinfo.info_kind, 'bridge');
    assert.equal(br.linkinfo.info_data.stp_state, 0);
    assert.equal(br.linkinfo.info_data.ageing_time, 20000);
    await env.nl.linkAdd({ name: 'br1', kind: 'bridge', stp: true });
    assert.equal(ipLink(env.ns, 'br1').linkinfo.info_data.stp_state, 1);
  });

  it('sets vlan_filtering, or says clearly that this kernel cannot and creates nothing', async () => {
    const before = kernelState(env.ns);
    try {
      await env.nl.linkAdd({ name: 'brv', kind: 'bridge', vlanFiltering: true });
    } catch (err) {
      // Kernels built without CONFIG_BRIDGE_VLAN_FILTERING refuse it.
      assert.ok(err instanceof NetlinkError, String(err));
      assert.equal(err.code, 'EOPNOTSUPP');
      assert.equal(err.op, 'RTM_NEWLINK');
      assert.equal(err.object, 'brv');
      assert.equal(kernelState(env.ns), before);
      return;
    }
    assert.equal(ipLink(env.ns, 'brv').linkinfo.info_data.vlan_filtering, 1);
  });

  it('creates a veth whose peer is born in another namespace', async () => {
    const other = await freshNetns('lp');
    try {
      await env.nl.linkAdd({ name: 'veth-a', kind: 'veth', peer: { name: 'eth0', netns: other.ns } });
      const host = ipLink(env.ns, 'veth-a');
      assert.equal(host.linkinfo.info_kind, 'veth');
      const peer = ipLink(other.ns, 'eth0');
      assert.equal(peer.linkinfo.info_kind, 'veth');
      assert.ok(!linkExists(env.ns, 'eth0'), 'the peer must not appear in the first namespace');
      // Each end names the other's index (IFLA_LINK).
      assert.equal(host.link_index, peer.ifindex);
    } finally {
      await other.dispose();
    }
  });

  it('sets up/down, mtu, mac, alias and txqlen', async () => {
    await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    await env.nl.linkSet('v0', { up: true, mtu: 1400, address: '02:00:00:aa:bb:cc', alias: 'uplink to A', txqlen: 77 });
    let l = ipLink(env.ns, 'v0');
    assert.ok(l.flags.includes('UP'));
    assert.equal(l.mtu, 1400);
    assert.equal(l.address, '02:00:00:aa:bb:cc');
    assert.equal(l.ifalias, 'uplink to A');
    assert.equal(l.txqlen, 77);
    await env.nl.linkSet('v0', { up: false, alias: '' });
    l = ipLink(env.ns, 'v0');
    assert.ok(!l.flags.includes('UP'));
    assert.equal(l.ifalias, undefined);
  });

  it('renames a link', async () => {
    await env.nl.linkAdd({ name: 'old0', kind: 'bridge' });
    const index = ipLink(env.ns, 'old0').ifindex;
    await env.nl.linkSet('old0', { name: 'new0' });
    assert.ok(!linkExists(env.ns, 'old0'));
    assert.equal(ipLink(env.ns, 'new0').ifindex, index);
    await env.nl.linkSet(index, { name: 'newer0' });
    assert.equal(ipLink(env.ns, 'newer0').ifindex, index);
  });

  it('enslaves to a bridge and releases (master / nomaster)', async () => {
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge' });
    await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    await env.nl.linkSet('v0', { master: 'br0', up: true });
    assert.equal(ipLink(env.ns, 'v0').master, 'br0');
    await env.nl.linkSet('v0', { master: null });
    assert.equal(ipLink(env.ns, 'v0').master, undefined);
  });

  it('moves a link to another namespace', async () => {
    const other = await freshNetns('lm');
    try {
      await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
      await env.nl.linkSet('v1', { netns: other.ns });
      assert.ok(!linkExists(env.ns, 'v1'));
      assert.equal(ipLink(other.ns, 'v1').linkinfo.info_kind, 'veth');
      // by name as well
      await other.nl.linkSet('v1', { netns: env.ns.name! });
      assert.ok(linkExists(env.ns, 'v1'));
    } finally {
      await other.dispose();
    }
  });

  it('gets and lists links, filtered by master and by kind, as ip shows them', async () => {
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge' });
    await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' }, master: 'br0' });
    await env.nl.linkAdd({ name: 'v2', kind: 'veth', peer: { name: 'v3' } });
    const all = await env.nl.linkList();
    const oracle = ipJson(env.ns, 'link', 'show');
    assert.deepEqual(all.map((l) => [l.index, l.name]).sort(), oracle.map((l) => [l.ifindex, l.ifname]).sort());
    const ports = await env.nl.linkList({ master: 'br0' });
    assert.deepEqual(ports.map((l) => l.name), ipJson(env.ns, 'link', 'show', 'master', 'br0').map((l) => l.ifname));
    assert.deepEqual(ports.map((l) => l.name), ['v0']);
    const veths = await env.nl.linkList({ kind: 'veth' });
    assert.deepEqual(veths.map((l) => l.name).sort(), ipJson(env.ns, 'link', 'show', 'type', 'veth').map((l) => l.ifname).sort());
    const br = await env.nl.linkGet('br0');
    const oracleBr = ipLink(env.ns, 'br0');
    assert.equal(br.index, oracleBr.ifindex);
    assert.equal(br.kind, 'bridge');
    assert.equal(br.address, oracleBr.address);
    assert.equal(br.mtu, oracleBr.mtu);
    assert.equal((await env.nl.linkGet(br.index)).name, 'br0');
  });

  it('deletes links, and the kernel deletes the veth peer with them', async () => {
    await env.nl.linkAdd({ name: 'br0', kind: 'bridge' });
    await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    await env.nl.linkDel('v0');
    await env.nl.linkDel(ipLink(env.ns, 'br0').ifindex);
    assert.deepEqual(ipJson(env.ns, 'link', 'show').map((l) => l.ifname), ['lo']);
  });

  it('gives 64-bit stats on every listed link, which move with traffic', async () => {
    await env.nl.linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } });
    await env.nl.linkSet('v0', { up: true });
    await env.nl.linkSet('v1', { up: true });
    await env.nl.addrAdd('v0', '10.7.0.1/24');
    // a fixed neighbour, so the datagrams leave at once without ARP
    await env.nl.neighAdd({ dev: 'v0', address: '10.7.0.2', lladdr: '02:00:00:00:07:02' });
    const before = await env.nl.linkList();
    for (const l of before) {
      assert.ok(l.stats, `${l.name} has stats`);
      for (const v of Object.values(l.stats!)) assert.equal(typeof v, 'number');
    }
    const send = `const s = require('dgram').createSocket('udp4'); let n = 0;
      const next = () => s.send(Buffer.alloc(200), 9, '10.7.0.2', () => (++n < 10 ? next() : s.close())); next();`;
    const r = inNetns(env.ns, process.execPath, '-e', send);
    assert.equal(r.status, 0, r.stderr);
    const after = await env.nl.linkGet('v0');
    const was = before.find((l) => l.name === 'v0')!.stats!;
    assert.ok(after.stats!.txPackets >= was.txPackets + 10, `tx packets moved: ${was.txPackets} -> ${after.stats!.txPackets}`);
    assert.ok(after.stats!.txBytes >= was.txBytes + 10 * 200, 'tx bytes moved');
    const peer = await env.nl.linkGet('v1');
    assert.ok(peer.stats!.rxPackets >= 10, 'the peer received them');
    // and agree with iproute2's reading, taken just after ours
    const oracle = ipLink(env.ns, 'v0').stats64;
    assert.ok(oracle.tx.packets >= after.stats!.txPackets && oracle.tx.packets - after.stats!.txPackets < 5);
    assert.ok(oracle.tx.bytes >= after.stats!.txBytes);
  });
});

describe('namespaces (oracle: ip netns)', function () {
  before(function () { requireSandbox(this); });

  it('creates, lists, opens and deletes a namespace as ip netns sees it', async () => {
    const name = `nsA${process.pid}`;
    const ns = await NetNs.create(name);
    try {
      const listed = execFileSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8' });
      assert.ok((JSON.parse(listed) as Array<{ name: string }>).some((n) => n.name === name));
      assert.ok((await NetNs.list()).some((n) => n.name === name));
      // `ip netns exec` works on ours, and sees only lo
      const r = execFileSync('ip', ['netns', 'exec', name, 'ip', '-j', 'link', 'show'], { encoding: 'utf8' });
      assert.deepEqual((JSON.parse(r) as Array<{ ifname: string }>).map((l) => l.ifname), ['lo']);
      const byName = await NetNs.open(name);
      assert.equal(byName.inode, ns.inode);
      const byPath = await NetNs.open({ path: `/run/netns/${name}` });
      assert.equal(byPath.inode, ns.inode);
      // a link made in it through a handle opened by name shows up there
      const nl = await Netlink.open({ netns: name });
      await nl.linkAdd({ name: 'br9', kind: 'bridge' });
      nl.close();
      assert.ok(linkExists(ns, 'br9'));
    } finally {
      await ns.delete();
    }
    assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').some((l) => l.split(' ')[0] === name));
    assert.ok(!(await NetNs.list()).some((n) => n.name === name));
  });

  it('opens a namespace made by ip netns add, and ip netns delete removes it from our list', async () => {
    const name = `ipA${process.pid}`;
    execFileSync('ip', ['netns', 'add', name]);
    try {
      const ns = await NetNs.open(name);
      const nl = await Netlink.open({ netns: ns });
      await nl.linkAdd({ name: 'brx', kind: 'bridge' });
      nl.close();
      assert.ok(ipJson(ns, 'link', 'show').some((l) => l.ifname === 'brx'));
    } finally {
      execFileSync('ip', ['netns', 'delete', name]);
    }
    assert.ok(!(await NetNs.list()).some((n) => n.name === name));
  });

  it('opens the namespace of a process by pid', async () => {
    const env = await freshNetns('pid');
    const { spawn } = await import('child_process');
    const child = spawn('ip', ['netns', 'exec', env.ns.name!, 'sleep', '30'], { stdio: 'ignore' });
    try {
      // wait until the child has entered the namespace (its exec of sleep)
      let ns: NetNs | undefined;
      for (let i = 0; i < 100; i++) {
        const candidate = await NetNs.open({ pid: child.pid! });
        if (candidate.inode === env.ns.inode) { ns = candidate; break; }
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(ns, 'the process entered the namespace');
      const nl = await Netlink.open({ netns: ns });
      await nl.linkAdd({ name: 'brp', kind: 'bridge' });
      nl.close();
      assert.ok(linkExists(env.ns, 'brp'));
    } finally {
      child.kill('SIGKILL');
      await env.dispose();
    }
  });
});
