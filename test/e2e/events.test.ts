// `netplumb events` end to end: a live `netplumb events --json` sees every
// action of other netplumb commands, in order, and the kernel's link up/down
// and removal of the bridges and veths those actions made (their names read
// from `ip -j link`, not from netplumb); the history comes back with --since
// and --until; filters select as docker events' do.
import * as assert from 'assert';
import { ipj, np, npOk, sh } from '../helpers/cli';
import { CliStream } from '../helpers/cli-stream';
import { requireSandbox } from '../helpers/sandbox';

interface Ev {
  kind: string; time: string; source: 'log' | 'kernel';
  network?: { id: string; name: string; driver?: string }; container?: { id: string; name: string };
  addresses?: string[]; subnets?: string[]; exitCode?: number; link?: { name: string; index: number };
}

/** A link the test toggles until the stream reports it: then the kernel subscription is live. */
const PROBE = 'npprobe0';

function portsOf(bridge: string): string[] {
  return ipj<Array<{ ifname: string }>>('link', 'show', 'master', bridge).map((l) => l.ifname);
}

function ipv4(ns: string, dev: string): string {
  const [l] = ipj<Array<{ addr_info: Array<{ family: string; local: string }> }>>('-n', ns, 'addr', 'show', 'dev', dev);
  return l.addr_info.find((a) => a.family === 'inet')!.local;
}

/** 'kind name' of a log event: the container for container.*, the network (and container) otherwise. */
function label(e: Ev): string {
  if (e.kind.startsWith('container.')) return `${e.kind} ${e.container!.name}`;
  if (e.kind === 'network.connect' || e.kind === 'network.disconnect') return `${e.kind} ${e.network!.name} ${e.container!.name}`;
  return `${e.kind} ${e.network?.name ?? e.link?.name}`;
}

const EXPECTED = [
  'network.create evnet',
  'container.create ev1', 'network.connect evnet ev1', 'container.start ev1',
  'network.create evnet2', 'network.connect evnet2 ev1',
  'network.disconnect evnet2 ev1',
  'container.stop ev1', 'network.disconnect evnet ev1', 'container.remove ev1',
  'network.remove evnet', 'network.remove evnet2',
  'container.create ev2', 'container.start ev2', 'container.stop ev2', 'container.remove ev2',
];

