// The event log: netplumb's own actions, one JSON object per line, appended
// by whichever command made them, in $NETPLUMB_STATE_DIR/events.jsonl
// (default /var/lib/netplumb/events.jsonl).
//
// Format (version 1): each line is one event, NetplumbEvent with source
// omitted (a line read back is source 'log'):
//   {"v":1,"time":"2024-05-01T10:00:00.123Z","kind":"network.connect","network":{"id":"3f2a...","name":"web"},"container":{"id":"9c1b...","name":"api"},"addresses":["172.18.0.2"]}
// Lines are written whole with one append (O_APPEND), so lines from
// concurrent commands never interleave. A reader ignores a last line without
// its newline (a write in progress) and fails on any other malformed line.
import * as fs from 'fs';
import { promises as fsp, watch, type FSWatcher } from 'fs';
import * as path from 'path';
import { AsyncQueue } from './queue';
import { checkNewEvent, type NetplumbEvent, type NewEvent } from './types';

export const EVENT_LOG_VERSION = 1;
export const EVENT_LOG_FILE = 'events.jsonl';

/** netplumb's state folder: $NETPLUMB_STATE_DIR, else /var/lib/netplumb. */
export function stateDir(): string {
  return process.env.NETPLUMB_STATE_DIR || '/var/lib/netplumb';
}

export interface EventLogReadOptions {
  /** Only events at or after this time. */
  since?: Date;
  /** Only events before or at this time. */
  until?: Date;
}

type LoggedEvent = Exclude<NetplumbEvent, { source: 'kernel' }>;

export class EventLog {
  /** The log file's path. */
  readonly file: string;

  /** The log in `dir` (default: the state folder); nothing is created until the first append. */
  constructor(dir: string = stateDir()) {
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('event log: dir must be a folder path');
    this.file = path.join(dir, EVENT_LOG_FILE);
  }

  /**
   * Records an event, stamped with the time now (or `time`). The networking
   * layer calls this after each action took effect, never before.
   */
  async append(event: NewEvent, time: Date = new Date()): Promise<NetplumbEvent> {
    checkNewEvent(event);
    if (!(time instanceof Date) || Number.isNaN(time.getTime())) throw new TypeError('event log: time must be a valid Date');
    const line = JSON.stringify({ v: EVENT_LOG_VERSION, time: time.toISOString(), ...event }) + '\n';
    await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const fh = await fsp.open(this.file, 'a', 0o600);
    try {
      await fh.write(line);
    } finally {
      await fh.close();
    }
    return { ...event, time: time.toISOString(), source: 'log' } as NetplumbEvent;
  }

  /** Parses one complete line; `where` names it in the error. */
  private parseLine(line: string, where: string): LoggedEvent {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`event log ${where}: not a JSON object`);
    }
    if (typeof raw !== 'object' || raw === null || raw.v !== EVENT_LOG_VERSION) throw new Error(`event log ${where}: unknown format version ${JSON.stringify((raw as { v?: unknown })?.v)}`);
    if (typeof raw.time !== 'string' || Number.isNaN(Date.parse(raw.time))) throw new Error(`event log ${where}: no valid time`);
    const { v: _version, time, ...event } = raw;
    try {
      checkNewEvent(event as unknown as NewEvent);
    } catch (err) {
      throw new Error(`event log ${where}: ${(err as Error).message}`);
    }
    return { ...(event as unknown as NewEvent), time, source: 'log' } as LoggedEvent;
  }

  private inWindow(e: NetplumbEvent, options: EventLogReadOptions): boolean {
    const t = Date.parse(e.time);
    return (!options.since || t >= options.since.getTime()) && (!options.until || t <= options.until.getTime());
  }

  /** Reads complete lines from `offset`; returns them parsed and the offset after the last complete line. */
  private async readFrom(offset: number, firstLine: number): Promise<{ events: LoggedEvent[]; offset: number; lines: number }> {
    let fh;
    try {
      fh = await fsp.open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], offset, lines: 0 };
      throw err;
    }
    try {
      const { size } = await fh.stat();
      if (size <= offset) return { events: [], offset: size < offset ? 0 : offset, lines: 0 };
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n');
      if (end < 0) return { events: [], offset, lines: 0 };
      const lines = text.slice(0, end).split('\n');
      const events = lines.map((l, i) => this.parseLine(l, `${this.file}:${firstLine + i}`));
      return { events, offset: offset + Buffer.byteLength(text.slice(0, end + 1)), lines: lines.length };
    } finally {
      await fh.close();
    }
  }

  /** The recorded events in order, within the window. Equivalent to: `docker events --since T --until T`. */
  async read(options: EventLogReadOptions = {}): Promise<NetplumbEvent[]> {
    const { events } = await this.readFrom(0, 1);
    return events.filter((e) => this.inWindow(e, options));
  }

  /** The log's current size and number of complete lines (0 and 0 when there is no log yet). */
  private endOfLog(): { offset: number; lines: number } {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return { offset: 0, lines: 0 };
    }
    try {
      const chunk = Buffer.alloc(1 << 16);
      let offset = 0;
      let lastNewline = 0;
      let lines = 0;
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, offset);
        if (n === 0) break;
        for (let i = 0; i < n; i++) {
          if (chunk[i] === 0x0a) {
            lines++;
            lastNewline = offset + i + 1;
          }
        }
        offset += n;
      }
      // A half-written last line is not history yet: start at its beginning.
      return { offset: lastNewline, lines };
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The recorded events since `since` (default: none of the past), then every
   * event appended later, as they are written (inotify, no polling), until
   * the iterator is closed (`return()`, a `break` out of `for await`).
   */
  follow(options: { since?: Date } = {}): AsyncIterableIterator<NetplumbEvent> & { close(): void } {
    const queue = new AsyncQueue<NetplumbEvent>();
    // Where history ends is fixed now, synchronously: an event appended right
    // after follow() returns must be emitted, however late the watcher starts.
    const history = options.since === undefined ? this.endOfLog() : { offset: 0, lines: 0 };
    let offset = history.offset;
    let line = 1 + history.lines;
    let watcher: FSWatcher | undefined;
    let reading = Promise.resolve();
    const catchUp = (emit: boolean) => {
      reading = reading.then(async () => {
        const got = await this.readFrom(offset, line);
        offset = got.offset;
        line += got.lines;
        for (const e of got.events) if (emit && this.inWindow(e, options)) queue.push(e);
      }).catch((err: Error) => queue.fail(err));
      return reading;
    };
    const start = async () => {
      await fsp.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      // Watch the folder, not the file: the file may not exist yet.
      watcher = watch(path.dirname(this.file), (_type, name) => {
        if (name === null || name === EVENT_LOG_FILE) void catchUp(true);
      });
      watcher.on('error', (err) => queue.fail(err));
      queue.onClose(() => watcher?.close());
      await catchUp(true);
    };
    start().catch((err: Error) => queue.fail(err));
    return queue;
  }
}
