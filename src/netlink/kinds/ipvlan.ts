// ipvlan: `ip link add NAME link PARENT type ipvlan [mode l2|l3|l3s] [bridge|private|vepa]`.
import type { KindPlanner } from './index';
import { checkChoice, rejectUnknownOptions } from './options';

export const IPVLAN_MODES = ['l2', 'l3', 'l3s'] as const;
export const IPVLAN_FLAGS = ['bridge', 'private', 'vepa'] as const;

export interface IpvlanOptions {
  /** Default: the kernel's, l3. */
  mode?: (typeof IPVLAN_MODES)[number];
  /** Default: bridge (slaves talk to each other directly). */
  flag?: (typeof IPVLAN_FLAGS)[number];
}

export const ipvlan: KindPlanner = {
  kind: 'ipvlan',
  plan(spec, req) {
    rejectUnknownOptions(spec, ['mode', 'flag']);
    if (spec.parent === undefined) throw new TypeError('parent: an ipvlan needs its lower device (`link DEV`)');
    const o = spec as unknown as IpvlanOptions;
    const data: Record<string, unknown> = {};
    if (o.mode !== undefined) data.mode = checkChoice(o.mode, 'mode', IPVLAN_MODES);
    if (o.flag !== undefined) data.flag = checkChoice(o.flag, 'flag', IPVLAN_FLAGS);
    if (Object.keys(data).length) req.args.data = data;
  },
};
