// The macvlan driver: each endpoint is a macvlan child of a parent device on
// the host (-o parent=DEV), born inside the sandbox, so sandboxes sit directly
// on the parent's LAN with their own MAC. Nothing is made on the host.
//   ip link add eth0 link PARENT netns SANDBOX address MAC type macvlan mode bridge
import type { Netlink } from '../../netlink/handle';
import { planLinkAdd, planLinkDel, type Link } from '../../netlink/links';
import { MACVLAN_MODES } from '../../netlink/kinds/macvlan';
import { NetplumbError } from '../errors';
import type { UndoLog } from '../rollback';
import type { EndpointRecord, NetworkRecord } from '../state/store';
import { planSandboxSide } from '../endpoint';
import type { DriverInput, DriverPlan, EndpointPlan, EndpointTarget, NetworkDriver } from './driver';
import { rejectUnknownOptions } from './options';
import { isMissing } from './bridge';

const OPTIONS = new Set(['parent', 'macvlan_mode']);

async function parentIndex(net: NetworkRecord, host: Netlink): Promise<number> {
  try {
    return (await host.linkGet(net.device)).index;
  } catch (err) {
    if (isMissing(err)) throw new NetplumbError(`parent device ${net.device} of macvlan network ${net.name} does not exist on the host`, 'ENOENT');
    throw err;
  }
}

export const macvlanDriver: NetworkDriver = {
  name: 'macvlan',
  subnetOwnedByHost: false,
  gatewayOnHost: false,

  async prepare(input: DriverInput, host: Netlink): Promise<DriverPlan> {
    rejectUnknownOptions('macvlan', input.options, OPTIONS);
    const parent = input.options.parent;
    if (!parent) throw new NetplumbError('the macvlan driver needs -o parent=DEVICE (the host interface the sandboxes share)');
    const mode = input.options.macvlan_mode ?? 'bridge';
    if (!(MACVLAN_MODES as readonly string[]).includes(mode) || mode === 'source')
      throw new NetplumbError(`macvlan_mode ${JSON.stringify(mode)} is not one of bridge, private, vepa, passthru`);
    let link: Link;
    try {
      link = await host.linkGet(parent);
    } catch (err) {
      if (isMissing(err)) throw new NetplumbError(`parent device ${parent} does not exist on the host`, 'ENOENT');
      throw err;
    }
    const parentMtu = link.mtu ?? 1500;
    if (input.mtu !== undefined && (input.mtu < 68 || input.mtu > parentMtu))
      throw new NetplumbError(`mtu ${input.mtu} is out of range for a macvlan on ${parent} (68 to its MTU, ${parentMtu})`);
    return { device: parent, mtu: input.mtu ?? parentMtu };
  },

  async create(): Promise<void> {
    // Nothing on the host: the parent is the user's.
  },

  async ensure(net: NetworkRecord, host: Netlink, _undo: UndoLog): Promise<number> {
    return parentIndex(net, host);
  },

  async remove(): Promise<void> {
    // Endpoints went with their sandboxes; the parent stays.
  },

  planEndpoint(net: NetworkRecord, ep: EndpointRecord, deviceIndex: number, target: EndpointTarget): EndpointPlan {
    const create = planLinkAdd({
      name: ep.ifname, kind: 'macvlan', parent: deviceIndex, netns: target.netns, index: target.pinIndex,
      mtu: net.mtu, address: ep.mac, mode: net.options.macvlan_mode ?? 'bridge',
    });
    return { host: [create], sandbox: planSandboxSide(net, ep, target.pinIndex ?? ep.ifname, target.defaultRoute) };
  },

  planEndpointRemoval(_net: NetworkRecord, ep: EndpointRecord): EndpointPlan {
    return { host: [], sandbox: [planLinkDel(ep.ifname)] };
  },

  ownedHostLinks() {
    return [];
  },
};
