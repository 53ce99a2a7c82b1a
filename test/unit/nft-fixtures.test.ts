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
import { encodeMessages, loadFixture, recordingBatch } from '../helpers/nft';
import { FIXTURE_RULESETS } from '../helpers/nft-rulesets';
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
  const cases: Array<[name: string, what: string]> = [
    ['masquerade', 'table with comment, nat base chain, iifname/prefix/oifname != match, rule comment'],
    ['dnat-map', 'concatenated map with elements, fib daddr type local, dnat from a map lookup'],
    ['filter', 'inet table, interval set, anonymous set and verdict map, ct state, masked mark, range, ct original, limit/log/reject'],
    ['nat-misc', 'redirect to a port, dnat and snat to address and port (range), masquerade to a port range'],
  ];
  for (const [name, what] of cases) {
    it(`${name}: ${what}`, async () => {
      assertSameMessages(await ourMessages(FIXTURE_RULESETS[name]), name);
    });
  }

  it('compares every ruleset the integration test applies', () => {
    assert.deepEqual(Object.keys(FIXTURE_RULESETS).sort(), cases.map(([name]) => name).sort());
  });
});
