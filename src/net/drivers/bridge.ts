// The bridge driver, Docker's default: a Linux bridge per network (np0 for
// the default network `bridge`, np-<id> for user-defined ones) holding the
// gateway address; each endpoint is a veth pair whose host end (np<id>) is a
// port of the bridge and whose other end is born inside the sandbox.
//   ip link add np-ID mtu M address 02:42:GW type bridge; ip addr add GW/LEN dev np-ID; ip link set np-ID up
//   ip link add npEP mtu M master np-ID up type veth peer name eth0 netns SANDBOX address MAC
import { isIPv4 } from 'net';
import { NetlinkError } from '../../errors';
import type { Netlink } from '../../netlink/handle';
import { planLinkAdd, planLinkDel, type Link } from '../../netlink/links';
import { checkLinkName } from '../../netlink/request';
import { NetplumbError } from '../errors';
import { faultPoint, type UndoLog } from '../rollback';
import type { EndpointRecord, NetworkRecord } from '../state/store';
import { planSandboxSide } from '../endpoint';
import { macForAddress } from '../ipam';
import type { DriverInput, DriverPlan, EndpointPlan, EndpointTarget, NetworkDriver } from './driver';
import { rejectUnknownOptions } from './options';
import { uplinkMtu } from './uplink';

/** The default network's bridge: docker0's analogue. */
export const DEFAULT_BRIDGE = 'np0';

/** -o options this driver takes. The firewall driver acts on the last four (icc is short for enable_icc). */
const OPTIONS = new Set([
  'com.docker.network.bridge.name',
  'com.docker.network.driver.mtu',
  'com.docker.network.bridge.enable_icc',
  'icc',
  'com.docker.network.bridge.enable_ip_masquerade',
  'com.docker.network.bridge.host_binding_ipv4',
]);

/**
 * The owner tag a bridge carries (IFLA_IFALIAS), which gc reads after a crash
 * (a bridge may have a custom name). A host-side veth is tagged by its name
 * alone, np + the first 12 hex digits of its endpoint id: setting an alias
 * would cost a round trip per endpoint, since the kernel ignores one at creation.
 */
export function networkTag(id: string): string { return `netplumb network ${id}`; }
const HOST_VETH = /^np([0-9a-f]{12})$/;

export function isMissing(err: unknown): boolean {
  return err instanceof NetlinkError && (err.code === 'ENODEV' || err.code === 'ENOENT');
}

