// Kernel link events for real: links made and changed with iproute2's `ip`
// (not with netplumb) in a fresh namespace, and the events checked to arrive
// one for each action, in order, for matching links only; then merged with
// the event log the networking layer writes.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventLog, watchEvents, watchLinkEvents, type NetplumbEvent } from '../../src/net/events';
import type { Netlink } from '../../src/netlink/handle';
import type { NetNs } from '../../src/netns';
import { freshNetns, requireSandbox } from '../helpers/sandbox';

import { nextEvent } from '../helpers/next-event';

/** Generous: events cross processes and the kernel on a loaded machine. */
const next = <T>(it: AsyncIterator<T>): Promise<T> => nextEvent(it, 15000);

/** Nothing more arrives within ms. */
async function quiet<T>(it: AsyncIterator<T>, ms = 300): Promise<void> {
  const r = await Promise.race([it.next(), new Promise<'quiet'>((resolve) => setTimeout(() => resolve('quiet'), ms))]);
  assert.strictEqual(r, 'quiet', `unexpected event ${JSON.stringify(r)}`);
}

function short(e: NetplumbEvent): string {
  return 'link' in e ? `${e.kind} ${e.link.name}` : e.kind;
}

describe('events (actions made with ip)', function () {
  let ns: NetNs;
  let nl: Netlink;
  let dispose: () => Promise<void>;
  let dir: string;

  before(function () {
    requireSandbox(this);
  });
  beforeEach(async () => {
    ({ ns, nl, dispose } = await freshNetns('ev'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-ev-'));
  });
  afterEach(async () => {
    await dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns.name!, ...args]);

  it('reports up, down and removal of matching links, one event per action, in order', async () => {
    ip('link', 'add', 'np-pre', 'type', 'bridge');
    ip('link', 'set', 'np-pre', 'up');
    const events = await watchLinkEvents({ netns: ns.name, prefixes: ['np'], names: ['extra0'] });
    try {
      ip('link', 'add', 'np-br0', 'type', 'bridge');
      ip('link', 'set', 'np-br0', 'up');
      ip('link', 'add', 'npv0', 'type', 'veth', 'peer', 'name', 'other0');
      ip('link', 'set', 'other0', 'up'); // not ours: no event
      ip('link', 'set', 'npv0', 'up');
      ip('link', 'set', 'npv0', 'master', 'np-br0'); // the bridge's own notices about its port: no event
      ip('link', 'set', 'npv0', 'nomaster');
      ip('link', 'set', 'np-br0', 'mtu', '1400'); // a change that is no up/down: no event
      ip('link', 'set', 'np-br0', 'down');
      ip('link', 'set', 'np-pre', 'down'); // existed before the watch began: its state was known
      ip('link', 'add', 'extra0', 'type', 'bridge');
      ip('link', 'set', 'extra0', 'up');
      ip('link', 'del', 'np-br0');
      ip('link', 'del', 'npv0');
      const got: string[] = [];
      for (let i = 0; i < 8; i++) got.push(short(await next(events)));
      assert.deepStrictEqual(got, [
        'link.up np-br0',
        'link.up npv0',
        'link.down np-br0',
        'link.down np-pre',
        'link.up extra0',
        'link.remove np-br0',
        // Deleting a link that is up closes it first: the kernel reports it down, then gone (as `ip monitor` shows).
        'link.down npv0',
        'link.remove npv0',
      ]);
      await quiet(events);
    } finally {
      events.close();
    }
    assert.deepStrictEqual(await events.next(), { value: undefined, done: true });
  });

  it('describes the link as the kernel does: index, kind, operstate, namespace', async () => {
    const events = await watchLinkEvents({ netns: ns.name, names: ['np-d0'] });
    try {
      ip('link', 'add', 'np-d0', 'type', 'bridge');
      ip('link', 'set', 'np-d0', 'up');
      const e = await next(events);
      assert.ok(e.kind === 'link.up');
      const [shown] = JSON.parse(execFileSync('ip', ['-n', ns.name!, '-j', '-d', 'link', 'show', 'np-d0'], { encoding: 'utf8' })) as Array<{ ifindex: number; linkinfo: { info_kind: string } }>;
      assert.strictEqual(e.link.index, shown.ifindex);
      assert.strictEqual(e.link.kind, shown.linkinfo.info_kind);
      assert.strictEqual(e.link.netns, ns.name);
      assert.strictEqual(e.source, 'kernel');
      assert.ok(typeof e.link.operstate === 'string');
    } finally {
      events.close();
    }
  });

  it('merges the log and the kernel: each action\'s event arrives, in the order the actions were made', async () => {
    const log = new EventLog(dir);
    const stream = await watchEvents({ log, links: [{ netns: ns.name, prefixes: ['np-'] }] });
    const net = { id: 'a1b2c3', name: 'web', driver: 'bridge' };
    const c = { id: 'd4e5f6', name: 'api' };
    try {
      const got: string[] = [];
      await log.append({ kind: 'network.create', network: net, subnets: ['172.30.0.0/24'] });
      got.push(short(await next(stream)));
      ip('link', 'add', 'np-web', 'type', 'bridge');
      ip('link', 'set', 'np-web', 'up');
      got.push(short(await next(stream)));
      await log.append({ kind: 'container.start', container: c });
      got.push(short(await next(stream)));
      await nl.linkSet('np-web', { up: false });
      got.push(short(await next(stream)));
      await log.append({ kind: 'network.remove', network: net });
      got.push(short(await next(stream)));
      assert.deepStrictEqual(got, ['network.create', 'link.up np-web', 'container.start', 'link.down np-web', 'network.remove']);
      await quiet(stream);
    } finally {
      stream.close();
    }
  });

  it('rejects watch options that name no link or a bad one', async () => {
    await assert.rejects(watchLinkEvents({ netns: ns.name }), /give the names or prefixes of the links to watch/);
    await assert.rejects(watchLinkEvents({ names: ['this-name-is-too-long'] }), /1 to 15 bytes/);
    await assert.rejects(watchLinkEvents({ prefixes: [''] }), /prefix "" must be 1 to 15 bytes/);
    await assert.rejects(watchLinkEvents({ netns: 'no-such-ns', prefixes: ['np'] }), { name: 'NetlinkError', code: 'ENOENT' });
    await assert.rejects(watchEvents({ since: new Date('nope') }), /since must be a valid Date/);
  });
});
