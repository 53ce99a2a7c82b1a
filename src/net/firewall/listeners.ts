// Sockets that hold host ports, read through sock_diag (NETLINK_SOCK_DIAG, as
// `ss -ltnu` reads them): TCP and SCTP sockets in LISTEN, UDP sockets bound to
// a port. A port one of them holds cannot be published: DNAT would steal its
// traffic from the service that listens there.
import { K, native, type NativeSocket } from '../../../bindings';
import { NetlinkError } from '../../errors';
import type { NetNs } from '../../netns';
import type { Protocol } from './types';

/** A socket holding a local port. */
export interface ListeningSocket {
  protocol: Protocol;
  /** The local address as bound: '0.0.0.0' or '::' for every address. */
  address: string;
  port: number;
  /** An IPv6 socket that also takes IPv4 (not v6only) on '::'. */
  dualStack: boolean;
  inode: number;
}

const PROTOCOLS: Array<[Protocol, number]> = [['tcp', K.IPPROTO_TCP], ['udp', K.IPPROTO_UDP], ['sctp', K.IPPROTO_SCTP]];

/** `ss -H -ltnu` (and SCTP listeners): every socket holding a port in the namespace, one dump per family and protocol, sent together. */
export async function listListeningSockets(netns?: NetNs, protocols: Protocol[] = ['tcp', 'udp', 'sctp']): Promise<ListeningSocket[]> {
  const socket: NativeSocket = new native.NetlinkSocket();
  await socket.open(K.NETLINK_SOCK_DIAG, netns ? netns.path : null);
  try {
    const wanted = PROTOCOLS.filter(([name]) => protocols.includes(name));
    const requests = wanted.flatMap(([, proto]) => [K.AF_INET, K.AF_INET6].map((family) => ({
      op: 'diag.inet.dump',
      // TCP and SCTP: listeners only; UDP has no listen state, a bound socket receives.
      args: { family, protocol: proto, states: proto === K.IPPROTO_UDP ? 0xffffffff : 1 << K.TCP_LISTEN },
    })));
    const results = await socket.execute(requests, false);
    const out: ListeningSocket[] = [];
    results.forEach((r, i) => {
      const [name, proto] = wanted[Math.floor(i / 2)];
      if (r instanceof NetlinkError && proto === K.IPPROTO_SCTP && (r.code === 'ENOENT' || r.code === 'EPROTONOSUPPORT' || r.code === 'EINVAL')) {
        // No SCTP diag means the SCTP module is not loaded: then no SCTP socket can exist.
        return;
      }
      if (r instanceof Error) throw r;
      for (const s of r) {
        const port = s.localPort as number;
        if (port === 0) continue;
        // A UDP socket connected to a peer still receives only from it; bound ones (state close) take everything.
        if (name === 'udp' && (s.remotePort as number) !== 0) continue;
        const address = s.localAddress as string;
        out.push({ protocol: name, address, port, dualStack: s.family === K.AF_INET6 && address === '::' && s.v6only !== true, inode: s.inode as number });
      }
    });
    return out;
  } finally {
    socket.close();
  }
}

/** Whether a socket takes IPv4 traffic for `hostIp` (a specific address, or '0.0.0.0' for all). */
export function socketCoversIpv4(s: ListeningSocket, hostIp: string): boolean {
  if (s.address === '0.0.0.0' || (s.dualStack && s.address === '::')) return true;
  if (s.address.includes(':')) {
    // ::ffff:a.b.c.d is an IPv4-mapped bind of a v6 socket.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s.address);
    if (!mapped) return false;
    return hostIp === '0.0.0.0' || mapped[1] === hostIp;
  }
  return hostIp === '0.0.0.0' || s.address === hostIp;
}
