// Times for --since and --until, as `docker events` takes them: an RFC 3339
// time ('2024-05-01T10:00:00Z', a date alone means its midnight UTC), Unix
// seconds ('1714557600', '1714557600.5'), or a duration back from now
// ('10m', '1h30m', '45s', '500ms').
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseEventTime(text: string, now: Date = new Date(), what = 'since'): Date {
  if (typeof text !== 'string' || text.trim() === '') throw new TypeError(`--${what}: expected a time, got ${JSON.stringify(text)}`);
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return new Date(Number(t) * 1000);
  if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) {
    let ms = 0;
    for (const [, n, , unit] of t.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit];
    return new Date(now.getTime() - ms);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const iso = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t.replace(' ', 'T');
    const d = new Date(iso);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new TypeError(`--${what}: ${JSON.stringify(text)} is not a time (2024-05-01T10:00:00Z, Unix seconds, or a duration such as 10m, 1h30m)`);
}
