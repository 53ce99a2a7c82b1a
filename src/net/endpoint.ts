// Endpoints: a sandbox's attachment to a network. Records (address from IPAM,
// MAC from the address, interface name) and the requests made inside the
// sandbox, which are the same for every driver: link up, address, default route.
import { randomBytes } from 'crypto';
import { planLinkSet } from '../netlink/links';
import { planAddrAdd } from '../netlink/addresses';
import { planRoute } from '../netlink/routes';
import type { PlannedRequest } from '../netlink/request';
import { allocateAddress, macForAddress } from './ipam';
import type { EndpointRecord, NetworkRecord, Owner, StateTx } from './state/store';

/** A new id: 64 hex digits, as Docker's; kernel names use a prefix. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** The host end of a bridge endpoint: np + 12 hex digits of the endpoint id (14 bytes, within IFNAMSIZ). */
export function hostVethName(endpointId: string): string {
  return `np${endpointId.slice(0, 12)}`;
}

/** The first free ethN among a sandbox's endpoints. */
export function nextIfname(existing: EndpointRecord[]): string {
  const used = new Set(existing.map((e) => e.ifname));
  for (let i = 0; ; i++) if (!used.has(`eth${i}`)) return `eth${i}`;
}

/** Allocates an address and builds the endpoint's record, inside the caller's transaction. */
export function createEndpointRecord(
  tx: StateTx,
  net: NetworkRecord,
  sandboxId: string,
  ifname: string,
  options: { ip?: string; aliases?: string[]; withHostLink: boolean; creatingBy?: Owner },
): EndpointRecord {
  const id = newId();
  const address = allocateAddress(tx, net, id, options.ip);
  const ep: EndpointRecord = {
    id,
    networkId: net.id,
    sandboxId,
    ifname,
    address,
    prefixlen: Number(net.subnet.split('/')[1]),
    mac: macForAddress(address),
    aliases: options.aliases ?? [],
  };
  if (options.withHostLink) ep.hostIfname = hostVethName(id);
  if (options.creatingBy) {
    ep.status = 'creating';
    ep.owner = options.creatingBy;
  }
  tx.putEndpoint(ep);
  return ep;
}

/**
 * Inside the sandbox: `ip link set ethN up; ip addr add IP/LEN dev ethN;
 * ip route add default via GW` (the route only on the endpoint that carries it).
 */
export function planSandboxSide(net: NetworkRecord, ep: EndpointRecord, link: string | number, defaultRoute: boolean): PlannedRequest[] {
  const requests = [planLinkSet(link, { up: true }), planAddrAdd(link, `${ep.address}/${ep.prefixlen}`, {}, false)];
  if (defaultRoute) requests.push(planRoute({ dst: 'default', gateway: net.gateway, dev: link }, 'add'));
  return requests;
}
