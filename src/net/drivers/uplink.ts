// The host's uplink: the interface of its default route, whose MTU a new
// network takes (a network behind a 1450-byte tunnel must not use 1500), and
// which `netplumb graph` draws as the way out.
import { K } from '../../../bindings';
import type { Netlink } from '../../netlink/handle';
import type { Link } from '../../netlink/links';

/**
 * The interface of the host's IPv4 default route in the main table (the one
 * with the lowest metric when there are several), or undefined without one.
 * Equivalent to: `ip -4 route show default` and `ip link show dev DEV`.
 */
export async function uplinkLink(host: Netlink): Promise<Link | undefined> {
  const routes = await host.routeList({ family: 4 });
  const defaults = routes
    .filter((r) => r.dst === 'default' && r.index !== undefined && r.table === K.RT_TABLE_MAIN)
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
  if (!defaults.length) return undefined;
  return host.linkGet(defaults[0].index!);
}

/** MTU of the default route's interface, or 1500 when the host has no default route. */
export async function uplinkMtu(host: Netlink): Promise<number> {
  const link = await uplinkLink(host);
  return link?.mtu ?? 1500;
}
