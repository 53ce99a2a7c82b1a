// The bytes netplumb sends for a ruleset, compared with what `nft -f` sent
// for the same ruleset (fixtures captured by test/fixtures/nft/capture.js,
// stored with their ruleset text and `nft --debug=netlink` output).
//
// Normalised before comparing, and only this: sequence numbers (nft starts at
// 0, we at 1), the NLM_F_ACK and NLM_F_ECHO bits (we ask the kernel for an
// ack per message and for the handles of new rules; nft 1.0.6 asks for
// neither), and the KEY_TYPEOF userdata record of anonymous sets (nft's
// description of the rule expression that uses the set, for its own printing;
// the kernel ignores userdata).
import { strict as assert } from 'assert';
import { rule } from '../../src/nft/rule';
import { encodeMessages, loadFixture, recordingBatch } from '../helpers/nft';
import type { NftBatch } from '../../src/nft/batch';

const NLM_F_ACK = 0x4;
const NLM_F_ECHO = 0x8;

function normalise(msg: Buffer): Buffer {
  const b = Buffer.from(msg);
  b.writeUInt32LE(0, 8); // nlmsg_seq
  b.writeUInt16LE(b.readUInt16LE(6) & ~(NLM_F_ACK | NLM_F_ECHO), 6);
  return stripAnonymousTypeof(b);
}

/** In NFT_MSG_NEWSET of an anonymous set, drops the KEY_TYPEOF record (3) from NFTA_SET_USERDATA. */
function stripAnonymousTypeof(b: Buffer): Buffer {
  const NFT_MSG_NEWSET = 0x0a09;
  if (b.readUInt16LE(4) !== NFT_MSG_NEWSET) return b;
  let off = 20;
  let anonymous = false;
  const attrs: Array<{ type: number; data: Buffer }> = [];
  while (off + 4 <= b.length) {
    const len = b.readUInt16LE(off), type = b.readUInt16LE(off + 2);
    attrs.push({ type, data: b.subarray(off + 4, off + len) });
    if (type === 3 /* NFTA_SET_FLAGS */ && (b.readUInt32BE(off + 4) & 1)) anonymous = true;
    off += (len + 3) & ~3;
  }
  if (!anonymous) return b;
  const out: Buffer[] = [b.subarray(0, 20)];
  for (const a of attrs) {
    let data = a.data;
    if (a.type === 13 /* NFTA_SET_USERDATA */) {
      const kept: Buffer[] = [];
      for (let o = 0; o < data.length; ) {
        const t = data[o], l = data[o + 1];
        if (t !== 3) kept.push(data.subarray(o, o + 2 + l));
        o += 2 + l;
      }
      data = Buffer.concat(kept);
    }
    const hdr = Buffer.alloc(4);
    hdr.writeUInt16LE(4 + data.length, 0);
    hdr.writeUInt16LE(a.type, 2);
    out.push(hdr, data, Buffer.alloc((4 - (data.length % 4)) % 4));
  }
  const m = Buffer.concat(out);
  m.writeUInt32LE(m.length, 0);
  return m;
}

async function ourMessages(build: (b: NftBatch) => void): Promise<Buffer[]> {
  const { batch, sent } = recordingBatch();
  build(batch);
  await batch.commit();
  return encodeMessages(sent());
}

function assertSameMessages(ours: Buffer[], name: string): void {
  const fixture = loadFixture(name);
  assert.equal(ours.length, fixture.messages.length, `${name}: message count`);
  for (let i = 0; i < ours.length; i++) {
    const a = normalise(ours[i]).toString('hex');
    const b = normalise(fixture.messages[i]).toString('hex');
    assert.equal(a, b, `${name}: message ${i} differs`);
  }
}

