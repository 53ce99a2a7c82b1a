// A new named namespace and the handles to work in it, made on one
// short-lived thread: the thread that unshares and binds the namespace opens
// the sockets before it ends. NetNs.create() and then Netlink.open({ netns })
// would start a second thread just to enter the namespace again (about a
// third of a millisecond each, which is a third of what the kernel needs to
// set up a whole container endpoint).
import { K, native, type NativeSocket } from '../bindings';
import { NetNs } from './netns';
import { Netlink } from './netlink/handle';
import { Nftables } from './nft/nftables';

export interface OpenNewNetnsOptions {
  /** Also open an nf_tables handle inside the namespace. */
  nftables?: boolean;
}

export interface NewNetns {
  netns: NetNs;
  /** rtnetlink handle bound to the new namespace. */
  netlink: Netlink;
  /** nf_tables handle bound to it, when asked for. */
  nftables?: Nftables;
}

/**
 * `ip netns add NAME` plus handles inside it (rtnetlink, and nf_tables when
 * asked), all opened on the thread that created the namespace. Fails with
 * EEXIST when the name is taken; a failure leaves no namespace behind. Close
 * the handles before deleting the namespace: an open socket keeps it alive.
 */
export async function openNewNetns(name: string, options: OpenNewNetnsOptions = {}): Promise<NewNetns> {
  const route = new native.NetlinkSocket();
  const sockets: Array<{ socket: NativeSocket; protocol: number }> = [{ socket: route, protocol: K.NETLINK_ROUTE }];
  const filter = options.nftables ? new native.NetlinkSocket() : undefined;
  if (filter) sockets.push({ socket: filter, protocol: K.NETLINK_NETFILTER });
  const netns = await NetNs.createOpening(name, sockets);
  const made: NewNetns = { netns, netlink: Netlink.fromOpenSocket(route, netns) };
  if (filter) made.nftables = Nftables.fromOpenSocket(filter, netns);
  return made;
}
