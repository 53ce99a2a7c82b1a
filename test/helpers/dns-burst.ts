// A burst of DNS queries from inside a namespace: COUNT UDP queries for NAME
// to SERVER, at most WINDOW outstanding at once, each sent once and given
// TIMEOUT ms for its answer. Prints one JSON line: how many were answered,
// and how many of those carried exactly the expected address.
//   node dns-burst.js SERVER NAME EXPECTED_IP COUNT WINDOW TIMEOUT_MS
import * as dgram from 'dgram';
import * as dnsPacket from 'dns-packet';

const [server, name, expected, countText, windowText, timeoutText] = process.argv.slice(2);
const count = Number(countText);
const window = Number(windowText);
const timeoutMs = Number(timeoutText);

const sock = dgram.createSocket('udp4');
const pending = new Map<number, NodeJS.Timeout>();
let sent = 0;
let answered = 0;
let correct = 0;
let timedOut = 0;
const rcodes: Record<string, number> = {};

function finishIfDone(): void {
  if (answered + timedOut < count) return;
  process.stdout.write(`${JSON.stringify({ sent, answered, correct, timedOut, rcodes })}\n`);
  sock.close();
}

function sendNext(): void {
  if (sent >= count) return;
  const id = sent++; // ids 0..count-1: unique within the burst
  const timer = setTimeout(() => {
    pending.delete(id);
    timedOut++;
    finishIfDone();
    sendNext();
  }, timeoutMs);
  pending.set(id, timer);
  sock.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), 53, server);
}

sock.on('message', (msg) => {
  const r = dnsPacket.decode(msg) as dnsPacket.DecodedPacket & { rcode?: string };
  const timer = r.id === undefined ? undefined : pending.get(r.id);
  if (!timer) return;
  clearTimeout(timer);
  pending.delete(r.id!);
  answered++;
  rcodes[r.rcode ?? '?'] = (rcodes[r.rcode ?? '?'] ?? 0) + 1;
  const addrs = (r.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
  if (addrs.length === 1 && addrs[0] === expected) correct++;
  finishIfDone();
  sendNext();
});
sock.bind(0, () => {
  for (let i = 0; i < window; i++) sendNext();
});
