import assert from 'assert';
import { validateDnsNetwork } from '../../../src/net/dns';
import { addressOfReverseName, canonicalIp, reverseName } from '../../../src/net/dns/ip';
import { NameTable } from '../../../src/net/dns/table';

const net1 = validateDnsNetwork({
  id: 'n1',
  name: 'front',
  subnets: [{ subnet: '10.1.0.0/24', gateway: '10.1.0.1' }, { subnet: 'fd00:1::/64', gateway: 'fd00:1::1' }],
  members: [
    { id: 'a', name: 'web', hostname: 'web-host', aliases: ['www', 'site'], ipv4: '10.1.0.2', ipv6: 'fd00:1::2' },
    { id: 'b', name: 'web2', aliases: ['site'], ipv4: '10.1.0.3' },
    { id: 'c', name: 'client', ipv4: '10.1.0.4', dns: ['192.0.2.53'] },
  ],
});
const net2 = validateDnsNetwork({
  id: 'n2',
  name: 'back',
  subnets: [{ subnet: '10.2.0.0/24', gateway: '10.2.0.1' }],
  members: [
    { id: 'a', name: 'web', ipv4: '10.2.0.2' },
    { id: 'd', name: 'db', ipv4: '10.2.0.3' },
  ],
});

describe('DNS name table', () => {
  const table = new NameTable();
  table.set(net1);
  table.set(net2);
  const data = (r: ReturnType<NameTable['lookup']>) => (r.kind === 'answer' ? r.records.map((x) => x.data).sort() : r.kind);

  it('answers names, hostnames, aliases and NAME.NETWORK, case-insensitively', () => {
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', 'web', 'A')), ['10.1.0.2']);
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', 'WEB-host.', 'A')), ['10.1.0.2']);
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', 'www', 'AAAA')), ['fd00:1::2']);
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', 'web.front', 'A')), ['10.1.0.2']);
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', 'site', 'A')), ['10.1.0.2', '10.1.0.3']);
  });

  it('gives an empty answer for other types of a local name, and forwards unknown names with the client\'s own servers', () => {
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.4', 'web2', 'AAAA'), { kind: 'answer', nxdomain: false, records: [] });
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.4', 'web', 'MX'), { kind: 'answer', nxdomain: false, records: [] });
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.4', 'example.com', 'A'), { kind: 'forward', servers: ['192.0.2.53'] });
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.3', 'example.com', 'A'), { kind: 'forward', servers: undefined });
  });

  it('keeps networks apart: other networks\' names are forwarded, other networks\' clients refused', () => {
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.4', 'db', 'A'), { kind: 'forward', servers: ['192.0.2.53'] });
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.4', 'db.back', 'A').kind, 'forward');
    assert.deepStrictEqual(table.lookup('n1', '10.2.0.3', 'web', 'A'), { kind: 'refused' });
    assert.deepStrictEqual(table.lookup('n9', '10.1.0.4', 'web', 'A'), { kind: 'refused' });
  });

  it('lets a container on two networks resolve both, its home network first', () => {
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.2', 'db', 'A')), ['10.2.0.3']);
    assert.deepStrictEqual(data(table.lookup('n2', '10.2.0.2', 'www', 'A')), ['10.1.0.2']);
    assert.deepStrictEqual(data(table.lookup('n2', '10.2.0.2', 'web', 'A')), ['10.2.0.2']);
  });

  it('answers PTR for members as NAME.NETWORK, NXDOMAIN for free addresses of its subnets, and forwards the rest', () => {
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', '2.0.1.10.in-addr.arpa', 'PTR')), ['web.front']);
    assert.deepStrictEqual(data(table.lookup('n1', '10.1.0.4', reverseName('fd00:1::2'), 'PTR')), ['web.front']);
    assert.deepStrictEqual(table.lookup('n1', '10.1.0.4', '99.0.1.10.in-addr.arpa', 'PTR'), { kind: 'answer', nxdomain: true, records: [] });
    assert.strictEqual(table.lookup('n1', '10.1.0.4', '3.0.2.10.in-addr.arpa', 'PTR').kind, 'forward');
    assert.strictEqual(table.lookup('n1', '10.1.0.4', '1.2.0.192.in-addr.arpa', 'PTR').kind, 'forward');
  });

  it('replaces a network whole, and forgets a removed one', () => {
    const t = new NameTable();
    t.set(net1);
    t.set(validateDnsNetwork({ ...net1, members: [net1.members[2]] }));
    assert.strictEqual(t.lookup('n1', '10.1.0.4', 'web', 'A').kind, 'forward');
    assert.strictEqual(t.remove('n1'), true);
    assert.strictEqual(t.remove('n1'), false);
    assert.strictEqual(t.size, 0);
  });
});

