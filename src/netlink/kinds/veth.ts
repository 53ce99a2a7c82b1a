// veth: `ip link add NAME type veth peer name PEER [netns NS]`. The peer can
// be born inside another namespace, which costs far less than moving it later.
import type { KindPlanner } from './index';
import type { LinkCommon, LinkSpec } from '../links';
import { netnsPath } from '../links';
import { checkLinkName } from '../request';

export interface VethPeer extends Omit<LinkCommon, 'master'> {
  name: string;
  /** Pin the peer's interface index in its namespace. */
  index?: number;
}

export const veth: KindPlanner = {
  kind: 'veth',
  plan(spec: LinkSpec, req) {
    const peer = spec.peer as VethPeer | undefined;
    if (peer === undefined) return;
    if (typeof peer !== 'object' || peer === null) throw new TypeError('peer: expected { name, netns? }');
    checkLinkName(peer.name, 'peer.name');
    const p: Record<string, unknown> = { name: peer.name };
    if (peer.netns !== undefined) Object.assign(p, netnsPath(peer.netns));
    for (const key of ['mtu', 'address', 'txqlen', 'alias', 'index', 'up'] as const)
      if (peer[key] !== undefined) p[key] = peer[key];
    req.args.peer = p;
  },
};
