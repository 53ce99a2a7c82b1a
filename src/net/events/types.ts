// What `netplumb events` reports. The networking layer records its own
// actions (networks, containers, attachments, ports) in the event log; the
// kernel part (links going up and down) comes live from rtnetlink.
import { isIP } from 'net';

/** A network as events name it. */
export interface EventNetwork {
  id: string;
  name: string;
  driver?: string;
}

/** A container (sandbox) as events name it. */
export interface EventContainer {
  id: string;
  name: string;
}

export interface EventPort {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Host address the port is published on ('0.0.0.0', '::' or one address). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export interface EventLink {
  name: string;
  index: number;
  /** The namespace the link lives in (a name under /run/netns); absent: the watcher's own. */
  netns?: string;
  kind?: string;
  /** The kernel's operational state: 'up', 'down', 'lowerlayerdown', 'unknown' ... */
  operstate?: string;
}

interface Base {
  /** When it happened: ISO 8601 UTC with milliseconds. */
  time: string;
  /** Where it came from: the event log (netplumb's own actions) or the kernel (live). */
  source: 'log' | 'kernel';
}

export type NetworkEvent = Base & { kind: 'network.create' | 'network.remove'; network: EventNetwork; subnets?: string[] };
export type ContainerEvent = Base & { kind: 'container.create' | 'container.start' | 'container.stop' | 'container.remove'; container: EventContainer; exitCode?: number };
export type AttachmentEvent = Base & { kind: 'network.connect' | 'network.disconnect'; network: EventNetwork; container: EventContainer; addresses?: string[] };
export type PortEvent = Base & { kind: 'port.publish' | 'port.unpublish'; container: EventContainer; network?: EventNetwork; port: EventPort };
export type LinkEvent = Base & { kind: 'link.up' | 'link.down' | 'link.remove'; link: EventLink };

export type NetplumbEvent = NetworkEvent | ContainerEvent | AttachmentEvent | PortEvent | LinkEvent;
export type EventKind = NetplumbEvent['kind'];

/** An event as the networking layer hands it to the log: time and source are filled in. */
export type NewEvent = DistributiveOmit<NetworkEvent | ContainerEvent | AttachmentEvent | PortEvent, 'time' | 'source'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export const EVENT_KINDS: readonly EventKind[] = [
  'network.create', 'network.remove',
  'container.create', 'container.start', 'container.stop', 'container.remove',
  'network.connect', 'network.disconnect',
  'port.publish', 'port.unpublish',
  'link.up', 'link.down', 'link.remove',
];

function fail(what: string, why: string): never {
  throw new TypeError(`event ${what}: ${why}`);
}

function checkNamed(value: unknown, what: string): void {
  const v = value as { id?: unknown; name?: unknown } | null;
  if (typeof v !== 'object' || v === null) fail(what, 'expected { id, name }');
  if (typeof v.id !== 'string' || v.id.length === 0) fail(what, 'id must be a non-empty string');
  if (typeof v.name !== 'string' || v.name.length === 0) fail(what, 'name must be a non-empty string');
}

function checkPort(port: unknown): void {
  const p = port as Partial<EventPort> | null;
  if (typeof p !== 'object' || p === null) fail('port', 'expected { protocol, hostIp, hostPort, containerPort }');
  if (p.protocol !== 'tcp' && p.protocol !== 'udp' && p.protocol !== 'sctp') fail('port', `protocol must be tcp, udp or sctp, got ${JSON.stringify(p.protocol)}`);
  if (typeof p.hostIp !== 'string' || isIP(p.hostIp) === 0) fail('port', `hostIp ${JSON.stringify(p.hostIp)} is not an IP address`);
  for (const k of ['hostPort', 'containerPort'] as const)
    if (!Number.isInteger(p[k]) || (p[k] as number) < 1 || (p[k] as number) > 65535) fail('port', `${k} must be 1 to 65535, got ${String(p[k])}`);
}

/** Checks an event the networking layer wants to record; a mistake is one TypeError naming the field. */
export function checkNewEvent(event: NewEvent): void {
  if (typeof event !== 'object' || event === null) throw new TypeError('event: expected an object');
  const kind = (event as { kind?: unknown }).kind;
  if (!EVENT_KINDS.includes(kind as EventKind) || String(kind).startsWith('link.'))
    fail('kind', `${JSON.stringify(kind)} is not one the log records (network.*, container.*, port.*)`);
  const e = event as { network?: unknown; container?: unknown; subnets?: unknown; exitCode?: unknown; addresses?: unknown; port?: unknown };
  switch (event.kind) {
    case 'network.create':
    case 'network.remove':
      checkNamed(e.network, 'network');
      if (e.subnets !== undefined && (!Array.isArray(e.subnets) || !e.subnets.every((s: unknown) => typeof s === 'string'))) fail('subnets', 'expected an array of CIDR strings');
      break;
    case 'container.create':
    case 'container.start':
    case 'container.stop':
    case 'container.remove':
      checkNamed(e.container, 'container');
      if (e.exitCode !== undefined && !Number.isInteger(e.exitCode)) fail('exitCode', 'expected an integer');
      break;
    case 'network.connect':
    case 'network.disconnect':
      checkNamed(e.network, 'network');
      checkNamed(e.container, 'container');
      if (e.addresses !== undefined && (!Array.isArray(e.addresses) || !e.addresses.every((a: unknown) => typeof a === 'string'))) fail('addresses', 'expected an array of strings');
      break;
    case 'port.publish':
    case 'port.unpublish':
      checkNamed(e.container, 'container');
      if (e.network !== undefined) checkNamed(e.network, 'network');
      checkPort(e.port);
      break;
  }
}

/** Whether an event is about something with this name or id (`netplumb events --filter`-style matching). */
export function eventConcerns(event: NetplumbEvent, nameOrId: string): boolean {
  const named: Array<{ id?: string; name: string } | undefined> = [];
  if ('network' in event) named.push(event.network);
  if ('container' in event) named.push(event.container);
  if ('link' in event) named.push(event.link);
  return named.some((n) => n !== undefined && (n.name === nameOrId || n.id === nameOrId));
}
