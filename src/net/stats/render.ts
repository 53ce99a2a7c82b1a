// The three ways `netplumb stats` prints a snapshot: a table like
// `docker stats` (refreshed in place on a terminal), one JSON object per
// target per line (`--json`, like `docker stats --format json`), and the
// same table once (`--no-stream`).
import Table from 'cli-table3';
import { humanCount, humanSize } from './format';
import type { StatsRow, StatsSnapshot } from './sampler';

export const TABLE_HEADER = ['NAME', 'KIND', 'NET I/O (RX / TX)', 'RX/s', 'TX/s', 'PACKETS (RX / TX)', 'ERRORS (RX / TX)', 'DROPS (RX / TX)', 'CONNS'];

/** The row's cells, in TABLE_HEADER's order. */
export function tableCells(row: StatsRow): string[] {
  const rate = (v: number | undefined) => (v === undefined ? '--' : `${humanSize(v)}/s`);
  const name = row.missingLinks.length ? `${row.name} (missing: ${row.missingLinks.join(', ')})` : row.name;
  return [
    name,
    row.kind,
    `${humanSize(row.rxBytes)} / ${humanSize(row.txBytes)}`,
    rate(row.rates?.rxBytes),
    rate(row.rates?.txBytes),
    `${humanCount(row.rxPackets)} / ${humanCount(row.txPackets)}`,
    `${row.rxErrors} / ${row.txErrors}`,
    `${row.rxDropped} / ${row.txDropped}`,
    row.connections === null ? '--' : String(row.connections),
  ];
}

/** The snapshot as a plain, column-aligned table (no borders, as `docker stats`). */
export function renderStatsTable(snapshot: StatsSnapshot): string {
  const table = new Table({
    head: TABLE_HEADER,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const row of snapshot.rows) table.push(tableCells(row));
  return table.toString().split('\n').map((l) => l.trimEnd()).join('\n') + '\n';
}

/** One JSON object per target, one per line, each with the sample's time. */
export function renderStatsJsonLines(snapshot: StatsSnapshot): string {
  return snapshot.rows.map((row) => JSON.stringify({ time: snapshot.time, intervalSeconds: snapshot.intervalSeconds, ...row }) + '\n').join('');
}
