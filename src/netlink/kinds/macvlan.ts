// macvlan: `ip link add NAME link PARENT type macvlan mode private|vepa|bridge|passthru|source`.
// The parent is LinkSpec.parent; the child can be born inside another namespace (netns).
import type { KindPlanner } from './index';

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';
export const MACVLAN_MODES: readonly MacvlanMode[] = ['private', 'vepa', 'bridge', 'passthru', 'source'];

export const macvlan: KindPlanner = {
  kind: 'macvlan',
  plan(spec, req) {
    if (spec.mode === undefined) return;
    if (typeof spec.mode !== 'string' || !MACVLAN_MODES.includes(spec.mode as MacvlanMode))
      throw new RangeError(`mode: unknown macvlan mode ${JSON.stringify(spec.mode)} (${MACVLAN_MODES.join(', ')})`);
    req.args.data = { mode: spec.mode };
  },
};
