// The event log without root: its line format, --since/--until windows, a
// half-written last line, corruption reported with file and line, concurrent
// writers that never interleave, following new lines as they are written,
// and the text and JSON renderings.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventLog, formatEvent, parseEventTime, watchEvents, type AttachmentEvent, type ContainerEvent, type NetplumbEvent, type NewEvent } from '../../../src/net/events';

const net = { id: '3f2a9c', name: 'web', driver: 'bridge' };
const api = { id: '9c1b77', name: 'api' };

import { nextEvent as next } from '../../helpers/next-event';

describe('event log', () => {
  let dir: string;
  let log: EventLog;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-events-'));
    log = new EventLog(dir);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one versioned JSON object per line and reads them back in order', async () => {
    await log.append({ kind: 'network.create', network: net, subnets: ['172.18.0.0/16'] }, new Date('2024-05-01T10:00:00Z'));
    await log.append({ kind: 'network.connect', network: net, container: api, addresses: ['172.18.0.2'] }, new Date('2024-05-01T10:00:01Z'));
    await log.append({ kind: 'port.publish', container: api, port: { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 } }, new Date('2024-05-01T10:00:02Z'));
    const lines = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n');
    assert.strictEqual(lines.length, 4);
    assert.strictEqual(lines[3], '');
    assert.deepStrictEqual(JSON.parse(lines[0]), { v: 1, time: '2024-05-01T10:00:00.000Z', kind: 'network.create', network: net, subnets: ['172.18.0.0/16'] });
    const events = await log.read();
    assert.deepStrictEqual(events.map((e) => e.kind), ['network.create', 'network.connect', 'port.publish']);
    assert.ok(events.every((e) => e.source === 'log'));
    assert.deepStrictEqual((events[1] as AttachmentEvent).addresses, ['172.18.0.2']);
  });

  it('keeps to the --since/--until window', async () => {
    for (let s = 0; s < 5; s++) await log.append({ kind: 'container.start', container: { id: `c${s}`, name: `c${s}` } }, new Date(Date.UTC(2024, 4, 1, 10, 0, s)));
    const names = (es: NetplumbEvent[]) => es.map((e) => (e as ContainerEvent).container.name);
    assert.deepStrictEqual(names(await log.read({ since: new Date('2024-05-01T10:00:02Z') })), ['c2', 'c3', 'c4']);
    assert.deepStrictEqual(names(await log.read({ since: new Date('2024-05-01T10:00:01Z'), until: new Date('2024-05-01T10:00:03Z') })), ['c1', 'c2', 'c3']);
    const history = await watchEvents({ log, since: new Date('2024-05-01T10:00:03Z'), follow: false });
    const got: NetplumbEvent[] = [];
    for await (const e of history) got.push(e);
    assert.deepStrictEqual(names(got), ['c3', 'c4']);
  });

  it('ignores a last line still being written, and names the file and line of a corrupt one', async () => {
    await log.append({ kind: 'container.create', container: api });
    fs.appendFileSync(log.file, '{"v":1,"time":"2024-05-01T10:00:00Z","kind":"cont');
    assert.strictEqual((await log.read()).length, 1);
    fs.appendFileSync(log.file, 'ainer.start"}\n');
    await assert.rejects(log.read(), new RegExp(`event log ${log.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: event container: expected \\{ id, name \\}`));
    fs.writeFileSync(log.file, 'not json\n');
    await assert.rejects(log.read(), /events.jsonl:1: not a JSON object/);
    fs.writeFileSync(log.file, '{"v":2,"time":"2024-05-01T10:00:00Z","kind":"container.create"}\n');
    await assert.rejects(log.read(), /:1: unknown format version 2/);
  });

  it('reads nothing, without error, before the first event', async () => {
    assert.deepStrictEqual(await new EventLog(path.join(dir, 'absent')).read(), []);
  });

  it('rejects a bad event with one clear error and writes nothing', async () => {
    await assert.rejects(log.append({ kind: 'network.explode', network: net } as unknown as NewEvent), /event kind: "network.explode" is not one the log records/);
    await assert.rejects(log.append({ kind: 'link.up' } as unknown as NewEvent), /event kind: "link.up" is not one the log records/);
    await assert.rejects(log.append({ kind: 'network.connect', network: net } as unknown as NewEvent), /event container: expected \{ id, name \}/);
    await assert.rejects(log.append({ kind: 'port.publish', container: api, port: { protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 70000, containerPort: 80 } }), /event port: hostPort must be 1 to 65535, got 70000/);
    await assert.rejects(log.append({ kind: 'port.publish', container: api, port: { protocol: 'icmp' as never, hostIp: '0.0.0.0', hostPort: 80, containerPort: 80 } }), /protocol must be tcp, udp or sctp/);
    await assert.rejects(log.append({ kind: 'container.start', container: { id: '', name: 'x' } }), /event container: id must be a non-empty string/);
    assert.ok(!fs.existsSync(log.file));
  });

  it('keeps every line whole when several processes append at once', async () => {
    const writers = 4;
    const each = 150;
    const script = `
      const { EventLog } = require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'src', 'net', 'events'))});
      (async () => {
        const log = new EventLog(process.argv[1]);
        for (let i = 0; i < ${each}; i++) await log.append({ kind: 'container.start', container: { id: process.argv[2] + '-' + i, name: 'writer' + process.argv[2] } });
      })();`;
    await Promise.all(Array.from({ length: writers }, (_, w) => new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', script, dir, String(w)], { stdio: 'inherit' });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${w} exited ${code}`))));
    })));
    const events = await log.read();
    assert.strictEqual(events.length, writers * each);
    for (let w = 0; w < writers; w++) {
      const mine = events.map((e) => (e as ContainerEvent).container.id).filter((id) => id.startsWith(`${w}-`));
      assert.deepStrictEqual(mine, Array.from({ length: each }, (_, i) => `${w}-${i}`), `writer ${w}'s events in its order`);
    }
  });

  it('follows new lines as they are written, after the history since a time', async () => {
    await log.append({ kind: 'network.create', network: net }, new Date(Date.now() - 60_000));
    await log.append({ kind: 'container.create', container: api }, new Date(Date.now() - 1000));
    const stream = await watchEvents({ log: dir, since: parseEventTime('10s') });
    try {
      assert.strictEqual((await next(stream)).kind, 'container.create');
      await log.append({ kind: 'container.start', container: api });
      assert.strictEqual((await next(stream)).kind, 'container.start');
      await log.append({ kind: 'network.connect', network: net, container: api });
      await log.append({ kind: 'container.stop', container: api, exitCode: 0 });
      assert.strictEqual((await next(stream)).kind, 'network.connect');
      assert.strictEqual((await next(stream)).kind, 'container.stop');
    } finally {
      stream.close();
    }
    assert.deepStrictEqual(await stream.next(), { value: undefined, done: true });
  });

  it('without --since, emits an event appended at once after following starts, and no history', async () => {
    await log.append({ kind: 'network.create', network: net });
    // No await between follow() and append(): the watcher is not set up yet.
    const stream = log.follow();
    try {
      await log.append({ kind: 'container.create', container: api });
      assert.strictEqual((await next(stream)).kind, 'container.create');
    } finally {
      stream.close();
    }
  });
});

