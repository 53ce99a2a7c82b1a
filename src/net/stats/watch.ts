// The `netplumb stats` loop: sample every interval and print, until stopped.
import type { Writable } from 'stream';
import { renderStatsJsonLines, renderStatsTable } from './render';
import type { StatsSnapshot } from './sampler';

/** Anything that gives snapshots: a StatsSampler, or a stand-in in tests. */
export interface StatsSource {
  sample(): Promise<StatsSnapshot>;
}

export interface WatchStatsOptions {
  /** Where to print (default process.stdout). */
  output?: Writable & { isTTY?: boolean };
  /** 'table' (default) or 'json' (one JSON object per target per line). */
  format?: 'table' | 'json';
  /** false: print one snapshot and return (`--no-stream`). Default true. */
  stream?: boolean;
  /** Milliseconds between samples (default 1000). */
  intervalMs?: number;
  /** Stops the loop. */
  signal?: AbortSignal;
}

/** ESC[2J clears the screen and ESC[H homes the cursor: the table is redrawn in place, as docker stats does. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Prints stats until the signal aborts (or once, with stream: false). Rates
 * need two samples: a stream shows the first reading at once without them;
 * a single snapshot is taken one interval after a first reading, as
 * `docker stats --no-stream` does for its CPU column.
 */
export async function watchStats(source: StatsSource, options: WatchStatsOptions = {}): Promise<void> {
  const output = options.output ?? process.stdout;
  const format = options.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new TypeError(`stats: format must be 'table' or 'json', got ${JSON.stringify(format)}`);
  const intervalMs = options.intervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new RangeError(`stats: interval must be an integer of at least 10 ms, got ${intervalMs}`);
  const stream = options.stream ?? true;
  const print = (s: StatsSnapshot) => {
    if (format === 'json') output.write(renderStatsJsonLines(s));
    else output.write((stream && output.isTTY ? CLEAR_SCREEN : '') + renderStatsTable(s) + (stream && !output.isTTY ? '\n' : ''));
  };

  const first = await source.sample();
  if (stream) print(first);
  for (;;) {
    await sleep(intervalMs, options.signal);
    if (options.signal?.aborted) return;
    print(await source.sample());
    if (!stream) return;
  }
}