export const bridgeDriver: NetworkDriver = {
  name: 'bridge',
  subnetOwnedByHost: true,
  gatewayOnHost: true,

  async prepare(input: DriverInput, host: Netlink): Promise<DriverPlan> {
    rejectUnknownOptions('bridge', input.options, OPTIONS);
    for (const key of ['com.docker.network.bridge.enable_icc', 'icc', 'com.docker.network.bridge.enable_ip_masquerade']) {
      const v = input.options[key];
      if (v !== undefined && v !== 'true' && v !== 'false') throw new NetplumbError(`option ${key} must be true or false, not ${JSON.stringify(v)}`);
    }
    const icc = input.options.icc, enableIcc = input.options['com.docker.network.bridge.enable_icc'];
    if (icc !== undefined && enableIcc !== undefined && icc !== enableIcc) throw new NetplumbError('options icc and com.docker.network.bridge.enable_icc disagree');
    const binding = input.options['com.docker.network.bridge.host_binding_ipv4'];
    if (binding !== undefined && !isIPv4(binding)) throw new NetplumbError(`option com.docker.network.bridge.host_binding_ipv4 must be an IPv4 address, not ${JSON.stringify(binding)}`);
    let device = input.isDefault ? DEFAULT_BRIDGE : `np-${input.id.slice(0, 12)}`;
    const custom = input.options['com.docker.network.bridge.name'];
    if (custom !== undefined) {
      try {
        checkLinkName(custom, 'com.docker.network.bridge.name');
      } catch (err) {
        throw new NetplumbError((err as Error).message);
      }
      device = custom;
    }
    try {
      await host.linkGet(device);
      throw new NetplumbError(`a link named ${device} already exists on the host`, 'EEXIST');
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    let mtu = input.mtu;
    const optMtu = input.options['com.docker.network.driver.mtu'];
    if (optMtu !== undefined) {
      if (!/^\d+$/.test(optMtu)) throw new NetplumbError(`option com.docker.network.driver.mtu must be a number, not ${JSON.stringify(optMtu)}`);
      if (mtu !== undefined && mtu !== Number(optMtu)) throw new NetplumbError('--mtu and -o com.docker.network.driver.mtu disagree');
      mtu = Number(optMtu);
    }
    if (mtu !== undefined && (mtu < 68 || mtu > 65535)) throw new NetplumbError(`mtu ${mtu} is out of range (68 to 65535)`);
    return { device, mtu: mtu ?? (await uplinkMtu(host)) };
  },

  async create(net: NetworkRecord, host: Netlink, undo: UndoLog): Promise<void> {
    // A fixed MAC (02:42 + the gateway's address, as endpoints get theirs): without one the bridge takes its
    // lowest port's, which changes as sandboxes come and go and leaves their ARP entries for the gateway
    // (their DNS server, their way out) pointing nowhere until they expire.
    await host.linkAdd({ name: net.device, kind: 'bridge', mtu: net.mtu, address: macForAddress(net.gateway) });
    undo.record(`bridge ${net.device}`, () => host.linkDel(net.device).catch((err) => { if (!isMissing(err)) throw err; }));
    faultPoint('after-bridge');
    const prefixlen = net.subnet.split('/')[1];
    const batch = host.batch();
    // The kernel ignores IFLA_IFALIAS when it creates a link: the owner tag is a change.
    batch.linkSet(net.device, { alias: networkTag(net.id), up: true });
    batch.addrAdd(net.device, `${net.gateway}/${prefixlen}`);
    await batch.commit();
    // Routing between the bridge and the world; the only host-wide setting netplumb makes.
    if (!net.internal && (await host.sysctlGet('net.ipv4.ip_forward')) !== '1') await host.sysctlSet('net.ipv4.ip_forward', 1);
  },

  async ensure(net: NetworkRecord, host: Netlink, undo: UndoLog): Promise<number> {
    try {
      return (await host.linkGet(net.device)).index;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    // Gone (a reboot, or someone deleted it): make it again as recorded.
    await this.create(net, host, undo);
    return (await host.linkGet(net.device)).index;
  },

  async remove(net: NetworkRecord, host: Netlink): Promise<void> {
    await host.linkDel(net.device).catch((err) => { if (!isMissing(err)) throw err; });
  },

  planEndpoint(net: NetworkRecord, ep: EndpointRecord, deviceIndex: number, target: EndpointTarget): EndpointPlan {
    const create = planLinkAdd({
      name: ep.hostIfname!, kind: 'veth', mtu: net.mtu, master: deviceIndex, up: true,
      peer: { name: ep.ifname, netns: target.netns, index: target.pinIndex, mtu: net.mtu, address: ep.mac },
    });
    return { host: [create], sandbox: planSandboxSide(net, ep, target.pinIndex ?? ep.ifname, target.defaultRoute) };
  },

  planEndpointRemoval(_net: NetworkRecord, ep: EndpointRecord): EndpointPlan {
    // Deleting one end of a veth deletes both.
    return { host: [planLinkDel(ep.hostIfname!)], sandbox: [] };
  },

  ownedHostLinks(links: Link[]) {
    const found: Array<{ link: Link; kind: 'network' | 'endpoint'; ownerId: string }> = [];
    for (const link of links) {
      const tag = /^netplumb network ([0-9a-f]{64})$/.exec(link.alias ?? '');
      if (tag && link.kind === 'bridge') found.push({ link, kind: 'network', ownerId: tag[1] });
      const veth = HOST_VETH.exec(link.name);
      if (veth && link.kind === 'veth') found.push({ link, kind: 'endpoint', ownerId: veth[1] });
    }
    return found;
  },
};
