// macvlan and macvtap: `ip link add NAME link PARENT type macvlan|macvtap
// [mode private|vepa|bridge|passthru|source] [nopromisc]`.
import type { KindPlanner } from './index';
import type { LinkSpec } from '../links';
import type { PlannedRequest } from '../request';
import { checkBoolean, checkChoice, rejectUnknownOptions } from './options';

export const MACVLAN_MODES = ['private', 'vepa', 'bridge', 'passthru', 'source'] as const;
export type MacvlanMode = (typeof MACVLAN_MODES)[number];

/** Options of macvlan and macvtap links; `parent` (the lower device) is required. */
export interface MacvlanOptions {
  /** Default: the kernel's, vepa. */
  mode?: MacvlanMode;
  /** Do not put the lower device in promiscuous mode (passthru only). */
  nopromisc?: boolean;
}

function plan(spec: LinkSpec, req: PlannedRequest): void {
  rejectUnknownOptions(spec, ['mode', 'nopromisc']);
  if (spec.parent === undefined) throw new TypeError(`parent: a ${spec.kind} needs its lower device (\`link DEV\`)`);
  const o = spec as unknown as MacvlanOptions;
  const data: Record<string, unknown> = {};
  if (o.mode !== undefined) data.mode = checkChoice(o.mode, 'mode', MACVLAN_MODES);
  if (o.nopromisc !== undefined) {
    data.nopromisc = checkBoolean(o.nopromisc, 'nopromisc');
    if (o.nopromisc && o.mode !== 'passthru') throw new TypeError('nopromisc: only with mode passthru');
  }
  if (Object.keys(data).length) req.args.data = data;
}

export const macvlan: KindPlanner = { kind: 'macvlan', plan };
export const macvtap: KindPlanner = { kind: 'macvtap', plan };
