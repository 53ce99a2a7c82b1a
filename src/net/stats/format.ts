// Sizes as `docker stats` prints them: decimal units (kB = 1000 B), three
// significant digits, trailing zeros dropped ("1.5kB", "23.4MB", "0B").
const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`humanSize: expected a byte count, got ${bytes}`);
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(3))}${UNITS[unit]}`;
}

/** A count with three significant digits and k/M/G suffixes ("12.3k"). */
export function humanCount(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`humanCount: expected a count, got ${n}`);
  if (n < 1000) return String(Number(n.toPrecision(3)));
  const units = ['', 'k', 'M', 'G', 'T', 'P'];
  let size = n;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(3))}${units[unit]}`;
}
