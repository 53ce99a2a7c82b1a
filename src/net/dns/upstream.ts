// Forwarding to real resolvers: the host's (from its resolv.conf, re-read when
// it changes) or a container's own --dns servers. The query's bytes go out
// unchanged and the first valid reply comes back unchanged, so EDNS, DNSSEC
// bits and truncation (TC) pass through; a client that sees TC retries over
// TCP, and a query that came over TCP is forwarded over TCP.
import * as dgram from 'dgram';
import { promises as fs } from 'fs';
import * as net from 'net';
import { readResolvConf } from './resolvconf';
import { TcpFrameReader, tcpFrame } from './tcp-frames';

export const DNS_PORT = 53;

/** How long one upstream server gets to answer before the next is tried. */
const ATTEMPT_TIMEOUT_MS = 2000;
/** At most this many forwarded queries at once (each holds a socket); the rest wait their turn. */
const MAX_IN_FLIGHT = 256;

/** The host's resolvers, from its resolv.conf, re-read when the file changes (checked at most once a second). */
export class HostResolvers {
  private servers: string[] = [];
  private stamp = '';
  private checkedAt = 0;

  constructor(
    private readonly file: string,
    /** Addresses never to forward to: the server's own listeners (a host resolv.conf naming one would loop). */
    private readonly isOwnAddress: (ip: string) => boolean,
  ) {}

  async current(): Promise<string[]> {
    const now = Date.now();
    if (now - this.checkedAt >= 1000) {
      this.checkedAt = now;
      let stamp = 'missing';
      try {
        const st = await fs.stat(this.file);
        stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        // a missing file means glibc's default below
      }
      if (stamp !== this.stamp) {
        this.stamp = stamp;
        const conf = await readResolvConf(this.file);
        // glibc: no nameserver line means the local machine's server
        this.servers = conf.nameservers.length ? conf.nameservers : ['127.0.0.1'];
      }
    }
    return this.servers.filter((s) => !this.isOwnAddress(s.split('%')[0]));
  }
}

function sameQuestion(query: Buffer, reply: Buffer): boolean {
  // ID (bytes 0-1) and the question section, which starts at byte 12 and ends
  // where the query ends when the query has one question and no records after it
  if (reply.length < 12 || reply.readUInt16BE(0) !== query.readUInt16BE(0)) return false;
  if ((reply[2] & 0x80) === 0) return false; // not a response
  const qdcount = query.readUInt16BE(4);
  if (reply.readUInt16BE(4) !== qdcount) return false;
  if (qdcount === 0) return true;
  const end = questionEnd(query);
  if (end === undefined || reply.length < end) return false;
  return query.subarray(12, end).toString('latin1').toLowerCase() === reply.subarray(12, end).toString('latin1').toLowerCase();
}

/** The offset just past the (first) question of a message, or undefined when malformed. */
function questionEnd(msg: Buffer): number | undefined {
  let at = 12;
  while (at < msg.length) {
    const len = msg[at];
    if (len === 0) return at + 1 + 4 <= msg.length ? at + 1 + 4 : undefined;
    if (len & 0xc0) return undefined; // compression in a query's question: not something we compare
    at += 1 + len;
  }
  return undefined;
}

export class Forwarder {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * Sends the query to each server in turn until one answers; returns its
   * reply, or undefined when none did (the caller answers SERVFAIL).
   */
  async forward(query: Buffer, servers: string[], overTcp: boolean): Promise<Buffer | undefined> {
    await this.slot();
    try {
      for (const server of servers) {
        const reply = overTcp ? await tcpExchange(query, server) : await udpExchange(query, server);
        if (reply) return reply;
      }
      return undefined;
    } finally {
      this.release();
    }
  }

  private slot(): Promise<void> {
    if (this.inFlight < MAX_IN_FLIGHT) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}

function splitZone(server: string): { host: string; family: 4 | 6 } {
  const host = server; // dgram and net take "fe80::1%eth0" as is
  return { host, family: net.isIP(server.split('%')[0]) === 6 ? 6 : 4 };
}

/** One UDP exchange on a fresh socket (a fresh random source port per query, as stub resolvers do). */
function udpExchange(query: Buffer, server: string): Promise<Buffer | undefined> {
  const { host, family } = splitZone(server);
  return new Promise((resolve) => {
    const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (reply: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), ATTEMPT_TIMEOUT_MS);
    sock.on('error', () => finish(undefined));
    sock.on('message', (msg) => {
      // connect() makes the kernel drop datagrams from anyone but the server; check it is our answer
      if (sameQuestion(query, msg)) finish(msg);
    });
    // dgram hands a failed connect (ENETUNREACH: no route to that server) to this callback, not to 'error'
    sock.connect(DNS_PORT, host, ((err?: Error) => {
      if (err) finish(undefined);
      else sock.send(query, (sendErr) => sendErr && finish(undefined));
    }) as () => void);
  });
}

/** One TCP exchange: connect, send the framed query, read one framed reply. */
function tcpExchange(query: Buffer, server: string): Promise<Buffer | undefined> {
  const { host } = splitZone(server);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port: DNS_PORT });
    const frames = new TcpFrameReader();
    let done = false;
    const finish = (reply: Buffer | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), ATTEMPT_TIMEOUT_MS * 2);
    sock.on('error', () => finish(undefined));
    sock.on('end', () => finish(undefined));
    sock.on('connect', () => sock.write(tcpFrame(query)));
    sock.on('data', (chunk) => {
      for (const msg of frames.push(chunk)) if (sameQuestion(query, msg)) return finish(msg);
    });
  });
}
