// Opening a netlink socket inside the namespace a caller names: a NetNs, the
// name of one under /run/netns, or nothing for this process's own. Every
// handle (rtnetlink, nf_tables, conntrack) opens its socket this way, so
// each accepts and refuses the same things.
import { native, type NativeSocket } from '../../bindings';
import { NetNs } from '../netns';

/** A socket of `protocol` (NETLINK_*) bound to `netns`, and that namespace as a NetNs (undefined: this process's). */
export async function openSocketIn(protocol: number, netns: NetNs | string | undefined): Promise<{ socket: NativeSocket; ns: NetNs | undefined }> {
  const ns = typeof netns === 'string' ? await NetNs.open(netns) : netns;
  if (ns !== undefined && !(ns instanceof NetNs)) throw new TypeError('netns: expected a NetNs or the name of a namespace under /run/netns');
  const socket = new native.NetlinkSocket();
  await socket.open(protocol, ns ? ns.path : null);
  return { socket, ns };
}
