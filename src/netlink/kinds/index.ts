// Link kinds: each file plans its kind's own options (IFLA_INFO_DATA) from a
// LinkSpec. A kind without a planner is still created, with no options.
import type { LinkSpec } from '../links';
import type { PlannedRequest } from '../request';
import { veth } from './veth';
import { bridge } from './bridge';
import { vxlan } from './vxlan';
import { macvlan, macvtap } from './macvlan';
import { vlan } from './vlan';
import { ipvlan } from './ipvlan';
import { dummy, ifb } from './optionless';

export interface KindPlanner {
  kind: string;
  /** Fills req.args.data (and anything else the kind needs) from spec. */
  plan(spec: LinkSpec, req: PlannedRequest): void;
}

const planners = new Map<string, KindPlanner>([veth, bridge, vxlan, macvlan, macvtap, vlan, ipvlan, dummy, ifb].map((p) => [p.kind, p]));

export function kindPlanner(kind: string): KindPlanner | undefined {
  return planners.get(kind);
}
