// What the networking layer writes to the event log (`netplumb events`): each
// action once it has taken effect, never before, so the log never announces
// something a rollback then undid. A log that cannot be written does not undo
// an action that succeeded: the runtime is warned instead.
import type { EventContainer, EventNetwork, EventPort, NewEvent } from './events/types';
import type { Runtime } from './runtime';
import type { EndpointRecord, NetworkRecord, PublishedPortRecord, SandboxRecord } from './state/store';

export function eventNetwork(net: NetworkRecord): EventNetwork {
  return { id: net.id, name: net.name, driver: net.driver };
}

export function eventContainer(sb: SandboxRecord): EventContainer {
  return { id: sb.id, name: sb.name };
}

export function eventPort(p: PublishedPortRecord): EventPort {
  return { protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort };
}

export function networkCreated(net: NetworkRecord): NewEvent {
  return { kind: 'network.create', network: eventNetwork(net), subnets: [net.subnet] };
}

export function networkRemoved(net: NetworkRecord): NewEvent {
  return { kind: 'network.remove', network: eventNetwork(net), subnets: [net.subnet] };
}

export function attachment(kind: 'network.connect' | 'network.disconnect', net: NetworkRecord, sb: SandboxRecord, ep: EndpointRecord): NewEvent {
  return { kind, network: eventNetwork(net), container: eventContainer(sb), addresses: [ep.address] };
}

/**
 * Port events for mappings the firewall driver made or removed. A mapping
 * whose host port is still 0 was never given one, so it is not reported.
 */
export function portEvents(kind: 'port.publish' | 'port.unpublish', sb: SandboxRecord, net: NetworkRecord | undefined, ports: readonly PublishedPortRecord[]): NewEvent[] {
  return ports
    .filter((p) => p.hostPort > 0)
    .map((p) => ({ kind, container: eventContainer(sb), ...(net ? { network: eventNetwork(net) } : {}), port: eventPort(p) }));
}

/** Appends the events in order; a failure to write becomes one warning, not an error. */
export async function recordEvents(rt: Runtime, events: readonly NewEvent[]): Promise<void> {
  for (const event of events) {
    try {
      await rt.events.append(event);
    } catch (err) {
      rt.warn(`the event log ${rt.events.file} could not record ${event.kind} (the action itself succeeded): ${(err as Error).message}`);
      return;
    }
  }
}

/** A process was started in the sandbox (`netplumb run`): Docker's `start` event. */
export function recordContainerStart(rt: Runtime, sb: SandboxRecord): Promise<void> {
  return recordEvents(rt, [{ kind: 'container.start', container: eventContainer(sb) }]);
}

/** The sandbox's process ended with this status (Docker's `die`/`stop`). */
export function recordContainerStop(rt: Runtime, sb: SandboxRecord, exitCode?: number): Promise<void> {
  return recordEvents(rt, [{ kind: 'container.stop', container: eventContainer(sb), ...(exitCode === undefined ? {} : { exitCode }) }]);
}
