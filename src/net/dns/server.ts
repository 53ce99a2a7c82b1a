// The DNS server: one process serving every network it is told about. For
// each network it listens on the gateway address(es), port 53, UDP and TCP,
// in the host's namespace; it answers its networks' member names itself (only
// to clients on that network) and forwards everything else.
//
// Membership lives in one in-memory table that setNetwork() replaces whole;
// sockets stay open across changes, so no query is dropped by an update.
import * as dgram from 'dgram';
import * as dnsPacket from 'dns-packet';
import { isIP } from 'net';
import * as net from 'net';
import { DnsNetwork, validateDnsNetwork } from './network';
import { NameTable } from './table';
import { TcpFrameReader, tcpFrame } from './tcp-frames';
import { DNS_PORT, Forwarder, HostResolvers } from './upstream';
import { HOST_RESOLV_CONF } from './resolvconf';
import { DnsServerError } from './control';

export interface DnsServerOptions {
  /** The host resolv.conf whose nameservers get forwarded queries. Default /etc/resolv.conf. */
  hostResolvConf?: string;
  /** The port to listen on (53; another only for tests without root). */
  port?: number;
  /** Where to say what happened (network set or removed, listener errors). */
  log?: (line: string) => void;
}

export { DnsServerError } from './control';

/** Answers a local name get; 0 so that no cache keeps a name after its container leaves. */
const LOCAL_TTL = 0;
/** The UDP size we advertise and accept for our own answers (the DNS flag day 2020 value). */
const EDNS_UDP_SIZE = 1232;
/** A TCP client that sends nothing for this long is disconnected. */
const TCP_IDLE_MS = 30_000;
/** How long to retry a bind while an address is still being set up (an IPv6 address during duplicate detection). */
const BIND_RETRY_MS = 3000;

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

type Decoded = dnsPacket.DecodedPacket & { opcode?: string };

interface Listener {
  networkId: string;
  gateway: string;
  udp: dgram.Socket;
  tcp: net.Server;
  connections: Set<net.Socket>;
}

export class DnsServer {
  private readonly table = new NameTable();
  private readonly listeners = new Map<string, Listener>();
  private readonly forwarder = new Forwarder();
  private readonly hostResolvers: HostResolvers;
  private readonly port: number;
  private readonly log: (line: string) => void;
  /** setNetwork/removeNetwork run one at a time: each is several awaits (binds) that must not interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: DnsServerOptions = {}) {
    this.port = options.port ?? DNS_PORT;
    this.log = options.log ?? (() => undefined);
    this.hostResolvers = new HostResolvers(options.hostResolvConf ?? HOST_RESOLV_CONF, (ip) => this.listeners.has(ip));
  }

  /** Number of networks served. */
  get networkCount(): number {
    return this.table.size;
  }

  networks(): DnsNetwork[] {
    return this.table.list();
  }

  /**
   * Serves a network, or replaces what is known of it (members, subnets).
   * New gateways are listened on before the new membership takes effect;
   * gateways no longer used are closed after. All or nothing: on error the
   * previous state stays.
   */
  setNetwork(input: unknown): Promise<void> {
    return this.serialised(async () => {
      const next = validateDnsNetwork(input);
      const gateways = next.subnets.map((s) => s.gateway);
      for (const gw of gateways) {
        const l = this.listeners.get(gw);
        if (l && l.networkId !== next.id) {
          const owner = this.table.get(l.networkId);
          throw new DnsServerError('EADDRINUSE', `cannot serve network ${next.name}: its gateway ${gw} is already served for network ${owner?.name ?? l.networkId}`);
        }
      }
      const opened: Listener[] = [];
      try {
        for (const gw of gateways) if (!this.listeners.has(gw)) opened.push(await this.listen(next, gw));
      } catch (err) {
        await Promise.all(opened.map((l) => this.closeListener(l)));
        throw err;
      }
      for (const l of opened) this.listeners.set(l.gateway, l);
      this.table.set(next);
      for (const l of [...this.listeners.values()])
        if (l.networkId === next.id && !gateways.includes(l.gateway)) {
          this.listeners.delete(l.gateway);
          await this.closeListener(l);
        }
      this.log(`network ${next.name} (${next.id}): ${next.members.length} members on ${gateways.join(', ')}`);
    });
  }

  /** Stops serving a network. Returns false when it was not served. */
  removeNetwork(id: string): Promise<boolean> {
    return this.serialised(async () => {
      const net = this.table.get(id);
      if (!net) return false;
      this.table.remove(id);
      for (const l of [...this.listeners.values()])
        if (l.networkId === id) {
          this.listeners.delete(l.gateway);
          await this.closeListener(l);
        }
      this.log(`network ${net.name} (${id}) removed`);
      return true;
    });
  }

