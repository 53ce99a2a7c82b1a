// dummy and ifb take no options of their own: `ip link add NAME type dummy`,
// `ip link add NAME type ifb`. Their planners reject any option given.
import type { KindPlanner } from './index';
import { rejectUnknownOptions } from './options';

export const dummy: KindPlanner = { kind: 'dummy', plan: (spec) => rejectUnknownOptions(spec, []) };
export const ifb: KindPlanner = { kind: 'ifb', plan: (spec) => rejectUnknownOptions(spec, []) };