describe('event times and rendering', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  it('parses --since as docker events does', () => {
    assert.strictEqual(parseEventTime('2024-05-01T10:00:00Z', now).toISOString(), '2024-05-01T10:00:00.000Z');
    assert.strictEqual(parseEventTime('2024-05-01', now).toISOString(), '2024-05-01T00:00:00.000Z');
    assert.strictEqual(parseEventTime('2024-05-01T10:00:00+02:00', now).toISOString(), '2024-05-01T08:00:00.000Z');
    assert.strictEqual(parseEventTime('1714557600', now).toISOString(), '2024-05-01T10:00:00.000Z');
    assert.strictEqual(parseEventTime('1714557600.5', now).toISOString(), '2024-05-01T10:00:00.500Z');
    assert.strictEqual(parseEventTime('10m', now).toISOString(), '2024-05-01T11:50:00.000Z');
    assert.strictEqual(parseEventTime('1h30m', now).toISOString(), '2024-05-01T10:30:00.000Z');
    assert.strictEqual(parseEventTime('500ms', now).toISOString(), '2024-05-01T11:59:59.500Z');
    assert.throws(() => parseEventTime('yesterday', now), /--since: "yesterday" is not a time/);
    assert.throws(() => parseEventTime('2024-13-45', now), /is not a time/);
    assert.throws(() => parseEventTime('', now, 'until'), /--until: expected a time/);
  });

  it('prints one line per event as docker events does', () => {
    const t = '2024-05-01T10:00:00.000Z';
    assert.strictEqual(formatEvent({ kind: 'network.connect', time: t, source: 'log', network: net, container: api, addresses: ['172.18.0.2'] }),
      `${t} network connect web (container=api, addresses=172.18.0.2)`);
    assert.strictEqual(formatEvent({ kind: 'port.publish', time: t, source: 'log', container: api, port: { protocol: 'udp', hostIp: '::', hostPort: 53, containerPort: 5353 } }),
      `${t} port publish api (port=[::]:53->5353/udp)`);
    assert.strictEqual(formatEvent({ kind: 'link.down', time: t, source: 'kernel', link: { name: 'np-3f2a', index: 7, kind: 'bridge', operstate: 'down' } }),
      `${t} link down np-3f2a (index=7, kind=bridge, operstate=down)`);
    assert.strictEqual(formatEvent({ kind: 'container.stop', time: t, source: 'log', container: api, exitCode: 137 }), `${t} container stop api (id=9c1b77, exitCode=137)`);
  });
});
