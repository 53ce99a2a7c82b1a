// The host's uplink: the interface of its default route, whose MTU a new
// network takes (a network behind a 1450-byte tunnel must not use 1500).
import type { Netlink } from '../../netlink/handle';

/** MTU of the default route's interface, or 1500 when the host has no default route. */
export async function uplinkMtu(host: Netlink): Promise<number> {
  const routes = await host.routeList({ family: 4 });
  const def = routes.find((r) => r.dst === 'default' && r.index !== undefined);
  if (!def) return 1500;
  const link = await host.linkGet(def.index!);
  return link.mtu ?? 1500;
}
