// The server's wire behaviour, on loopback and an unprivileged port, so it
// runs without root: a plain UDP/TCP client built on dns-packet asks it.
import assert from 'assert';
import * as dgram from 'dgram';
import * as dnsPacket from 'dns-packet';
import * as net from 'net';
import { DnsServer, DnsMember } from '../../../src/net/dns';
import { TcpFrameReader, tcpFrame } from '../../../src/net/dns/tcp-frames';

type Reply = dnsPacket.DecodedPacket & { rcode: string };

function udpAsk(port: number, message: Buffer, timeoutMs = 2000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('no UDP answer'));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(msg) as Reply);
    });
    sock.send(message, port, '127.0.0.1');
  });
}

function tcpAsk(port: number, message: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(tcpFrame(message)));
    const frames = new TcpFrameReader();
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      const [msg] = frames.push(chunk);
      if (msg) {
        sock.destroy();
        resolve(dnsPacket.decode(msg) as Reply);
      }
    });
  });
}

const query = (name: string, type: dnsPacket.RecordType = 'A', edns = false) =>
  dnsPacket.encode({
    type: 'query',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type }],
    additionals: edns ? [{ name: '.', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as unknown as dnsPacket.Answer] : [],
  });

describe('DNS server on the wire (loopback)', () => {
  let server: DnsServer;
  let port = 0;
  // 80 members sharing one alias: an answer of ~1,300 bytes, more than plain UDP's 512
  const crowd: DnsMember[] = Array.from({ length: 80 }, (_, i) => ({ id: `m${i}`, name: `m${i}`, aliases: ['crowd'], ipv4: `127.0.1.${i + 2}` }));

  before(async () => {
    for (let attempt = 0; ; attempt++) {
      port = 20000 + Math.floor(Math.random() * 40000);
      server = new DnsServer({ port, hostResolvConf: '/nonexistent/resolv.conf' });
      try {
        await server.setNetwork({ id: 'lo', name: 'lonet', subnets: [{ subnet: '127.0.0.0/8', gateway: '127.0.0.1' }], members: [{ id: 'w', name: 'web', ipv4: '127.0.0.2' }, ...crowd] });
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt > 5) throw err;
      }
    }
  });

  after(() => server.close());

  it('answers a member over UDP and TCP, authoritative, with the query id and RD echoed', async () => {
    for (const ask of [udpAsk, tcpAsk]) {
      const r = await ask(port, query('web'));
      assert.strictEqual(r.id, 4242);
      assert.strictEqual(r.rcode, 'NOERROR');
      assert.ok(r.flag_aa && r.flag_rd && r.flag_ra && !r.flag_tc);
      assert.deepStrictEqual(r.answers!.map((a) => [a.type, (a as dnsPacket.StringAnswer).data, (a as dnsPacket.StringAnswer).ttl]), [['A', '127.0.0.2', 0]]);
    }
  });

  it('truncates a local answer too big for UDP (TC, no records); TCP and EDNS get it whole', async () => {
    const udp = await udpAsk(port, query('crowd'));
    assert.ok(udp.flag_tc);
    assert.deepStrictEqual(udp.answers, []);
    assert.strictEqual((await tcpAsk(port, query('crowd'))).answers!.length, 80);
    const edns = await udpAsk(port, query('crowd', 'A', true));
    assert.ok(edns.flag_tc, 'a 1,300-byte answer exceeds our 1,232-byte EDNS limit');
    const smaller = await udpAsk(port, query('m1', 'A', true));
    assert.strictEqual(smaller.additionals!.find((a) => a.type === 'OPT')?.type, 'OPT');
  });

  it('says FORMERR to garbage, NOTIMP to other opcodes, and ignores responses', async () => {
    const garbage = Buffer.from('12340100000100000000000003', 'hex'); // header claims a question, the name is cut short
    assert.strictEqual((await udpAsk(port, garbage)).rcode, 'FORMERR');
    const notify = query('web');
    notify[2] = (notify[2] & 0x87) | (4 << 3); // opcode 4: NOTIFY
    assert.strictEqual((await udpAsk(port, notify)).rcode, 'NOTIMP');
    const response = query('web');
    response[2] |= 0x80;
    await assert.rejects(udpAsk(port, response, 300), /no UDP answer/);
  });

  it('answers SERVFAIL for a name it must forward when no resolver is usable', async () => {
    // the host file is missing, so glibc's default 127.0.0.1 applies, and that is the server itself: never forwarded to
    const r = await udpAsk(port, query('example.com'));
    assert.strictEqual(r.rcode, 'SERVFAIL');
  });

  it('applies a membership change to the next query', async () => {
    await server.setNetwork({ id: 'lo', name: 'lonet', subnets: [{ subnet: '127.0.0.0/8', gateway: '127.0.0.1' }], members: [{ id: 'w', name: 'web', ipv4: '127.0.0.9' }] });
    assert.deepStrictEqual((await udpAsk(port, query('web'))).answers!.map((a) => (a as dnsPacket.StringAnswer).data), ['127.0.0.9']);
    assert.strictEqual((await udpAsk(port, query('crowd'))).rcode, 'SERVFAIL');
  });
});
