// Link kinds: each file plans its kind's own options (IFLA_INFO_DATA) from a
// LinkSpec. A kind without a planner is still created, with no options.
import type { LinkSpec } from '../links';
import type { PlannedRequest } from '../request';
import { veth } from './veth';
import { bridge } from './bridge';
import { macvlan } from './macvlan';

export interface KindPlanner {
  kind: string;
  /** Fills req.args.data (and anything else the kind needs) from spec. */
  plan(spec: LinkSpec, req: PlannedRequest): void;
}

const planners = new Map<string, KindPlanner>([veth, bridge, macvlan].map((p) => [p.kind, p]));

export function kindPlanner(kind: string): KindPlanner | undefined {
  return planners.get(kind);
}
