// What the DNS server is told about a network, built from the records, and
// which networks it serves; the name-resolution options as the records keep
// them. The descriptions are checked by the DNS component's own validator.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateDnsNetwork } from '../../../src/net/dns';
import { checkUpstreamsFor, dnsNetworkOf, servedByDns } from '../../../src/net/dns-sync';
import { NetplumbError } from '../../../src/net/errors';
import { parseNameOptions } from '../../../src/net/name-options';
import { SqliteStore } from '../../../src/net/state/sqlite';
import { testEndpoint as endpoint, testNetwork as net, testSandbox as sandbox } from '../../helpers/records';

describe('DNS membership from the records', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-dns-sync-'));
    store = new SqliteStore(dir);
    await store.update((tx) => {
      tx.putNetwork(net('n1', 'front'));
      tx.putSandbox(sandbox('s1', 'web', { hostname: 'web-host', dns: ['192.0.2.53'] }));
      tx.putSandbox(sandbox('s2', 'db'));
      tx.putEndpoint(endpoint('e1', 'n1', 's1', '10.1.0.2', ['www', 'api']));
      tx.putEndpoint(endpoint('e2', 'n1', 's2', '10.1.0.3'));
    });
  });
  afterEach(() => { store.close(); fs.rmSync(dir, { recursive: true, force: true }); });

  it('names, hostnames, aliases, addresses and --dns upstreams of every member; valid for the server', async () => {
    const described = await store.read((tx) => dnsNetworkOf(tx, tx.getNetwork('n1')!));
    assert.deepStrictEqual(described, {
      id: 'n1', name: 'front', subnets: [{ subnet: '10.1.0.0/24', gateway: '10.1.0.1' }],
      members: [
        { id: 's1', name: 'web', hostname: 'web-host', aliases: ['www', 'api'], ipv4: '10.1.0.2', dns: ['192.0.2.53'] },
        { id: 's2', name: 'db', ipv4: '10.1.0.3' },
      ],
    });
    assert.deepStrictEqual(validateDnsNetwork(described), described);
  });

  it('leaves out a sandbox being removed, or an endpoint being disconnected', async () => {
    const names = (exclude: { sandboxId?: string; endpointId?: string }) => store.read((tx) => dnsNetworkOf(tx, tx.getNetwork('n1')!, exclude).members.map((m) => m.name));
    assert.deepStrictEqual(await names({ sandboxId: 's1' }), ['db']);
    assert.deepStrictEqual(await names({ endpointId: 'e2' }), ['web']);
  });

  it('serves user-defined bridge networks only: not the default network, not macvlan', () => {
    assert.strictEqual(servedByDns(net('n', 'a')), true);
    assert.strictEqual(servedByDns(net('n', 'bridge', { isDefault: true })), false);
    assert.strictEqual(servedByDns(net('n', 'lan', { driver: 'macvlan' })), false);
  });

  it('refuses loopback --dns servers on a served network only', () => {
    assert.throws(() => checkUpstreamsFor(net('n', 'a'), { dns: ['127.0.0.1'] }), (e: unknown) => e instanceof NetplumbError && /--dns 127\.0\.0\.1 cannot be used on network a/.test(e.message));
    assert.doesNotThrow(() => checkUpstreamsFor(net('n', 'bridge', { isDefault: true }), { dns: ['127.0.0.1'] }));
  });
});

describe('name-resolution options', () => {
  it('parses and normalises every option with the DNS component\'s parsers', () => {
    assert.deepStrictEqual(parseNameOptions({
      dns: ['192.0.2.1', '2001:DB8::1', '192.0.2.1'], dnsSearch: ['Corp.Test.', 'corp.test'], dnsOptions: ['ndots:02', 'edns0'],
      addHosts: ['db:10.0.0.5', 'gw:host-gateway', 'v6:[2001:db8::2]', 'eq=10.0.0.6'], links: ['/web', 'cache:c'], aliases: ['api', 'api'],
    }), {
      dns: ['192.0.2.1', '2001:db8::1'], dnsSearch: ['corp.test'], dnsOptions: ['ndots:2', 'edns0'],
      extraHosts: [{ host: 'db', ip: '10.0.0.5' }, { host: 'gw', ip: 'host-gateway' }, { host: 'v6', ip: '2001:db8::2' }, { host: 'eq', ip: '10.0.0.6' }],
      links: [{ name: 'web', alias: 'web' }, { name: 'cache', alias: 'c' }], aliases: ['api'],
    });
  });

  it('one NetplumbError per bad value, naming the option and the value', () => {
    const cases: Array<[Parameters<typeof parseNameOptions>[0], RegExp]> = [
      [{ dns: ['x'] }, /invalid --dns value "x"/],
      [{ dnsSearch: ['.', 'a.test'] }, /--dns-search \. \(no search domains\) cannot be combined/],
      [{ dnsOptions: ['timeout:0'] }, /timeout takes a number from 1 to 30/],
      [{ addHosts: [':1.2.3.4'] }, /invalid --add-host value ":1\.2\.3\.4"/],
      [{ links: ['a:x', 'b:x'] }, /--link alias x is given twice/],
      [{ aliases: ['-bad'] }, /invalid --alias value "-bad"/],
    ];
    for (const [input, message] of cases) assert.throws(() => parseNameOptions(input), (e: unknown) => e instanceof NetplumbError && message.test(e.message), JSON.stringify(input));
  });
});
