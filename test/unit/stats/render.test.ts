// The stats renderers and loop, without root: sizes as docker stats prints
// them, the table's rows and cells, JSON lines, and the watch loop's output.
import * as assert from 'assert';
import { Writable } from 'stream';
import { humanCount, humanSize, renderStatsJsonLines, renderStatsTable, TABLE_HEADER, watchStats, type StatsRow, type StatsSnapshot } from '../../../src/net/stats';

function rowOf(name: string, over: Partial<StatsRow> = {}): StatsRow {
  return {
    kind: 'container', name, rxBytes: 1_234_567, txBytes: 999, rxPackets: 1500, txPackets: 12, rxErrors: 1, txErrors: 2, rxDropped: 3, txDropped: 4,
    rates: { rxBytes: 2048, txBytes: 0, rxPackets: 2, txPackets: 0 }, connections: 7, missingLinks: [], ...over,
  };
}
const snapshot: StatsSnapshot = {
  time: '2024-05-01T10:00:00.000Z', intervalSeconds: 1.002,
  rows: [rowOf('web'), rowOf('mynet', { kind: 'network', rates: null, connections: null, missingLinks: ['np-1'] })],
};

class Sink extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void { this.text += chunk.toString(); cb(); }
}

describe('stats rendering', () => {
  it('prints sizes as docker stats does (decimal units, 3 significant digits)', () => {
    assert.strictEqual(humanSize(0), '0B');
    assert.strictEqual(humanSize(999), '999B');
    assert.strictEqual(humanSize(1000), '1kB');
    assert.strictEqual(humanSize(1_234_567), '1.23MB');
    assert.strictEqual(humanSize(15_500_000_000), '15.5GB');
    assert.strictEqual(humanCount(1500), '1.5k');
    assert.strictEqual(humanCount(12), '12');
    assert.throws(() => humanSize(-1), RangeError);
  });

  it('renders one line per target under a header, each value in its column', () => {
    const lines = renderStatsTable(snapshot).trimEnd().split('\n');
    assert.strictEqual(lines.length, 3);
    for (const h of TABLE_HEADER) assert.ok(lines[0].includes(h), `header lacks ${h}`);
    const cells = lines[1].split(/ {3,}/);
    assert.deepStrictEqual(cells, ['web', 'container', '1.23MB / 999B', '2.05kB/s', '0B/s', '1.5k / 12', '1 / 2', '3 / 4', '7']);
    const net = lines[2].split(/ {3,}/);
    assert.deepStrictEqual(net, ['mynet (missing: np-1)', 'network', '1.23MB / 999B', '--', '--', '1.5k / 12', '1 / 2', '3 / 4', '--']);
    // Columns line up: every row's second column starts where the header's does.
    const at = lines[0].indexOf('KIND');
    assert.strictEqual(lines[1].indexOf('container'), at);
  });

  it('renders JSON lines: one object per target, with the sample time', () => {
    const lines = renderStatsJsonLines(snapshot).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.strictEqual(lines.length, 2);
    assert.deepStrictEqual(lines[0], { time: snapshot.time, intervalSeconds: 1.002, ...rowOf('web') });
    assert.strictEqual(lines[1].connections, null);
  });

  it('prints once after two samples with stream: false, and redraws in place on a terminal', async () => {
    let n = 0;
    const source = { sample: async () => ({ ...snapshot, rows: [rowOf(`s${++n}`)] }) };
    const once = new Sink();
    await watchStats(source, { output: once, stream: false, intervalMs: 10 });
    assert.strictEqual(n, 2);
    assert.ok(once.text.includes('s2') && !once.text.includes('s1'));
    assert.ok(!once.text.includes('\x1b['));

    const tty = new Sink();
    tty.isTTY = true;
    const stop = new AbortController();
    const done = watchStats(source, { output: tty, intervalMs: 10, signal: stop.signal });
    while (n < 6) await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await done;
    const frames = tty.text.split('\x1b[2J\x1b[H').filter(Boolean);
    assert.ok(frames.length >= 3, `${frames.length} frames`);
    assert.ok(frames.every((f) => f.startsWith('NAME')));

    const json = new Sink();
    await watchStats(source, { output: json, format: 'json', stream: false, intervalMs: 10 });
    assert.strictEqual(JSON.parse(json.text.trim()).name, `s${n}`);
  });

  it('rejects a bad format or interval', async () => {
    const source = { sample: async () => snapshot };
    await assert.rejects(watchStats(source, { format: 'xml' as never }), /format must be 'table' or 'json'/);
    await assert.rejects(watchStats(source, { intervalMs: 0 }), /interval must be an integer of at least 10 ms/);
  });
});
