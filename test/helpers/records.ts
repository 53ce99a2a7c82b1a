// Store records for unit tests: a network, a sandbox and an endpoint with
// every required field filled with a plain default, so a test names only
// what it is about.
import type { EndpointRecord, NetworkRecord, SandboxRecord } from '../../src/net/state/store';

/** A ready, user-defined bridge network on 10.1.0.0/24. */
export function testNetwork(id: string, name: string, extra: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    id, name, driver: 'bridge', subnet: '10.1.0.0/24', gateway: '10.1.0.1', auxAddresses: {}, internal: false, mtu: 1500, options: {},
    device: 'np-x', isDefault: false, created: '', status: 'ready', ...extra,
  };
}

/** A ready sandbox whose hostname and namespace are its name. */
export function testSandbox(id: string, name: string, extra: Partial<SandboxRecord> = {}): SandboxRecord {
  return {
    id, name, hostname: name, mode: { kind: 'networks' }, netns: name, dns: [], extraHosts: [], links: [], ports: [], processes: [], autoRemove: false,
    created: '', status: 'ready', ...extra,
  };
}

/** The sandbox's eth0 on the network, a /24. */
export function testEndpoint(id: string, networkId: string, sandboxId: string, address: string, aliases: string[] = []): EndpointRecord {
  return { id, networkId, sandboxId, ifname: 'eth0', address, prefixlen: 24, mac: '02:42:00:00:00:00', aliases };
}
