// bridge: `ip link add NAME type bridge [stp_state 0|1] [vlan_filtering 0|1] ...`.
import type { KindPlanner } from './index';

/** Bridge options; times are in hundredths of a second, as the kernel takes them. */
export interface BridgeOptions {
  stp?: boolean;
  vlanFiltering?: boolean;
  vlanDefaultPvid?: number;
  ageingTime?: number;
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  priority?: number;
  multicastSnooping?: boolean;
}

const keys: Array<keyof BridgeOptions> = ['stp', 'vlanFiltering', 'vlanDefaultPvid', 'ageingTime', 'forwardDelay', 'helloTime', 'maxAge', 'priority', 'multicastSnooping'];

export const bridge: KindPlanner = {
  kind: 'bridge',
  plan(spec, req) {
    const data: Record<string, unknown> = {};
    for (const key of keys) if (spec[key] !== undefined) data[key] = spec[key];
    if (Object.keys(data).length) req.args.data = data;
  },
};