describe('DNS network description', () => {
  const ok = { id: 'n1', name: 'front', subnets: [{ subnet: '10.1.0.0/24', gateway: '10.1.0.1' }], members: [] };
  const bad = (change: Record<string, unknown>, message: RegExp) => assert.throws(() => validateDnsNetwork({ ...ok, ...change }), message);

  it('names the field and the problem', () => {
    bad({ id: '' }, /^RangeError: invalid DNS network description: id: "" is not an id/);
    bad({ name: 'front end' }, /name: "front end" is not a network name/);
    bad({ subnets: [] }, /subnets: expected at least one \{ subnet, gateway \}/);
    bad({ subnets: [{ subnet: '10.1.0.0/33', gateway: '10.1.0.1' }] }, /subnets\[0\]\.subnet: .*prefix length/);
    bad({ subnets: [{ subnet: '10.1.0.0/24', gateway: '10.9.0.1' }] }, /subnets\[0\]\.gateway: 10\.9\.0\.1 is not in 10\.1\.0\.0\/24/);
    bad({ subnets: [{ subnet: '10.1.0.0/24', gateway: 'fd00::1' }] }, /is not an IPv4 address/);
    bad({ members: [{ id: 'a', name: 'web' }] }, /member a: it has no address/);
    bad({ members: [{ id: 'a', name: 'web_1', ipv4: '10.1.0.1' }] }, /member a: 10\.1\.0\.1 is the network's gateway/);
    bad({ members: [{ id: 'a', name: 'w', ipv4: '10.1.0.2' }, { id: 'b', name: 'x', ipv4: '10.1.0.2' }] }, /member b: 10\.1\.0\.2 is already the address of member a/);
    bad({ members: [{ id: 'a', name: 'w', ipv4: '10.1.0.2' }, { id: 'a', name: 'x', ipv4: '10.1.0.3' }] }, /member a: its id is given twice/);
    bad({ members: [{ id: 'a', name: 'w', ipv6: 'fd00::2' }] }, /member a: ipv6: fd00::2 is not in any of the network's IPv6 subnets/);
    bad({ members: [{ id: 'a', name: 'w', aliases: ['ok', 'not ok'], ipv4: '10.1.0.2' }] }, /member a: alias: "not ok" cannot be resolved by DNS/);
    bad({ members: [{ id: 'a', name: 'w', ipv4: '10.1.0.2', dns: ['127.0.0.1'] }] }, /member a: dns: 127\.0\.0\.1 is a loopback address/);
  });
});

describe('DNS address helpers', () => {
  it('write one canonical form per address', () => {
    assert.strictEqual(canonicalIp('2001:0DB8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
    assert.strictEqual(canonicalIp('::ffff:192.0.2.1'), '::ffff:c000:201');
    assert.strictEqual(canonicalIp('::'), '::');
    assert.strictEqual(canonicalIp('1:2:3:4:5:6:7:8'), '1:2:3:4:5:6:7:8');
  });

  it('turn addresses into PTR names and back', () => {
    assert.strictEqual(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
    assert.strictEqual(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    assert.strictEqual(addressOfReverseName('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.ip6.arpa.'), '2001:db8::1');
    assert.strictEqual(addressOfReverseName('2.0.192.in-addr.arpa'), undefined);
    assert.strictEqual(addressOfReverseName('01.2.0.192.in-addr.arpa'), undefined);
  });
});
