// `netplumb network inspect` and `netplumb inspect` end to end: Docker's JSON
// shapes, with values checked against the kernel (`ip -j addr/link/route` in
// the sandbox, the bridge and its ports on the host, namespace inodes of the
// processes) rather than against netplumb's own listings.
import * as assert from 'assert';
import * as fs from 'fs';
import { ipj, networkRecord, np, npOk } from '../helpers/cli';
import { requireSandbox } from '../helpers/sandbox';

interface IpLink { ifname: string; address: string; master?: string; linkinfo?: { info_kind?: string } }
interface IpAddr { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }

function inet(ns: string | undefined, dev: string): { local: string; prefixlen: number } {
  const [l] = ipj<IpAddr[]>(...(ns ? ['-n', ns] : []), 'addr', 'show', 'dev', dev);
  const { local, prefixlen } = l.addr_info.find((a) => a.family === 'inet')!;
  return { local, prefixlen };
}

function mac(ns: string, dev: string): string {
  return ipj<IpLink[]>('-n', ns, 'link', 'show', 'dev', dev)[0].address;
}

function inspect<T>(...args: string[]): T[] {
  return JSON.parse(npOk(...args)) as T[];
}

// The JSON as parsed: its shape is what the tests check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('e2e: inspect in Docker\'s shapes', function () {
  this.timeout(60000);
  const ids: Record<string, string> = {};

  before(function () {
    requireSandbox(this);
    ids.insp = npOk('network', 'create', '--subnet', '10.84.0.0/24', '--ip-range', '10.84.0.128/25', '--gateway', '10.84.0.254',
      '--aux-address', 'printer=10.84.0.200', '-o', 'com.docker.network.bridge.name=br-insp', 'insp').trim();
    ids.inspint = npOk('network', 'create', '--internal', '--subnet', '10.87.0.0/24', 'inspint').trim();
    ids.i1 = npOk('create', '--name', 'i1', '--net', 'insp', '--network-alias', 'one').trim();
    ids.i2 = npOk('create', '--name', 'i2', '--net', 'insp', '--net', 'inspint', '--dns', '10.84.0.53', '--add-host', 'db:10.84.0.9', '--link', 'i1:first').trim();
    ids.ih = npOk('create', '--name', 'ih', '--net', 'host').trim();
  });
  after(function () {
    np(['rm', '-f', 'ih', 'i2', 'i1']);
    np(['network', 'rm', 'insp', 'inspint']);
  });

  it('network inspect: Name, Id, Driver, IPAM.Config, Options, Internal as docker network inspect prints them', () => {
    const [n] = inspect<Json>('network', 'inspect', 'insp');
    assert.strictEqual(n.Name, 'insp');
    assert.strictEqual(n.Id, ids.insp);
    assert.strictEqual(n.Driver, 'bridge');
    assert.strictEqual(n.Scope, 'local');
    assert.strictEqual(n.Internal, false);
    assert.ok(!Number.isNaN(Date.parse(n.Created)));
    assert.deepStrictEqual(n.IPAM, { Driver: 'default', Options: null, Config: [
      { Subnet: '10.84.0.0/24', IPRange: '10.84.0.128/25', Gateway: '10.84.0.254', AuxiliaryAddresses: { printer: '10.84.0.200' } },
    ] });
    // The options name the real bridge: it exists, carries the gateway, and has the MTU given.
    assert.strictEqual(n.Options['com.docker.network.bridge.name'], 'br-insp');
    const [bridge] = ipj<Array<IpLink & { mtu: number }>>('-d', 'link', 'show', 'dev', 'br-insp');
    assert.strictEqual(bridge.linkinfo?.info_kind, 'bridge');
    assert.strictEqual(n.Options['com.docker.network.driver.mtu'], String(bridge.mtu));
    assert.deepStrictEqual(inet(undefined, 'br-insp'), { local: '10.84.0.254', prefixlen: 24 });
    const [internal] = inspect<Json>('network', 'inspect', ids.inspint.slice(0, 12));
    assert.strictEqual(internal.Name, 'inspint');
    assert.strictEqual(internal.Internal, true);
  });

  it('network inspect: Containers keyed by container id, with the address and MAC the kernel has', () => {
    const [n] = inspect<Json>('network', 'inspect', 'insp');
    assert.deepStrictEqual(Object.keys(n.Containers).sort(), [ids.i1, ids.i2].sort());
    for (const [name, dev] of [['i1', 'eth0'], ['i2', 'eth0']]) {
      const member = n.Containers[ids[name]];
      const a = inet(name, dev);
      assert.strictEqual(member.Name, name);
      assert.strictEqual(member.IPv4Address, `${a.local}/${a.prefixlen}`);
      assert.strictEqual(member.MacAddress, mac(name, dev));
      assert.match(member.EndpointID, /^[0-9a-f]{64}$/);
      assert.strictEqual(member.IPv6Address, '');
    }
  });

  it('inspect: NetworkSettings.Networks with IPAddress, Gateway, MacAddress the kernel has, per network', () => {
    const [c1, c2] = inspect<Json>('inspect', 'i1', 'i2');
    assert.strictEqual(c1.Id, ids.i1);
    assert.strictEqual(c1.Name, '/i1');
    assert.strictEqual(c1.NetworkSettings.SandboxKey, '/run/netns/i1');
    assert.ok(fs.statSync(c1.NetworkSettings.SandboxKey).isFile());
    assert.deepStrictEqual(c1.NetworkSettings.Ports, {});
    const e1 = c1.NetworkSettings.Networks.insp;
    const a1 = inet('i1', 'eth0');
    assert.strictEqual(e1.IPAddress, a1.local);
    assert.strictEqual(e1.IPPrefixLen, a1.prefixlen);
    assert.strictEqual(e1.MacAddress, mac('i1', 'eth0'));
    const route = ipj<Array<{ dst: string; gateway?: string }>>('-n', 'i1', 'route', 'show').find((r) => r.dst === 'default');
    assert.strictEqual(e1.Gateway, route?.gateway);
    assert.strictEqual(e1.NetworkID, ids.insp);
    assert.deepStrictEqual(e1.Aliases, ['one']);
    assert.deepStrictEqual(e1.DNSNames, ['i1', 'one']);
    assert.strictEqual(e1.EndpointID, (inspect<Json>('network', 'inspect', 'insp')[0]).Containers[ids.i1].EndpointID);
    // i2 is on two networks: eth0 and eth1, each as the kernel has it.
    assert.deepStrictEqual(Object.keys(c2.NetworkSettings.Networks).sort(), ['insp', 'inspint']);
    const a2 = inet('i2', 'eth1');
    assert.strictEqual(c2.NetworkSettings.Networks.inspint.IPAddress, a2.local);
    assert.strictEqual(c2.NetworkSettings.Networks.inspint.NetworkID, ids.inspint);
    assert.strictEqual(c2.NetworkSettings.Networks.inspint.MacAddress, mac('i2', 'eth1'));
    assert.strictEqual(c2.HostConfig.NetworkMode, 'insp');
    assert.deepStrictEqual(c2.HostConfig.Dns, ['10.84.0.53']);
    assert.deepStrictEqual(c2.HostConfig.ExtraHosts, ['db:10.84.0.9']);
    assert.deepStrictEqual(c2.HostConfig.Links, ['/i1:/i2/first']);
    // On a user-defined network the sandbox asks the network's DNS server, which forwards to its --dns servers.
    assert.strictEqual(fs.readFileSync(c2.ResolvConfPath, 'utf8').includes(`nameserver ${networkRecord('insp').gateway}`), true);
    assert.match(fs.readFileSync(c2.HostsPath, 'utf8'), /^10\.84\.0\.9\tdb$/m);
  });

  it('inspect: the host end of each veth (netplumb\'s addition) is a port of the network\'s bridge; State follows the processes', () => {
    const [before] = inspect<Json>('inspect', 'i1');
    assert.deepStrictEqual(before.State, { Status: 'created', Running: false, Pid: 0 });
    const veth = before.Netplumb.Endpoints.insp.HostInterface;
    assert.strictEqual(before.Netplumb.Endpoints.insp.Interface, 'eth0');
    assert.strictEqual(ipj<IpLink[]>('link', 'show', 'dev', veth)[0].master, 'br-insp');
    npOk('exec', '-d', 'i1', '--', 'sleep', '300');
    const [running] = inspect<Json>('inspect', 'i1');
    assert.strictEqual(running.State.Running, true);
    assert.strictEqual(running.State.Status, 'running');
    assert.strictEqual(fs.statSync(`/proc/${running.State.Pid}/ns/net`).ino, fs.statSync('/run/netns/i1').ino);
    assert.deepStrictEqual(running.Netplumb.Pids, [running.State.Pid]);
  });

  it('inspect: a host-mode sandbox has no networks of its own', () => {
    const [h] = inspect<Json>('inspect', 'ih');
    assert.strictEqual(h.HostConfig.NetworkMode, 'host');
    assert.deepStrictEqual(h.NetworkSettings.Networks, {});
  });

  it('a name not found: the others are still printed, one error line each, exit 1', () => {
    const r = np(['inspect', 'i1', 'nosuch']);
    assert.strictEqual(r.status, 1);
    assert.deepStrictEqual((JSON.parse(r.stdout) as Json[]).map((c) => c.Name), ['/i1']);
    assert.strictEqual(r.stderr, 'netplumb: no such sandbox: nosuch\n');
    const n = np(['network', 'inspect', 'nosuch']);
    assert.strictEqual(n.status, 1);
    assert.deepStrictEqual(JSON.parse(n.stdout), []);
    assert.strictEqual(n.stderr, 'netplumb: network nosuch not found\n');
  });
});
