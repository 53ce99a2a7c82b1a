// Median, min and max of a set of runs: how every table reports a time.
export interface Spread { median: number; min: number; max: number }

export function spread(values: number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1] };
}
