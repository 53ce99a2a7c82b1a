// A bridge port's settings: `ip link set DEV type bridge_slave [hairpin on|off]
// [isolated on|off] [learning on|off] [flood on|off] [mcast_flood on|off]
// [bcast_flood on|off] [proxy_arp on|off] [neigh_suppress on|off] [guard on|off]
// [cost N] [priority N] [state N]`.
import type { BridgePortChange } from '../links';
import { checkBoolean, checkInteger } from './options';

const flagKeys = ['hairpin', 'isolated', 'learning', 'flood', 'mcastFlood', 'bcastFlood', 'proxyArp', 'neighSuppress', 'guard'] as const;

/** The port object for link.change, every value checked; unknown keys are an error. */
export function planBridgePort(change: BridgePortChange): Record<string, unknown> {
  if (!change || typeof change !== 'object') throw new TypeError('bridgePort: expected an object of port settings');
  const port: Record<string, unknown> = { kind: 'bridge' };
  const known: readonly string[] = [...flagKeys, 'cost', 'priority', 'state'];
  for (const key of Object.keys(change))
    if (!known.includes(key) && (change as Record<string, unknown>)[key] !== undefined)
      throw new TypeError(`bridgePort.${key}: not a bridge port setting (they are: ${known.join(', ')})`);
  for (const key of flagKeys) if (change[key] !== undefined) port[key] = checkBoolean(change[key], `bridgePort.${key}`);
  if (change.cost !== undefined) port.cost = checkInteger(change.cost, 'bridgePort.cost', 1, 65535);
  // The kernel's STP limits: path cost 1 to 65535, port priority 0 to 63.
  if (change.priority !== undefined) port.priority = checkInteger(change.priority, 'bridgePort.priority', 0, 63);
  // BR_STATE_DISABLED (0) to BR_STATE_BLOCKING (4), linux/if_bridge.h.
  if (change.state !== undefined) port.state = checkInteger(change.state, 'bridgePort.state', 0, 4);
  return port;
}
