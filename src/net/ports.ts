// Published ports as Docker prints them (`-p` itself is parsed by the
// firewall's parsePortSpec):
//   docker port:  80/tcp -> 0.0.0.0:8080            (one line per mapping)
//   docker ps:    0.0.0.0:8080->80/tcp, 0.0.0.0:20000-20999->20000-20999/tcp
import { NetplumbError } from './errors';
import type { PublishedPortRecord } from './state/store';

type Mapping = Pick<PublishedPortRecord, 'protocol' | 'hostIp' | 'hostPort' | 'containerPort'>;

/** Sorted as `docker port` lists them: by container port, protocol, host address and port. */
export function sortPorts<T extends Mapping>(ports: readonly T[]): T[] {
  return [...ports].sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol) || a.hostIp.localeCompare(b.hostIp) || a.hostPort - b.hostPort);
}

/** `80/tcp -> 0.0.0.0:8080`, a line of `docker port NAME`. */
export function formatPortLine(p: Mapping): string {
  return `${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort}`;
}

/** The PORTS column of `docker ps`: runs of consecutive ports shown as one range. */
export function formatPortsSummary(ports: readonly Mapping[]): string {
  const out: string[] = [];
  let run: { first: Mapping; last: Mapping } | undefined;
  const flush = () => {
    if (!run) return;
    const { first, last } = run;
    const host = first.hostPort === last.hostPort ? `${first.hostPort}` : `${first.hostPort}-${last.hostPort}`;
    const container = first.containerPort === last.containerPort ? `${first.containerPort}` : `${first.containerPort}-${last.containerPort}`;
    out.push(`${first.hostIp}:${host}->${container}/${first.protocol}`);
  };
  for (const p of sortPorts(ports)) {
    if (run && p.protocol === run.last.protocol && p.hostIp === run.last.hostIp && p.containerPort === run.last.containerPort + 1 && p.hostPort === run.last.hostPort + 1) {
      run.last = p;
      continue;
    }
    flush();
    run = { first: p, last: p };
  }
  flush();
  return out.join(', ');
}

/** `PRIVATE_PORT[/PROTO]` as `docker port NAME 80/tcp` takes it. */
export function parsePrivatePort(text: string): { port: number; protocol: PublishedPortRecord['protocol'] } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new NetplumbError(`invalid port ${JSON.stringify(text)}: expected PRIVATE_PORT[/PROTO], e.g. 80 or 53/udp (a port from 1 to 65535; tcp, udp or sctp)`);
  return { port: Number(m[1]), protocol: (m[2] ?? 'tcp') as PublishedPortRecord['protocol'] };
}
