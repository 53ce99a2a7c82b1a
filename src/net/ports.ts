// -p/--publish specs, as Docker takes them:
//   PORT[/PROTO]  HOSTPORT:PORT[/PROTO]  IP:HOSTPORT:PORT[/PROTO]  IP::PORT[/PROTO]
//   and ranges of equal length: 8000-8009:80-89/udp
import { isIPv4 } from 'net';
import { NetplumbError } from './errors';
import type { PortMapping } from './state/store';

function port(text: string, what: string, spec: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw new NetplumbError(`invalid ${what} ${JSON.stringify(text)} in -p ${spec}: a port (1-65535) or a range LOW-HIGH`);
  return [lo, hi];
}

export function parsePortSpec(spec: string): PortMapping[] {
  let rest = spec;
  let protocol: PortMapping['protocol'] = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1);
    if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new NetplumbError(`invalid protocol ${JSON.stringify(p)} in -p ${spec} (tcp, udp or sctp)`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  const parts = rest.split(':');
  if (parts.length > 3) throw new NetplumbError(`invalid -p ${spec}: expected [IP:][HOSTPORT:]PORT[/PROTO]`);
  let hostIp = '0.0.0.0';
  if (parts.length === 3) {
    if (!isIPv4(parts[0])) throw new NetplumbError(`invalid host address ${JSON.stringify(parts[0])} in -p ${spec}`);
    hostIp = parts[0];
  }
  const container = port(parts[parts.length - 1], 'container port', spec);
  const hostText = parts.length >= 2 ? parts[parts.length - 2] : '';
  const host: [number, number] = hostText === '' ? [0, 0] : port(hostText, 'host port', spec);
  const count = container[1] - container[0] + 1;
  if (host[0] !== 0 && host[1] - host[0] + 1 !== count) throw new NetplumbError(`invalid -p ${spec}: the host and container port ranges differ in length`);
  const out: PortMapping[] = [];
  for (let i = 0; i < count; i++) out.push({ hostIp, hostPort: host[0] === 0 ? 0 : host[0] + i, containerPort: container[0] + i, protocol });
  return out;
}

export function formatPort(p: PortMapping): string {
  return `${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort || '(any)'}`;
}
