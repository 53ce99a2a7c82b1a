// `netplumb network ...` end to end, checked with ip -j: bridges, gateway
// addresses, MTU from the uplink, subnets from the pools skipping host routes.
import * as assert from 'assert';
import { requireSandbox } from '../helpers/sandbox';
import { ipj, networkRecord, np, npOk, sh } from '../helpers/cli';

interface IpLink { ifname: string; address?: string; mtu: number; operstate: string; linkinfo?: { info_kind?: string }; ifalias?: string }
interface IpAddr { ifname: string; addr_info: Array<{ family: string; local: string; prefixlen: number }> }

function ipv4Of(dev: string): string[] {
  return ipj<IpAddr[]>('addr', 'show', 'dev', dev).flatMap((l) => l.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`));
}

function overlaps(a: string, b: string): boolean {
  const range = (c: string) => {
    const [ip, len] = c.split('/');
    const n = ip.split('.').reduce((x, o) => x * 256 + Number(o), 0);
    const size = 2 ** (32 - Number(len));
    return [n - (n % size), n - (n % size) + size - 1];
  };
  const [a1, a2] = range(a);
  const [b1, b2] = range(b);
  return a1 <= b2 && b1 <= a2;
}

describe('e2e: networks', function () {
  before(function () {
    requireSandbox(this);
    // An uplink with an unusual MTU and the default route, like a host behind a tunnel.
    for (const args of [
      ['link', 'add', 'up0', 'mtu', '1400', 'type', 'veth', 'peer', 'name', 'up0p', 'mtu', '1400'],
      ['link', 'set', 'up0', 'up'], ['link', 'set', 'up0p', 'up'],
      ['addr', 'add', '10.99.0.1/24', 'dev', 'up0'],
      ['route', 'add', 'default', 'via', '10.99.0.2'],
    ]) assert.strictEqual(sh('ip', ...args).status, 0, `ip ${args.join(' ')}`);
  });
  after(function () {
    np(['network', 'rm', 'web', 'auto1', 'auto2', 'custom', 'internal1', 'opts1']);
    sh('ip', 'link', 'del', 'up0');
  });

  it('creates a bridge network: bridge np-<id>, gateway address, up, tagged with its owner', () => {
    const id = npOk('network', 'create', '--subnet', '10.30.0.0/24', '--gateway', '10.30.0.254', 'web').trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const [link] = ipj<IpLink[]>('-d', 'link', 'show', `np-${id.slice(0, 12)}`);
    assert.strictEqual(link.linkinfo?.info_kind, 'bridge');
    assert.strictEqual(link.ifalias, `netplumb network ${id}`);
    assert.deepStrictEqual(ipv4Of(`np-${id.slice(0, 12)}`), ['10.30.0.254/24']);
    // A MAC of its own (02:42 + the gateway), not its lowest port's, which would change as sandboxes come and go.
    assert.strictEqual(link.address, '02:42:0a:1e:00:fe');
    assert.strictEqual(sh('cat', '/proc/sys/net/ipv4/ip_forward').stdout.trim(), '1');
  });

  it('takes the MTU of the uplink (the default route\'s interface), not 1500', () => {
    const net = networkRecord('web');
    assert.strictEqual(net.mtu, 1400);
    assert.strictEqual(ipj<IpLink[]>('link', 'show', net.device)[0].mtu, 1400);
  });

  it('honours --mtu and -o com.docker.network.bridge.name', () => {
    npOk('network', 'create', '--subnet', '10.31.0.0/24', '--mtu', '1280', '-o', 'com.docker.network.bridge.name=br-custom', 'custom');
    const [link] = ipj<IpLink[]>('-d', 'link', 'show', 'br-custom');
    assert.strictEqual(link.mtu, 1280);
    assert.deepStrictEqual(ipv4Of('br-custom'), ['10.31.0.1/24']);
  });

  it('chooses a default-pool subnet that overlaps no host route and no other network', () => {
    // Routes over all of 172.16.0.0/12 push the choice to 192.168.0.0/16 in /20s.
    assert.strictEqual(sh('ip', 'route', 'add', '172.16.0.0/12', 'via', '10.99.0.2').status, 0);
    try {
      const existing = (JSON.parse(npOk('network', 'ls', '--json')) as Array<{ subnet: string }>).map((n) => n.subnet);
      npOk('network', 'create', 'auto1');
      npOk('network', 'create', 'auto2');
      const [a, b] = [networkRecord('auto1'), networkRecord('auto2')];
      for (const n of [a, b]) {
        assert.match(n.subnet, /^192\.168\.\d+\.0\/20$/);
        for (const other of existing) assert.ok(!overlaps(n.subnet, other), `${n.subnet} overlaps ${other}`);
        assert.deepStrictEqual(ipv4Of(n.device), [`${n.gateway}/20`]);
      }
      assert.ok(!overlaps(a.subnet, b.subnet));
    } finally {
      sh('ip', 'route', 'del', '172.16.0.0/12');
    }
  });

  it('lists networks as a table and as JSON', () => {
    const table = npOk('network', 'ls');
    assert.match(table.split('\n')[0], /^NETWORK ID\s+NAME\s+DRIVER\s+SUBNET/);
    assert.match(table, /\bweb\s+bridge\s+10\.30\.0\.0\/24/);
    const names = (JSON.parse(npOk('network', 'ls', '--json')) as Array<{ name: string }>).map((n) => n.name);
    assert.ok(names.includes('web') && names.includes('custom'));
  });

  it('an internal network keeps its records and takes no default route in members', () => {
    npOk('network', 'create', '--internal', '--subnet', '10.32.0.0/24', 'internal1');
    npOk('create', '--name', 'int-a', '--net', 'internal1');
    try {
      const routes = ipj<Array<{ dst: string }>>('-n', 'int-a', 'route', 'show');
      assert.deepStrictEqual(routes.map((r) => r.dst), ['10.32.0.0/24']);
    } finally {
      npOk('rm', 'int-a');
    }
  });

  it('removes a network and its bridge; refuses while sandboxes use it', () => {
    npOk('create', '--name', 'user-of-web', '--net', 'web');
    npOk('create', '--name', 'user2-of-web', '--net', 'web');
    const web = networkRecord('web');
    assert.strictEqual(ipj<IpLink[]>('link', 'show', web.device)[0].address, '02:42:0a:1e:00:fe', 'the bridge took a port\'s MAC');
    npOk('rm', 'user2-of-web');
    assert.strictEqual(ipj<IpLink[]>('link', 'show', web.device)[0].address, '02:42:0a:1e:00:fe', 'the bridge\'s MAC changed when a port went');
    const busy = np(['network', 'rm', 'web']);
    assert.strictEqual(busy.status, 1);
    assert.match(busy.stderr, /^netplumb: network web has active endpoints \(sandboxes user-of-web\)/);
    npOk('rm', 'user-of-web');
    const net = networkRecord('web');
    assert.strictEqual(npOk('network', 'rm', 'web').trim(), 'web');
    assert.notStrictEqual(sh('ip', 'link', 'show', net.device).status, 0, 'the bridge is still there');
    assert.strictEqual(np(['network', 'inspect', 'web']).status, 1);
  });

  it('prune removes only unused user-defined networks', () => {
    npOk('network', 'create', '--subnet', '10.33.0.0/24', 'opts1');
    npOk('create', '--name', 'keeps-opts1', '--net', 'opts1');
    try {
      const out = npOk('network', 'prune');
      assert.doesNotMatch(out, /opts1/);
      assert.strictEqual(np(['network', 'inspect', 'opts1']).status, 0);
      assert.strictEqual(np(['network', 'inspect', 'auto1']).status, 1, 'auto1 should have been pruned');
    } finally {
      npOk('rm', 'keeps-opts1');
    }
  });
});