describe('nf_tables bytes match nft (fixtures)', () => {
  it('masquerade: table with comment, nat base chain, iifname/prefix/oifname != match, rule comment', async () => {
    const ours = await ourMessages((b) => b
      .addTable({ family: 'ip', name: 'np' })
      .addChain({ family: 'ip', table: 'np', name: 'post', hook: 'postrouting', type: 'nat', priority: 'srcnat', policy: 'accept' })
      .addRule({ family: 'ip', table: 'np', chain: 'post' }, rule().iifname('np0').ipSaddr('10.0.0.0/8').oifname('np0', '!=').masquerade().comment('net:abc')));
    assertSameMessages(ours, 'masquerade');
  });

  it('dnat-map: concatenated map with elements, fib daddr type local, dnat from a map lookup', async () => {
    const ours = await ourMessages((b) => b
      .addTable({ family: 'ip', name: 'np' })
      .addChain({ family: 'ip', table: 'np', name: 'pre', hook: 'prerouting', type: 'nat', priority: 'dstnat' })
      .addChain({ family: 'ip', table: 'np', name: 'out', hook: 'output', type: 'nat', priority: -100 })
      .addSet({
        family: 'ip', table: 'np', name: 'ports', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'],
        elements: [{ key: ['tcp', 8080], value: ['10.0.0.2', 80] }, { key: ['udp', 5353], value: ['10.0.0.3', 53] }],
      })
      .addRule({ family: 'ip', table: 'np', chain: 'pre' }, rule().fibDaddrType('local').dnatMap({ key: ['meta l4proto', 'th dport'], map: 'ports' }).comment('ports'))
      .addRule({ family: 'ip', table: 'np', chain: 'out' }, rule().ipDaddr('127.0.0.0/8').dnatMap({ key: ['meta l4proto', 'th dport'], map: 'ports' })));
    assertSameMessages(ours, 'dnat-map');
  });

  it('filter: inet table, interval set, anonymous set and verdict map, ct state, masked mark, range, ct original, limit/log/reject', async () => {
    const fam = 'inet' as const;
    const ours = await ourMessages((b) => b
      .addTable({ family: fam, name: 'npf' })
      .addChain({ family: fam, table: 'npf', name: 'isolate' })
      .addChain({ family: fam, table: 'npf', name: 'forward_np', hook: 'forward', type: 'filter', priority: 'filter', policy: 'drop' })
      .addSet({ family: fam, table: 'npf', name: 'blocked', type: 'ipv4_addr', flags: ['interval'], elements: [{ key: '192.168.0.0/16' }, { key: '172.16.0.1-172.16.0.5' }] })
      .addRule({ family: fam, table: 'npf', chain: 'isolate' }, rule().ipDaddr('10.0.0.0/12').tcpDport([22, 80]).counter().drop())
      .addRule({ family: fam, table: 'npf', chain: 'isolate' }, rule().ipSaddr('@blocked').drop())
      .addRule({ family: fam, table: 'npf', chain: 'isolate' }, rule().return())
      .addRule({ family: fam, table: 'npf', chain: 'forward_np' }, rule().ctState(['established', 'related']).accept())
      .addRule({ family: fam, table: 'npf', chain: 'forward_np' }, rule().vmap('iifname', { np0: { jump: 'isolate' }, np1: 'accept' }))
      .addRule({ family: fam, table: 'npf', chain: 'forward_np' }, rule().mark(1, { mask: 0xff }).goto('isolate'))
      .addRule({ family: fam, table: 'npf', chain: 'forward_np' }, rule().ipSaddr('10.1.0.1-10.1.0.9').drop())
      .addRule({ family: fam, table: 'npf', chain: 'forward_np' }, rule().match('ct original ip daddr', '10.2.0.1').accept())
      .addRule({ family: fam, table: 'npf', chain: 'forward_np' }, rule().limit({ rate: 10, per: 'second' }).log({ prefix: 'np-drop ' }).reject({ with: 'tcp reset' })));
    assertSameMessages(ours, 'filter');
  });

  it('nat-misc: redirect to a port, dnat and snat to address and port (range), masquerade to a port range', async () => {
    const ours = await ourMessages((b) => b
      .addTable({ family: 'ip', name: 'npn' })
      .addChain({ family: 'ip', table: 'npn', name: 'pre', hook: 'prerouting', type: 'nat', priority: 'dstnat' })
      .addChain({ family: 'ip', table: 'npn', name: 'post', hook: 'postrouting', type: 'nat', priority: 'srcnat' })
      .addRule({ family: 'ip', table: 'npn', chain: 'pre' }, rule().iifname('np0').tcpDport(53).redirect({ port: 5353 }))
      .addRule({ family: 'ip', table: 'npn', chain: 'pre' }, rule().ipDaddr('192.168.9.9').tcpDport(8080).dnat({ addr: '10.0.0.5', port: 80 }))
      .addRule({ family: 'ip', table: 'npn', chain: 'post' }, rule().ipSaddr('10.0.0.0/24').ipProtocol('tcp').snat({ addr: '192.168.1.1', port: [1000, 2000] }))
      .addRule({ family: 'ip', table: 'npn', chain: 'post' }, rule().ipSaddr('10.9.0.0/20').l4proto('udp').masquerade({ port: [30000, 40000], flags: ['random'] })));
    assertSameMessages(ours, 'nat-misc');
  });
});