describe('e2e: events', function () {
  this.timeout(120000);
  let stream: CliStream | undefined;
  let t0: string;
  let t1: string;
  const ids: Record<string, string> = {};
  const links: Record<string, string> = {};
  let ev1Ip: string;
  let logged: Ev[] = [];
  let kernel: Ev[] = [];

  before(async function () {
    requireSandbox(this);
    // A veth pair (a dummy link needs a module this kernel may not have); only PROBE is toggled.
    assert.strictEqual(sh('ip', 'link', 'add', PROBE, 'type', 'veth', 'peer', 'name', `${PROBE}p`).status, 0);
    t0 = new Date().toISOString();
    stream = CliStream.start(['events', '--json']);
    // Toggle the probe until its link.up arrives: from then on nothing the kernel reports is missed.
    for (let i = 0; ; i++) {
      sh('ip', 'link', 'set', PROBE, 'down');
      sh('ip', 'link', 'set', PROBE, 'up');
      try {
        await stream.waitFor((l) => { const e = JSON.parse(l) as Ev; return e.kind === 'link.up' && e.link?.name === PROBE; }, 'the probe link', 300);
        break;
      } catch (err) {
        if (i > 50) throw err;
      }
    }

    ids.evnet = npOk('network', 'create', '--subnet', '10.82.0.0/24', 'evnet').trim();
    links.bridge1 = `np-${ids.evnet.slice(0, 12)}`;
    ids.ev1 = npOk('run', '-d', '--name', 'ev1', '--net', 'evnet', '--', 'sleep', '300').trim();
    [links.veth1] = portsOf(links.bridge1);
    ev1Ip = ipv4('ev1', 'eth0');
    ids.evnet2 = npOk('network', 'create', '--subnet', '10.83.0.0/24', 'evnet2').trim();
    links.bridge2 = `np-${ids.evnet2.slice(0, 12)}`;
    npOk('network', 'connect', 'evnet2', 'ev1');
    [links.veth2] = portsOf(links.bridge2);
    npOk('network', 'disconnect', 'evnet2', 'ev1');
    npOk('rm', '-f', 'ev1');
    npOk('network', 'rm', 'evnet', 'evnet2');
    const r = np(['run', '--rm', '--name', 'ev2', '--net', 'none', '--', 'sh', '-c', 'exit 3']);
    assert.strictEqual(r.status, 3);
    await stream.waitFor((l) => { const e = JSON.parse(l) as Ev; return e.kind === 'container.remove' && e.container?.name === 'ev2'; }, 'the last event');
    await stream.waitFor((l) => { const e = JSON.parse(l) as Ev; return e.kind === 'link.remove' && e.link?.name === links.bridge2; }, 'the removal of the second bridge');
    t1 = new Date().toISOString();
    const all = stream.lines.map((l) => JSON.parse(l) as Ev);
    logged = all.filter((e) => e.source === 'log');
    kernel = all.filter((e) => e.source === 'kernel' && !e.link?.name.startsWith(PROBE));
  });
  after(async function () {
    if (stream) await stream.stop();
    sh('ip', 'link', 'del', PROBE);
    np(['rm', '-f', 'ev1', 'ev2']);
    np(['network', 'rm', 'evnet', 'evnet2']);
  });

  it('reports every action of other commands, in the order they happened', () => {
    assert.deepStrictEqual(logged.map(label), EXPECTED);
    const byLabel = new Map(logged.map((e) => [label(e), e]));
    const created = byLabel.get('network.create evnet')!;
    assert.deepStrictEqual(created.network, { id: ids.evnet, name: 'evnet', driver: 'bridge' });
    assert.deepStrictEqual(created.subnets, ['10.82.0.0/24']);
    assert.deepStrictEqual(byLabel.get('container.create ev1')!.container, { id: ids.ev1, name: 'ev1' });
    assert.deepStrictEqual(byLabel.get('network.connect evnet ev1')!.addresses, [ev1Ip]);
    // rm -f killed the running sleep; the foreground run's exit status is recorded.
    assert.strictEqual(byLabel.get('container.stop ev2')!.exitCode, 3);
    const times = logged.map((e) => Date.parse(e.time));
    assert.deepStrictEqual([...times].sort((a, b) => a - b), times);
  });

  it('reports the kernel taking netplumb\'s links up, down and away', () => {
    const seen = (kind: string, name: string) => kernel.findIndex((e) => e.kind === kind && e.link?.name === name);
    for (const name of [links.bridge1, links.veth1, links.bridge2, links.veth2]) {
      assert.ok(name, 'a link name could not be read from ip -j link');
      const up = seen('link.up', name);
      const removed = seen('link.remove', name);
      assert.ok(up >= 0, `no link.up for ${name}`);
      assert.ok(removed > up, `no link.remove for ${name} after its link.up`);
    }
    // A veth deleted while up is first taken down (disconnect deletes it; rm deletes its namespace).
    for (const name of [links.veth1, links.veth2]) {
      const down = seen('link.down', name);
      assert.ok(down > seen('link.up', name) && down < seen('link.remove', name), `no link.down for ${name} between up and remove`);
    }
    assert.ok(kernel.every((e) => e.link!.name.startsWith('np')), 'a link not of netplumb was reported');
  });

  it('replays the history with --since and --until, and ends by itself', () => {
    const history = npOk('events', '--json', '--since', t0, '--until', t1).trim().split('\n').map((l) => JSON.parse(l) as Ev);
    assert.deepStrictEqual(history.map(label), EXPECTED);
    const text = npOk('events', '--since', t0, '--until', t1).trim().split('\n');
    assert.strictEqual(text.length, EXPECTED.length);
    assert.match(text[0], new RegExp(`^\\S+Z network create evnet \\(id=${ids.evnet}, driver=bridge, subnets=10\\.82\\.0\\.0/24\\)$`));
    assert.match(text[2], new RegExp(`^\\S+Z network connect evnet \\(container=ev1, addresses=${ev1Ip.replace(/\./g, '\\.')}\\)$`));
  });

  it('filters as docker events does: the same key ORs, different keys AND', () => {
    const run = (...filters: string[]) => npOk('events', '--json', '--since', t0, '--until', t1, ...filters.flatMap((f) => ['--filter', f]))
      .trim().split('\n').filter(Boolean).map((l) => label(JSON.parse(l) as Ev));
    assert.deepStrictEqual(run('type=network', 'event=create'), ['network.create evnet', 'network.create evnet2']);
    assert.deepStrictEqual(run('event=start', 'event=stop'), ['container.start ev1', 'container.stop ev1', 'container.start ev2', 'container.stop ev2']);
    assert.deepStrictEqual(run('container=ev1', 'network=evnet2'), ['network.connect evnet2 ev1', 'network.disconnect evnet2 ev1']);
    assert.deepStrictEqual(run(`container=${ids.ev1.slice(0, 12)}`, 'event=remove'), ['container.remove ev1']);
  });

  it('one clear usage error for a bad filter or time', () => {
    const key = np(['events', '--filter', 'colour=red']);
    assert.strictEqual(key.status, 2);
    assert.strictEqual(key.stderr, 'netplumb: invalid filter key "colour": one of type, event, container, network, link\n');
    const value = np(['events', '--filter', 'event=explode']);
    assert.strictEqual(value.status, 2);
    assert.match(value.stderr, /^netplumb: invalid filter event=explode: one of create, remove/);
    const since = np(['events', '--since', 'yesterday']);
    assert.strictEqual(since.status, 2);
    assert.match(since.stderr, /^netplumb: --since: "yesterday" is not a time/);
    const order = np(['events', '--since', '10m', '--until', '20m']);
    assert.strictEqual(order.status, 2);
    assert.strictEqual(order.stderr, 'netplumb: --until is before --since\n');
  });
});