  /** Closes every listener. */
  async close(): Promise<void> {
    await this.serialised(async () => {
      for (const l of [...this.listeners.values()]) {
        this.listeners.delete(l.gateway);
        await this.closeListener(l);
      }
      for (const n of this.table.list()) this.table.remove(n.id);
    });
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async listen(network: DnsNetwork, gateway: string): Promise<Listener> {
    const family = isIP(gateway);
    const l: Listener = {
      networkId: network.id,
      gateway,
      udp: dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' }),
      tcp: net.createServer(),
      connections: new Set(),
    };
    l.udp.on('message', (msg, rinfo) => {
      void this.answer(l, msg, rinfo.address, 'udp').then((reply) => {
        if (reply) l.udp.send(reply, rinfo.port, rinfo.address, () => undefined);
      });
    });
    l.tcp.on('connection', (sock) => this.serveTcp(l, sock));
    try {
      await retryWhileAddressNotReady(family, () => bindUdp(l.udp, gateway, this.port));
    } catch (err) {
      l.udp.close();
      throw listenError(network, gateway, this.port, 'UDP', err as NodeJS.ErrnoException);
    }
    try {
      await retryWhileAddressNotReady(family, () => listenTcp(l.tcp, gateway, this.port));
    } catch (err) {
      l.udp.close();
      throw listenError(network, gateway, this.port, 'TCP', err as NodeJS.ErrnoException);
    }
    l.udp.on('error', (err) => this.log(`UDP ${gateway}: ${err.message}`));
    l.tcp.on('error', (err) => this.log(`TCP ${gateway}: ${err.message}`));
    return l;
  }

  private closeListener(l: Listener): Promise<void> {
    for (const c of l.connections) c.destroy();
    return new Promise((resolve) => {
      l.udp.close(() => l.tcp.close(() => resolve()));
    });
  }

  private serveTcp(l: Listener, sock: net.Socket): void {
    l.connections.add(sock);
    const frames = new TcpFrameReader();
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => l.connections.delete(sock));
    sock.on('error', () => sock.destroy());
    const client = (sock.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    sock.on('data', (chunk) => {
      for (const msg of frames.push(chunk))
        void this.answer(l, msg, client, 'tcp').then((reply) => {
          if (reply && !sock.destroyed) sock.write(tcpFrame(reply));
        });
    });
  }

  /** The reply to one message from a client, or undefined when it deserves none (a response, noise). */
  async answer(l: Listener, msg: Buffer, clientIp: string, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: Decoded;
    try {
      query = dnsPacket.decode(msg) as Decoded;
    } catch {
      return headerOnlyReply(msg, RCODE.FORMERR);
    }
    if (query.flag_qr) return undefined;
    if (query.opcode !== 'QUERY') return reply(query, RCODE.NOTIMP, [], false, transport);
    const questions = query.questions ?? [];
    if (questions.length !== 1) return reply(query, RCODE.FORMERR, [], false, transport);
    const q = questions[0];
    let found = this.table.lookup(l.networkId, clientIp, q.name, q.type);
    // our names exist in class IN only; CHAOS and the like belong to the upstream servers
    if (found.kind === 'answer' && (q.class ?? 'IN') !== 'IN') found = { kind: 'forward' };
    if (found.kind === 'refused') return reply(query, RCODE.REFUSED, [], false, transport);
    if (found.kind === 'answer') {
      const answers = found.records.map((r) => ({ name: r.name, type: r.type, ttl: LOCAL_TTL, data: r.data }) as dnsPacket.Answer);
      return reply(query, found.nxdomain ? RCODE.NXDOMAIN : RCODE.NOERROR, answers, true, transport);
    }
    // a container's --dns naming one of our own addresses would only come back here
    const own = found.servers?.filter((s) => !this.listeners.has(s));
    const servers = own?.length ? own : await this.hostResolvers.current();
    const upstream = servers.length ? await this.forwarder.forward(msg, servers, transport === 'tcp') : undefined;
    return upstream ?? reply(query, RCODE.SERVFAIL, [], false, transport);
  }
}

/** Encodes our own reply; over UDP, one that does not fit the client's limit is sent empty with TC set. */
function reply(query: Decoded, rcode: number, answers: dnsPacket.Answer[], authoritative: boolean, transport: 'udp' | 'tcp'): Buffer {
  const opt = (query.additionals ?? []).find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  let flags = rcode | dnsPacket.RECURSION_AVAILABLE | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0);
  const additionals: dnsPacket.Answer[] = opt ? [{ name: '.', type: 'OPT', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as unknown as dnsPacket.Answer] : [];
  const packet: dnsPacket.Packet = { type: 'response', id: query.id, flags, questions: query.questions, answers, additionals };
  let out = dnsPacket.encode(packet);
  const limit = opt ? Math.max(512, Math.min(opt.udpPayloadSize, EDNS_UDP_SIZE)) : 512;
  if (transport === 'udp' && out.length > limit) {
    flags |= dnsPacket.TRUNCATED_RESPONSE;
    out = dnsPacket.encode({ ...packet, flags, answers: [] });
  }
  return out;
}

/** A reply to a message we could not decode: its ID, QR set, the rcode, no sections. */
function headerOnlyReply(msg: Buffer, rcode: number): Buffer | undefined {
  if (msg.length < 12 || msg[2] & 0x80) return undefined;
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 2);
  out[2] = 0x80 | (msg[2] & 0x79); // QR, keep opcode and RD
  out[3] = 0x80 | rcode; // RA
  return out;
}

function bindUdp(sock: dgram.Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    sock.once('error', onError);
    sock.bind({ address, port, exclusive: true }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}

function listenTcp(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** An IPv6 address is unusable while the kernel checks it for duplicates (tentative): wait that out. An IPv4 one is there or not. */
async function retryWhileAddressNotReady(family: number, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + (family === 6 ? BIND_RETRY_MS : 0);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRNOTAVAIL' || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function listenError(network: DnsNetwork, gateway: string, port: number, proto: string, err: NodeJS.ErrnoException): DnsServerError {
  const hint =
    err.code === 'EADDRNOTAVAIL'
      ? ': the gateway address must be on a host interface (the network\'s bridge) before the network is served'
      : err.code === 'EADDRINUSE'
        ? ': another program listens there'
        : err.code === 'EACCES'
          ? ': listening on a port below 1024 needs root (CAP_NET_BIND_SERVICE)'
          : '';
  const address = isIP(gateway) === 6 ? `[${gateway}]` : gateway;
  return new DnsServerError(err.code ?? 'EIO', `cannot listen on ${address}:${port} (${proto}) for network ${network.name}: ${err.message}${hint}`);
}
