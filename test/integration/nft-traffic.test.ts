// Real traffic through rules netplumb programmed: a client namespace behind a
// router namespace, servers in other namespaces. Masquerade, a DNAT map
// entry, and a drop rule, each checked by a TCP connection and by what the
// server saw, with a control case showing the rule is what made the difference.
import { strict as assert } from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { Nftables } from '../../src/nft/nftables';
import { rule } from '../../src/nft/rule';
import { Netlink } from '../../src/netlink/handle';
import { freshNetns, requireSandbox } from '../helpers/sandbox';
import type { NetNs } from '../../src/netns';

type Ns = Awaited<ReturnType<typeof freshNetns>>;

/** A TCP server in ns that answers each connection with "NAME PEER-ADDRESS". */
function server(ns: NetNs, port: number, name: string): Promise<ChildProcess> {
  const code = `require('net').createServer((s) => s.end(${JSON.stringify(name)} + ' ' + s.remoteAddress)).listen(${port}, () => console.log('ready'));`;
  const child = spawn('ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

/** Connects from ns; the server's answer, or 'TIMEOUT' / 'ERROR code'. */
function connect(ns: NetNs, host: string, port: number, timeoutMs = 1500): string {
  const code = `const s = require('net').connect(${port}, ${JSON.stringify(host)}); let d = '';
    s.setTimeout(${timeoutMs}, () => { console.log('TIMEOUT'); process.exit(0); });
    s.on('data', (x) => d += x); s.on('end', () => { console.log(d); process.exit(0); });
    s.on('error', (e) => { console.log('ERROR ' + e.code); process.exit(0); });`;
  const r = spawnSync('ip', ['netns', 'exec', ns.name!, process.execPath, '-e', code], { encoding: 'utf8', timeout: timeoutMs + 5000 });
  return r.stdout.trim();
}

describe('nf_tables with real traffic', function () {
  this.timeout(60000);
  before(function () {
    requireSandbox(this);
  });

  // client (10.0.0.2) --np0-- router (10.0.0.1 | 192.168.1.1) --up0/up1-- server B (192.168.1.2), server C (192.168.2.2)
  let client: Ns, router: Ns, b: Ns, c: Ns, nft: Nftables;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    [client, router, b, c] = [await freshNetns('cl'), await freshNetns('rt'), await freshNetns('sb'), await freshNetns('sc')];
    const r: Netlink = router.nl;
    await r.linkAdd({ name: 'np0', kind: 'veth', peer: { name: 'eth0', netns: client.ns } });
    await r.linkAdd({ name: 'up0', kind: 'veth', peer: { name: 'eth0', netns: b.ns } });
    await r.linkAdd({ name: 'up1', kind: 'veth', peer: { name: 'eth0', netns: c.ns } });
    for (const [nl, addr, link] of [[r, '10.0.0.1/24', 'np0'], [r, '192.168.1.1/24', 'up0'], [r, '192.168.2.1/24', 'up1'], [client.nl, '10.0.0.2/24', 'eth0'], [b.nl, '192.168.1.2/24', 'eth0'], [c.nl, '192.168.2.2/24', 'eth0']] as const) {
      await nl.addrAdd(link, addr);
      await nl.linkSet(link, { up: true });
    }
    for (const n of [client, router, b, c]) await n.nl.linkSet('lo', { up: true });
    await client.nl.routeAdd({ dst: 'default', gateway: '10.0.0.1' });
    // The servers have no route back to 10.0.0.0/24: only masquerading lets them answer.
    await r.sysctlSet('net.ipv4.ip_forward', 1);
    nft = await Nftables.open({ netns: router.ns });
  });

  afterEach(async () => {
    for (const ch of children.splice(0)) ch.kill('SIGKILL');
    nft?.close();
    for (const n of [client, router, b, c]) await n?.dispose();
  });

  it('masquerade: the client reaches a server with no route back only through NAT, seen as the router', async () => {
    children.push(await server(b.ns, 8080, 'B'));
    assert.equal(connect(client.ns, '192.168.1.2', 8080), 'TIMEOUT', 'without NAT the answer has no way back');
    await nft.batch()
      .addTable({ family: 'ip', name: 'np' })
      .addChain({ family: 'ip', table: 'np', name: 'post', hook: 'postrouting', type: 'nat' })
      .addRule({ family: 'ip', table: 'np', chain: 'post' }, rule().iifname('np0').ipSaddr('10.0.0.0/24').oifname('np0', '!=').masquerade().comment('net:test'))
      .commit();
    assert.equal(connect(client.ns, '192.168.1.2', 8080), 'B ::ffff:192.168.1.1');
  });

  it('a DNAT map entry delivers a TCP connection to the right namespace', async () => {
    children.push(await server(b.ns, 80, 'B'), await server(c.ns, 80, 'C'));
    await nft.batch()
      .addTable({ family: 'ip', name: 'np' })
      .addSet({ family: 'ip', table: 'np', name: 'ports', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'],
        elements: [{ key: ['tcp', 8081], value: ['192.168.1.2', 80] }, { key: ['tcp', 8082], value: ['192.168.2.2', 80] }] })
      .addChain({ family: 'ip', table: 'np', name: 'pre', hook: 'prerouting', type: 'nat' })
      .addChain({ family: 'ip', table: 'np', name: 'post', hook: 'postrouting', type: 'nat' })
      .addRule({ family: 'ip', table: 'np', chain: 'pre' }, rule().fibDaddrType('local').dnatMap({ key: ['meta l4proto', 'th dport'], map: 'ports' }))
      .addRule({ family: 'ip', table: 'np', chain: 'post' }, rule().ipSaddr('10.0.0.0/24').masquerade())
      .commit();
    assert.equal(connect(client.ns, '10.0.0.1', 8081), 'B ::ffff:192.168.1.1');
    assert.equal(connect(client.ns, '10.0.0.1', 8082), 'C ::ffff:192.168.2.1');
    assert.equal(connect(client.ns, '10.0.0.1', 8083), 'ERROR ECONNREFUSED', 'a port not in the map is not forwarded');
    // Removing the element stops the forwarding; the rule itself stays.
    await nft.batch().deleteElements({ family: 'ip', table: 'np', name: 'ports' }, [{ key: ['tcp', 8082] }]).commit();
    assert.equal(connect(client.ns, '10.0.0.1', 8082), 'ERROR ECONNREFUSED');
    assert.equal(connect(client.ns, '10.0.0.1', 8081), 'B ::ffff:192.168.1.1');
  });

  it('a drop rule really drops, and only what it matches', async () => {
    children.push(await server(b.ns, 9000, 'B'), await server(b.ns, 9001, 'B'));
    await nft.batch()
      .addTable({ family: 'inet', name: 'npf' })
      .addChain({ family: 'inet', table: 'npf', name: 'fwd', hook: 'forward', type: 'filter', policy: 'accept' })
      .addChain({ family: 'inet', table: 'npf', name: 'post', hook: 'postrouting', type: 'nat' })
      .addRule({ family: 'inet', table: 'npf', chain: 'fwd' }, rule().ipDaddr('192.168.1.2').tcpDport(9000).counter().drop())
      .addRule({ family: 'inet', table: 'npf', chain: 'post' }, rule().ipSaddr('10.0.0.0/24').masquerade())
      .commit();
    assert.equal(connect(client.ns, '192.168.1.2', 9000), 'TIMEOUT');
    assert.equal(connect(client.ns, '192.168.1.2', 9001), 'B ::ffff:192.168.1.1');
    const [dropRule] = await nft.listRules({ family: 'inet', name: 'npf' }, 'fwd');
    const counter = dropRule.expressions.find((x) => x.expr === 'counter')!;
    assert.ok((counter.packets as number) >= 1, 'the drop rule counted the dropped SYNs');
  });
});
