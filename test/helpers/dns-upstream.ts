// A tiny authoritative DNS server the tests run as "the host's resolver", in
// a namespace of their own or on the test namespace's loopback. It answers A
// records from a zone given on the command line, NXDOMAIN for anything else,
// and, like a real server, truncates (TC) a UDP answer over 512 bytes so the
// client must come back over TCP. Every query it gets is printed as a JSON
// line, so a test can see what was forwarded and over what.
//   node dns-upstream.js --listen 10.89.9.2 --zone '{"example.test":["192.0.2.10"]}'
import * as dgram from 'dgram';
import * as dnsPacket from 'dns-packet';
import * as net from 'net';
import { TcpFrameReader, tcpFrame } from '../../src/net/dns/tcp-frames';

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const address = arg('--listen');
const zone = JSON.parse(arg('--zone')) as Record<string, string[]>;

function answer(msg: Buffer, transport: 'udp' | 'tcp', from: string): Buffer {
  const q = dnsPacket.decode(msg);
  const question = q.questions![0];
  process.stdout.write(`${JSON.stringify({ name: question.name, type: question.type, transport, from })}\n`);
  const addrs = question.type === 'A' ? zone[question.name.toLowerCase()] : undefined;
  const exists = zone[question.name.toLowerCase()] !== undefined;
  const packet: dnsPacket.Packet = {
    type: 'response',
    id: q.id,
    flags: dnsPacket.RECURSION_AVAILABLE | dnsPacket.RECURSION_DESIRED | (exists ? 0 : 3),
    questions: q.questions,
    answers: (addrs ?? []).map((a) => ({ name: question.name, type: 'A', ttl: 30, data: a })),
  };
  let out = dnsPacket.encode(packet);
  if (transport === 'udp' && out.length > 512) out = dnsPacket.encode({ ...packet, flags: packet.flags! | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
  return out;
}

const udp = dgram.createSocket(net.isIP(address) === 6 ? 'udp6' : 'udp4');
udp.on('message', (msg, rinfo) => udp.send(answer(msg, 'udp', rinfo.address), rinfo.port, rinfo.address));
const tcp = net.createServer((sock) => {
  const frames = new TcpFrameReader();
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk) => {
    for (const msg of frames.push(chunk)) sock.write(tcpFrame(answer(msg, 'tcp', sock.remoteAddress ?? '')));
  });
});
udp.bind(53, address, () => tcp.listen(53, address, () => process.stdout.write('ready\n')));
process.on('SIGTERM', () => process.exit(0));
