// `-p` as Docker takes it, parsed into typed specs before anything is
// resolved or reserved:
//   CPORT                      80            container port 80 on an ephemeral host port, every address
//   HOSTPORT:CPORT             8080:80
//   IP:HOSTPORT:CPORT          127.0.0.1:8080:80
//   IP::CPORT                  127.0.0.1::80  ephemeral host port on that address
//   ranges                     8000-8010:80-90 (one to one), 8000-8010:80 (the first free of the range), 80-90
//   protocol                   .../tcp (default), .../udp, .../sctp
// Each bad spec gets one error that quotes it and says what is wrong.
import { isIPv4 } from 'net';
import type { Protocol } from './types';

/** A parsed `-p`: host ports may still be ephemeral. */
export interface PortSpec {
  /** The text as given, for messages. */
  text: string;
  protocol: Protocol;
  /** '0.0.0.0' when not given. */
  hostIp: string;
  /** Inclusive host port range; undefined: ephemeral (also for host port 0). */
  hostPorts?: [number, number];
  /** Inclusive container port range. */
  containerPorts: [number, number];
}

/** A `-p` value that does not parse; `spec` is the text. */
export class PortSpecError extends TypeError {
  constructor(readonly spec: string, reason: string) {
    super(`invalid port specification ${JSON.stringify(spec)}: ${reason}`);
    this.name = 'PortSpecError';
  }
}

const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'sctp'];

function parsePortRange(text: string, spec: string, what: 'host' | 'container'): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) throw new PortSpecError(spec, `${what} port ${JSON.stringify(text)} is not a port (1-65535) or a range like 8000-8010`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  const min = what === 'host' ? 0 : 1;
  for (const p of [lo, hi]) if (p < min || p > 65535) throw new PortSpecError(spec, `${what} port ${p} is out of range (${min}-65535)`);
  if (lo > hi) throw new PortSpecError(spec, `${what} port range ${text} starts after its end`);
  if (what === 'host' && lo === 0 && hi !== 0) throw new PortSpecError(spec, 'a host port range cannot start at 0');
  return [lo, hi];
}

/** Parses one `-p` value. */
export function parsePortSpec(text: string): PortSpec {
  if (typeof text !== 'string') throw new TypeError(`port specification: expected a string, got ${typeof text}`);
  const spec = text.trim();
  if (spec === '') throw new PortSpecError(text, 'it is empty');
  let rest = spec;
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const proto = rest.slice(slash + 1).toLowerCase();
    if (!PROTOCOLS.includes(proto as Protocol)) throw new PortSpecError(text, `unknown protocol ${JSON.stringify(rest.slice(slash + 1))} (tcp, udp or sctp)`);
    protocol = proto as Protocol;
    rest = rest.slice(0, slash);
  }
  if (rest.startsWith('[')) throw new PortSpecError(text, 'IPv6 host addresses are not supported yet (publish on an IPv4 address or on all addresses)');
  const parts = rest.split(':');
  if (parts.length > 3) throw new PortSpecError(text, 'too many ":" (expected CPORT, HOSTPORT:CPORT, IP:HOSTPORT:CPORT or IP::CPORT; IPv6 addresses are not supported yet)');
  let hostIp = '0.0.0.0';
  let hostText: string | undefined;
  const containerText = parts[parts.length - 1];
  if (parts.length === 3) {
    if (!isIPv4(parts[0])) throw new PortSpecError(text, `host address ${JSON.stringify(parts[0])} is not an IPv4 address`);
    hostIp = parts[0];
    hostText = parts[1] === '' ? undefined : parts[1];
  } else if (parts.length === 2) {
    if (parts[0] === '') throw new PortSpecError(text, 'the host port before ":" is empty (write CPORT alone for an ephemeral host port)');
    hostText = parts[0];
  }
  if (containerText === '') throw new PortSpecError(text, 'the container port is missing');
  const containerPorts = parsePortRange(containerText, text, 'container');
  let hostPorts = hostText === undefined ? undefined : parsePortRange(hostText, text, 'host');
  if (hostPorts && hostPorts[0] === 0) hostPorts = undefined; // Docker: host port 0 asks for an ephemeral one
  if (hostPorts) {
    const hostCount = hostPorts[1] - hostPorts[0] + 1;
    const containerCount = containerPorts[1] - containerPorts[0] + 1;
    if (containerCount > 1 && hostCount !== containerCount)
      throw new PortSpecError(text, `the host range has ${hostCount} port${hostCount === 1 ? '' : 's'} but the container range has ${containerCount}: they must be the same length`);
  }
  return { text: spec, protocol, hostIp, hostPorts, containerPorts };
}

/** Parses every `-p` value; the first bad one throws. */
export function parsePortSpecs(texts: string[]): PortSpec[] {
  if (!Array.isArray(texts)) throw new TypeError('port specifications: expected an array of strings');
  return texts.map(parsePortSpec);
}

/**
 * The host port choices of a spec, in order: one entry per container port.
 * fixed: that host port; oneOf: the first free port of the range; ephemeral: any free port.
 */
export type HostPortChoice = { fixed: number } | { oneOf: [number, number] } | { ephemeral: true };

export function hostPortChoices(spec: PortSpec): Array<{ containerPort: number; choice: HostPortChoice }> {
  const out: Array<{ containerPort: number; choice: HostPortChoice }> = [];
  const [c0, c1] = spec.containerPorts;
  for (let c = c0; c <= c1; c++) {
    let choice: HostPortChoice;
    if (!spec.hostPorts) choice = { ephemeral: true };
    else if (c1 > c0) choice = { fixed: spec.hostPorts[0] + (c - c0) };
    else if (spec.hostPorts[0] === spec.hostPorts[1]) choice = { fixed: spec.hostPorts[0] };
    else choice = { oneOf: spec.hostPorts };
    out.push({ containerPort: c, choice });
  }
  return out;
}

/** The text of `net.ipv4.ip_local_port_range` ("32768\t60999"). */
export function parseLocalPortRange(text: string): [number, number] {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (!m) throw new RangeError(`net.ipv4.ip_local_port_range: cannot read ${JSON.stringify(text)}`);
  const lo = Number(m[1]), hi = Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) throw new RangeError(`net.ipv4.ip_local_port_range: ${lo}-${hi} is not a port range`);
  return [lo, hi];
}

/** The text of `net.ipv4.ip_local_reserved_ports` ("8080,9000-9010", or empty) as a set of ports. */
export function parseReservedPorts(text: string): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new RangeError(`net.ipv4.ip_local_reserved_ports: cannot read ${JSON.stringify(part)}`);
    const lo = Number(m[1]), hi = m[2] === undefined ? lo : Number(m[2]);
    for (let p = lo; p <= hi && p <= 65535; p++) out.add(p);
  }
  return out;
}
