import assert from 'assert';
import { parseAddHost, parseDnsOption, parseDnsSearch, parseDnsServer, parseDnsServers, parseLink } from '../../../src/net/dns';

describe('DNS run options', () => {
  it('--dns takes IPv4 and IPv6 addresses, in canonical form', () => {
    assert.strictEqual(parseDnsServer('192.0.2.53'), '192.0.2.53');
    assert.strictEqual(parseDnsServer('2001:DB8:0:0::53'), '2001:db8::53');
    assert.deepStrictEqual(parseDnsServers(['192.0.2.1', '192.0.2.1', '192.0.2.2']), ['192.0.2.1', '192.0.2.2']);
  });

  it('--dns rejects what is not an address, and more servers than a resolver uses', () => {
    assert.throws(() => parseDnsServer('dns.example'), { name: 'RangeError', message: 'invalid --dns value "dns.example": not an IPv4 or IPv6 address' });
    assert.throws(() => parseDnsServer('192.0.2.300'), RangeError);
    assert.throws(() => parseDnsServer(53), { name: 'TypeError', message: '--dns: expected a string, got number' });
    assert.throws(() => parseDnsServers(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']), /too many --dns servers \(4\): a container's resolver uses at most 3/);
  });

  it('--dns-search takes domains, and "." for none', () => {
    assert.strictEqual(parseDnsSearch('Corp.Example.'), 'corp.example');
    assert.strictEqual(parseDnsSearch('.'), '.');
    assert.throws(() => parseDnsSearch('bad..example'), /invalid --dns-search value "bad\.\.example": not a domain name: it has an empty label/);
    assert.throws(() => parseDnsSearch('-x.example'), /may not start or end with '-'/);
    assert.throws(() => parseDnsSearch('a b'), /may hold only letters, digits/);
    assert.throws(() => parseDnsSearch(`${'a'.repeat(64)}.example`), /longer than 63 bytes/);
  });

  it("--dns-option knows glibc's options and their ranges", () => {
    assert.strictEqual(parseDnsOption('ndots:05'), 'ndots:5');
    assert.strictEqual(parseDnsOption('edns0'), 'edns0');
    assert.strictEqual(parseDnsOption('attempts:5'), 'attempts:5');
    assert.throws(() => parseDnsOption('ndots:16'), { message: 'invalid --dns-option value "ndots:16": ndots takes a number from 0 to 15, as in ndots:0' });
    assert.throws(() => parseDnsOption('timeout:0'), /timeout takes a number from 1 to 30/);
    assert.throws(() => parseDnsOption('ndots'), /ndots takes a number/);
    assert.throws(() => parseDnsOption('rotate:1'), /rotate takes no value/);
    assert.throws(() => parseDnsOption('fast'), /unknown resolver option; known: ndots:N, timeout:N, attempts:N, debug, rotate/);
  });

  it('--add-host takes NAME:IP, NAME=IP, bracketed or bare IPv6, and host-gateway', () => {
    assert.deepStrictEqual(parseAddHost('db:192.0.2.10'), { name: 'db', ip: '192.0.2.10' });
    assert.deepStrictEqual(parseAddHost('db=192.0.2.10'), { name: 'db', ip: '192.0.2.10' });
    assert.deepStrictEqual(parseAddHost('v6:2001:db8::0:1'), { name: 'v6', ip: '2001:db8::1' });
    assert.deepStrictEqual(parseAddHost('v6=[2001:db8::1]'), { name: 'v6', ip: '2001:db8::1' });
    assert.deepStrictEqual(parseAddHost('host.docker.internal:host-gateway'), { name: 'host.docker.internal', ip: 'host-gateway' });
  });

  it('--add-host rejects a missing separator, a bad name and a bad address', () => {
    assert.throws(() => parseAddHost('db'), { message: 'invalid --add-host value "db": expected NAME:IP (or NAME=IP), e.g. db:192.0.2.10 or gw:host-gateway' });
    assert.throws(() => parseAddHost('bad name:192.0.2.1'), /"bad name" is not a host name/);
    assert.throws(() => parseAddHost(':192.0.2.1'), /"" is not a host name: it is empty/);
    assert.throws(() => parseAddHost('db:192.0.2'), /"192\.0\.2" is not an IPv4 or IPv6 address, nor host-gateway/);
    assert.throws(() => parseAddHost('192.0.2.1:192.0.2.1'), /is an IP address, not a name/);
  });

  it('--link takes NAME or NAME:ALIAS, and rejects the rest', () => {
    assert.deepStrictEqual(parseLink('web'), { name: 'web', alias: 'web' });
    assert.deepStrictEqual(parseLink('/web:site'), { name: 'web', alias: 'site' });
    assert.throws(() => parseLink('web:a:b'), /expected NAME or NAME:ALIAS/);
    assert.throws(() => parseLink('-web'), /"-web" is not a container name/);
    assert.throws(() => parseLink('web:bad alias'), /the alias "bad alias" is not a host name/);
  });
});
