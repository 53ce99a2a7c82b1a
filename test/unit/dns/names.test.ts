// dnsNameProblem: which texts are names. IP addresses are refused in every
// form Node's net.isIP takes, names (with or without a trailing dot) accepted.
import * as assert from 'assert';
import { isIP } from 'net';
import { dnsNameProblem } from '../../../src/net/dns/names';

describe('unit: DNS names', () => {
  it('refuses every IP address, IPv4 and IPv6 in all their spellings', () => {
    for (const ip of ['10.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'fe80::1%eth0', '2001:db8::53', '::ffff:10.0.0.1', '2001:0db8:0000:0000:0000:0000:0000:0001']) {
      assert.ok(isIP(ip), `${ip} is an address to Node`);
      assert.strictEqual(dnsNameProblem(ip), 'it is an IP address, not a name', ip);
    }
  });

  it('accepts names, and says what is wrong with the rest', () => {
    for (const name of ['n1', 'web', 'a.dns1', 'my_network', 'x.y.', '10.0.0.1.example', '1-2-3']) assert.strictEqual(dnsNameProblem(name), undefined, name);
    assert.match(dnsNameProblem('a:b')!, /may hold only letters/);
    assert.match(dnsNameProblem('a..b')!, /empty label/);
    assert.match(dnsNameProblem('-a')!, /may not start or end with '-'/);
    assert.strictEqual(dnsNameProblem(''), 'it is empty');
  });
});
