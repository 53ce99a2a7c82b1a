// Observability wired to netplumb's state: stats targets and sampling, the
// merged event stream, Docker-shaped inspect, and the topology to draw.
export { statsTargets, NetplumbStats } from './stats';
export type { StatsTargetsOptions, NetplumbStatsOptions } from './stats';
export { watchNetplumbEvents, parseEventFilters, eventMatches, NETPLUMB_LINK_PREFIX } from './events';
export type { EventFilters, EventFilterKey, NetplumbEventsOptions } from './events';
export { inspectNetworkAsDocker, inspectContainerAsDocker } from './inspect';
export type { NetplumbContainerInspect, DockerContainerState, DockerHostConfig, NetplumbContainerExtras } from './inspect';
export { buildTopology } from './topology';
