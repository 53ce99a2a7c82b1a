// Published ports as Docker prints them, -p parsed for the CLI (one clear
// error each), and the firewall's view of a network record.
import * as assert from 'assert';
import { formatPortLine, formatPortsSummary, parsePrivatePort, sortPorts } from '../../../src/net/ports';
import { parsePublish } from '../../../src/net/sandbox';
import { NetplumbError } from '../../../src/net/errors';
import { firewallNetwork, specOnAddress } from '../../../src/net/firewall/nftables-driver';
import { parsePortSpec } from '../../../src/net/firewall/ports';
import type { NetworkRecord, PublishedPortRecord } from '../../../src/net/state/store';

const p = (hostPort: number, containerPort: number, protocol: PublishedPortRecord['protocol'] = 'tcp', hostIp = '0.0.0.0'): PublishedPortRecord =>
  ({ protocol, hostIp, hostPort, containerIp: '10.0.0.2', containerPort, endpointId: 'e' });

describe('published ports: printing', () => {
  it('prints docker port lines, sorted by container port', () => {
    assert.deepStrictEqual(sortPorts([p(8443, 443), p(5353, 53, 'udp', '127.0.0.1'), p(8080, 80)]).map(formatPortLine),
      ['53/udp -> 127.0.0.1:5353', '80/tcp -> 0.0.0.0:8080', '443/tcp -> 0.0.0.0:8443']);
  });

  it('prints the ps column with runs of consecutive ports as ranges', () => {
    const range = Array.from({ length: 1000 }, (_, i) => p(20000 + i, 20000 + i));
    assert.strictEqual(formatPortsSummary([...range, p(8080, 80), p(53, 53, 'udp')]), '0.0.0.0:53->53/udp, 0.0.0.0:8080->80/tcp, 0.0.0.0:20000-20999->20000-20999/tcp');
    // Not a run: the host ports do not step with the container ports.
    assert.strictEqual(formatPortsSummary([p(9000, 80), p(9005, 81)]), '0.0.0.0:9000->80/tcp, 0.0.0.0:9005->81/tcp');
    assert.strictEqual(formatPortsSummary([]), '');
  });

  it('reads PRIVATE_PORT[/PROTO] as docker port takes it', () => {
    assert.deepStrictEqual(parsePrivatePort('80'), { port: 80, protocol: 'tcp' });
    assert.deepStrictEqual(parsePrivatePort('53/udp'), { port: 53, protocol: 'udp' });
    for (const bad of ['0', '70000', '80/icmp', 'http', '80-90', ''])
      assert.throws(() => parsePrivatePort(bad), (err: Error) => err instanceof NetplumbError && /expected PRIVATE_PORT\[\/PROTO\]/.test(err.message));
  });
});

describe('published ports: -p for sandboxes', () => {
  it('takes every Docker form', () => {
    const specs = parsePublish(['80', '8080:80', '127.0.0.1:8081:80', '127.0.0.1::80', '8000-8010:80-90/udp', '9000-9010:80', '5000/sctp']);
    assert.deepStrictEqual(specs.map((s) => [s.hostIp, s.hostPorts, s.containerPorts, s.protocol]), [
      ['0.0.0.0', undefined, [80, 80], 'tcp'],
      ['0.0.0.0', [8080, 8080], [80, 80], 'tcp'],
      ['127.0.0.1', [8081, 8081], [80, 80], 'tcp'],
      ['127.0.0.1', undefined, [80, 80], 'tcp'],
      ['0.0.0.0', [8000, 8010], [80, 90], 'udp'],
      ['0.0.0.0', [9000, 9010], [80, 80], 'tcp'],
      ['0.0.0.0', undefined, [5000, 5000], 'sctp'],
    ]);
  });

  it('a bad -p is one NetplumbError quoting it', () => {
    for (const [bad, why] of [['80:70000', /container port 70000 is out of range/], ['80/icmp', /unknown protocol "icmp"/], ['1.2.3:80:80', /host address "1\.2\.3" is not an IPv4 address/],
      ['8000-8002:80-81', /the host range has 3 ports but the container range has 2/], ['a:b:c:d', /too many ":"/], ['[::1]:80:80', /IPv6/]] as const)
      assert.throws(() => parsePublish(['80', bad]), (err: Error) => err instanceof NetplumbError && err.message.includes(JSON.stringify(bad)) && why.test(err.message), bad);
  });

  it('moves a spec to a network\'s host_binding_ipv4 and keeps everything else', () => {
    for (const text of ['80', '8080:80', '8000-8010:80-90/udp', '9000-9010:80/sctp']) {
      const moved = specOnAddress(parsePortSpec(text), '192.0.2.7');
      const orig = parsePortSpec(text);
      assert.deepStrictEqual({ ...moved, text: '' }, { ...orig, hostIp: '192.0.2.7', text: '' }, text);
    }
  });
});

describe('published ports: the firewall\'s view of a network', () => {
  const net = (over: Partial<NetworkRecord>): NetworkRecord => ({
    id: 'n1', name: 'n', driver: 'bridge', subnet: '10.1.0.0/24', gateway: '10.1.0.1', auxAddresses: {}, internal: false, mtu: 1500,
    options: {}, device: 'np-n1', isDefault: false, created: '', status: 'ready', ...over,
  });

  it('maps Docker\'s bridge options', () => {
    assert.deepStrictEqual(firewallNetwork(net({})), { id: 'n1', bridge: 'np-n1', subnets: ['10.1.0.0/24'], internal: false, icc: true, outboundNat: 'masquerade' });
    assert.strictEqual(firewallNetwork(net({ options: { 'com.docker.network.bridge.enable_icc': 'false' } }))!.icc, false);
    assert.strictEqual(firewallNetwork(net({ options: { icc: 'false' } }))!.icc, false);
    assert.strictEqual(firewallNetwork(net({ options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' } }))!.outboundNat, 'none');
    assert.deepStrictEqual(firewallNetwork(net({ internal: true })), { id: 'n1', bridge: 'np-n1', subnets: ['10.1.0.0/24'], internal: true, icc: true });
    assert.strictEqual(firewallNetwork(net({ driver: 'macvlan' })), undefined);
  });
});
