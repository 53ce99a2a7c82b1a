// vlan: `ip link add NAME link PARENT type vlan id ID [protocol 802.1Q|802.1ad]
// [reorder_hdr on|off] [gvrp on|off] [mvrp on|off] [loose_binding on|off]
// [bridge_binding on|off]`.
import type { KindPlanner } from './index';
import { checkChoice, checkInteger, copyBooleans, rejectUnknownOptions } from './options';

export interface VlanOptions {
  /** 802.1Q VLAN id, 1 to 4094. Required. */
  id: number;
  /** Default 802.1Q; 802.1ad for QinQ service tags. */
  protocol?: '802.1Q' | '802.1ad';
  reorderHdr?: boolean;
  gvrp?: boolean;
  mvrp?: boolean;
  looseBinding?: boolean;
  bridgeBinding?: boolean;
}

const flagKeys = ['reorderHdr', 'gvrp', 'mvrp', 'looseBinding', 'bridgeBinding'] as const;

export const vlan: KindPlanner = {
  kind: 'vlan',
  plan(spec, req) {
    rejectUnknownOptions(spec, ['id', 'protocol', ...flagKeys]);
    if (spec.parent === undefined) throw new TypeError('parent: a vlan needs its lower device (`link DEV`)');
    const o = spec as unknown as VlanOptions;
    if (o.id === undefined) throw new TypeError(`id: required for vlan ${spec.name}`);
    const data: Record<string, unknown> = { id: checkInteger(o.id, 'id', 1, 4094) };
    if (o.protocol !== undefined) data.protocol = checkChoice(o.protocol, 'protocol', ['802.1Q', '802.1ad'] as const);
    copyBooleans(o as unknown as Record<string, unknown>, flagKeys, data);
    req.args.data = data;
  },
};
