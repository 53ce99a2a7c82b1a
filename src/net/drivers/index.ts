// The network drivers by name; a new driver (overlay) is a file and a line here.
import { NetplumbError } from '../errors';
import type { NetworkDriver } from './driver';
import { bridgeDriver } from './bridge';
import { macvlanDriver } from './macvlan';

const drivers = new Map<string, NetworkDriver>([bridgeDriver, macvlanDriver].map((d) => [d.name, d]));

export function networkDriver(name: string): NetworkDriver {
  const d = drivers.get(name);
  if (!d) throw new NetplumbError(`unknown network driver ${JSON.stringify(name)} (known: ${[...drivers.keys()].join(', ')})`);
  return d;
}

export function allDrivers(): NetworkDriver[] {
  return [...drivers.values()];
}
