// The observability glue without root: stats targets, Docker-shaped inspect
// and event records built from a real SQLite store in a temporary folder;
// event filters; a log that cannot be written warns instead of failing.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventLog } from '../../../src/net/events/log';
import type { NetplumbEvent } from '../../../src/net/events/types';
import { NetplumbError } from '../../../src/net/errors';
import { eventMatches, parseEventFilters } from '../../../src/net/observe/events';
import { inspectContainerAsDocker, inspectNetworkAsDocker } from '../../../src/net/observe/inspect';
import { statsTargets } from '../../../src/net/observe/stats';
import { portEvents, recordEvents } from '../../../src/net/record';
import { Runtime } from '../../../src/net/runtime';
import { SqliteStore } from '../../../src/net/state/sqlite';
import type { EndpointRecord, NetworkRecord, SandboxRecord } from '../../../src/net/state/store';

const hex = (c: string) => c.repeat(64);

function network(name: string, over: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    id: hex(name[0]), name, driver: 'bridge', subnet: '10.9.0.0/24', gateway: '10.9.0.1', auxAddresses: {}, internal: false, mtu: 1400,
    options: {}, device: `np-${hex(name[0]).slice(0, 12)}`, isDefault: false, created: '2024-05-01T10:00:00.000Z', status: 'ready', ...over,
  };
}

function sandbox(name: string, id: string, over: Partial<SandboxRecord> = {}): SandboxRecord {
  return {
    id, name, hostname: name, mode: { kind: 'networks' }, netns: name, dns: [], extraHosts: [], links: [], ports: [], processes: [],
    autoRemove: false, created: '2024-05-01T10:00:01.000Z', status: 'ready', ...over,
  };
}

function endpoint(id: string, net: NetworkRecord, sb: SandboxRecord, ifname: string, address: string): EndpointRecord {
  return { id, networkId: net.id, sandboxId: sb.id, ifname, hostIfname: `np${id.slice(0, 12)}`, address, prefixlen: 24, mac: '02:42:0a:09:00:02', aliases: ['api'] };
}

describe('observability over the state store', function () {
  let dir: string;
  let rt: Runtime;
  const warnings: string[] = [];
  const web = network('web');
  const mv = network('mv', { driver: 'macvlan', device: 'eth9', subnet: '10.8.0.0/24', gateway: '10.8.0.1' });
  const a = sandbox('a', hex('1'));
  const joiner = sandbox('j', hex('2'), { mode: { kind: 'container', sandboxId: hex('1') }, netns: 'a' });
  const host = sandbox('h', hex('3'), { mode: { kind: 'host' }, netns: undefined });
  const none = sandbox('n', hex('4'), { mode: { kind: 'none' } });
  const half = sandbox('half', hex('5'), { status: 'creating' });
  const m = sandbox('m', hex('6'));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-observe-'));
    rt = new Runtime(new SqliteStore(dir), { events: new EventLog(dir), warn: (w) => warnings.push(w) });
    warnings.length = 0;
    await rt.store.update((tx) => {
      for (const n of [web, mv]) tx.putNetwork(n);
      for (const s of [a, joiner, host, none, half, m]) tx.putSandbox(s);
      tx.putEndpoint(endpoint(hex('a'), web, a, 'eth0', '10.9.0.2'));
      tx.putEndpoint(endpoint(hex('b'), mv, m, 'eth0', '10.8.0.5'));
      tx.putEndpoint(endpoint(hex('c'), web, m, 'eth1', '10.9.0.3'));
    });
  });
  afterEach(async () => {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stats targets: containers with their interfaces and addresses, a joiner with its owner\'s, bridge networks with members\' addresses', async () => {
    const targets = await statsTargets(rt);
    assert.deepStrictEqual(targets, [
      { kind: 'container', name: 'a', netns: 'a', links: ['eth0'], addresses: ['10.9.0.2'] },
      { kind: 'container', name: 'j', netns: 'a', links: ['eth0'], addresses: ['10.9.0.2'] },
      { kind: 'container', name: 'm', netns: 'm', links: ['eth0', 'eth1'], addresses: ['10.8.0.5', '10.9.0.3'] },
      { kind: 'network', name: 'web', links: [web.device], addresses: ['10.9.0.2', '10.9.0.3'] },
    ]);
  });

  it('stats targets by name: one clear error for what is unknown or has nothing to count; left out when not strict', async () => {
    assert.deepStrictEqual((await statsTargets(rt, { names: ['web', 'a'] })).map((t) => `${t.kind} ${t.name}`), ['network web', 'container a']);
    await assert.rejects(statsTargets(rt, { names: ['nosuch'] }), (err: Error) => err instanceof NetplumbError && err.message === 'no such container or network: nosuch');
    await assert.rejects(statsTargets(rt, { names: ['h'] }), /cannot show stats: sandbox h runs in network mode host/);
    await assert.rejects(statsTargets(rt, { names: ['n'] }), /cannot show stats: sandbox n runs in network mode none/);
    await assert.rejects(statsTargets(rt, { names: ['half'] }), /cannot show stats: sandbox half is still being created/);
    await assert.rejects(statsTargets(rt, { names: ['mv'] }), /cannot show stats: network mv uses the macvlan driver: it has no bridge of its own/);
    assert.deepStrictEqual((await statsTargets(rt, { names: ['nosuch', 'h', 'a'], strict: false })).map((t) => t.name), ['a']);
    await assert.rejects(statsTargets(rt, { names: [''] }), TypeError);
  });

  it('network inspect: Docker\'s Options carry the bridge\'s name, a macvlan\'s parent and the MTU; members by container id', async () => {
    const n = await inspectNetworkAsDocker(rt, 'web');
    assert.deepStrictEqual(n.Options, { 'com.docker.network.bridge.name': web.device, 'com.docker.network.driver.mtu': '1400' });
    assert.deepStrictEqual(Object.keys(n.Containers).sort(), [a.id, m.id]);
    assert.strictEqual(n.Containers[a.id].IPv4Address, '10.9.0.2/24');
    assert.strictEqual(n.Attachable, true);
    assert.deepStrictEqual((await inspectNetworkAsDocker(rt, 'mv')).Options, { parent: 'eth9', 'com.docker.network.driver.mtu': '1400' });
    await assert.rejects(inspectNetworkAsDocker(rt, 'nosuch'), (err: Error) => err instanceof NetplumbError && err.code === 'ENOENT');
  });

  it('inspect: NetworkMode per mode; a joiner uses its owner\'s namespace and has no networks of its own', async () => {
    const c = await inspectContainerAsDocker(rt, 'm');
    assert.strictEqual(c.HostConfig.NetworkMode, 'mv');
    assert.deepStrictEqual(Object.keys(c.NetworkSettings.Networks), ['mv', 'web']);
    assert.deepStrictEqual(c.NetworkSettings.Networks.web.DNSNames, ['m', 'api']);
    assert.deepStrictEqual(c.Netplumb.Endpoints.web, { Interface: 'eth1', HostInterface: `np${hex('c').slice(0, 12)}` });
    const j = await inspectContainerAsDocker(rt, 'j');
    assert.strictEqual(j.HostConfig.NetworkMode, `container:${a.id}`);
    assert.strictEqual(j.NetworkSettings.SandboxKey, '/run/netns/a');
    assert.deepStrictEqual(j.NetworkSettings.Networks, {});
    assert.strictEqual(j.HostsPath, '/etc/netns/a/hosts');
    assert.strictEqual((await inspectContainerAsDocker(rt, 'n')).HostConfig.NetworkMode, 'none');
    assert.strictEqual((await inspectContainerAsDocker(rt, 'h')).HostConfig.NetworkMode, 'host');
  });

  it('records events in order in the log; a log that cannot be written is one warning, not an error', async () => {
    await recordEvents(rt, [
      { kind: 'network.create', network: { id: web.id, name: 'web' } },
      { kind: 'container.create', container: { id: a.id, name: 'a' } },
    ]);
    assert.deepStrictEqual((await rt.events.read()).map((e) => e.kind), ['network.create', 'container.create']);
    const blocked = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocked, '');
    const broken = new Runtime(rt.store, { events: new EventLog(blocked), warn: (w) => warnings.push(w) });
    await recordEvents(broken, [{ kind: 'container.remove', container: { id: a.id, name: 'a' } }, { kind: 'network.remove', network: { id: web.id, name: 'web' } }]);
    assert.strictEqual(warnings.length, 1);
    assert.match(warnings[0], /could not record container\.remove \(the action itself succeeded\)/);
  });

  it('port events only for mappings that were given a host port', () => {
    const events = portEvents('port.publish', a, web, [
      { hostIp: '0.0.0.0', hostPort: 8080, containerIp: '10.0.0.2', containerPort: 80, protocol: 'tcp', endpointId: 'e1' },
      { hostIp: '0.0.0.0', hostPort: 0, containerIp: '10.0.0.2', containerPort: 81, protocol: 'tcp', endpointId: 'e1' },
    ]);
    assert.deepStrictEqual(events, [{
      kind: 'port.publish', container: { id: a.id, name: 'a' }, network: { id: web.id, name: 'web', driver: 'bridge' },
      port: { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 },
    }]);
  });
});

