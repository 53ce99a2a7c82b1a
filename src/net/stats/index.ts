// Container and network statistics: link counters, rates, open connections.
export { StatsSampler } from './sampler';
export type { StatsCounters, StatsRates, StatsRow, StatsSnapshot, StatsSamplerOptions } from './sampler';
export { checkStatsTargets } from './target';
export type { StatsTarget, StatsTargetKind } from './target';
export { renderStatsTable, renderStatsJsonLines, tableCells, TABLE_HEADER } from './render';
export { watchStats } from './watch';
export type { StatsSource, WatchStatsOptions } from './watch';
export { humanSize, humanCount } from './format';