describe('event filters', () => {
  const t = '2024-05-01T10:00:00.000Z';
  const events: NetplumbEvent[] = [
    { kind: 'network.create', time: t, source: 'log', network: { id: hex('a'), name: 'web' } },
    { kind: 'container.start', time: t, source: 'log', container: { id: hex('1'), name: 'api' } },
    { kind: 'network.connect', time: t, source: 'log', network: { id: hex('a'), name: 'web' }, container: { id: hex('1'), name: 'api' } },
    { kind: 'link.down', time: t, source: 'kernel', link: { name: 'np0', index: 4 } },
  ];
  const pick = (...specs: string[]) => events.filter((e) => eventMatches(e, parseEventFilters(specs))).map((e) => e.kind);

  it('the same key ORs, different keys AND; names, ids and id prefixes', () => {
    assert.deepStrictEqual(pick(), events.map((e) => e.kind));
    assert.deepStrictEqual(pick('type=network'), ['network.create', 'network.connect']);
    assert.deepStrictEqual(pick('type=container', 'type=link'), ['container.start', 'link.down']);
    assert.deepStrictEqual(pick('network=web', 'event=connect'), ['network.connect']);
    assert.deepStrictEqual(pick(`container=${hex('1').slice(0, 12)}`), ['container.start', 'network.connect']);
    assert.deepStrictEqual(pick('link=np0'), ['link.down']);
    assert.deepStrictEqual(pick('event=down', 'container=api'), []);
  });

  it('one clear error per bad filter', () => {
    assert.throws(() => parseEventFilters(['type']), /invalid filter "type": expected KEY=VALUE/);
    assert.throws(() => parseEventFilters(['type=']), /invalid filter "type=": expected KEY=VALUE/);
    assert.throws(() => parseEventFilters(['kind=network']), /invalid filter key "kind": one of type, event, container, network, link/);
    assert.throws(() => parseEventFilters(['type=volume']), /invalid filter type=volume: one of network, container, port, link/);
    assert.throws(() => parseEventFilters(['event=destroy']), /invalid filter event=destroy/);
  });
});
