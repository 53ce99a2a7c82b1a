// The rule builder, value parsing and register allocation, without root.
import { strict as assert } from 'assert';
import { K } from '../../bindings';
import { Registers } from '../../src/nft/registers';
import { rule } from '../../src/nft/rule';
import { KeyType } from '../../src/nft/datatypes';
import { elementArgs, encodeElements } from '../../src/nft/sets';
import { recordingBatch } from '../helpers/nft';

const ctx = { family: 'ip' as const, newSetId: () => 1, setId: () => undefined };

describe('nf_tables rule builder', () => {
  it('numbers registers as nft does: 128-bit names where a slot starts one, 32-bit ones between', () => {
    const r = new Registers();
    assert.equal(r.alloc(1), K.NFT_REG_1);
    assert.equal(r.alloc(2), K.NFT_REG32_00 + 1);
    assert.equal(r.alloc(16), K.NFT_REG32_00 + 2); // slots 2-5
    assert.equal(r.alloc(4), K.NFT_REG32_00 + 6);
    assert.equal(Registers.offset(K.NFT_REG_1, 4), K.NFT_REG32_00 + 1);
    assert.equal(Registers.offset(K.NFT_REG_1, 16), K.NFT_REG_1 + 1);
    const full = new Registers();
    full.alloc(64);
    assert.throws(() => full.alloc(1), /more than 64 bytes/);
  });

  it('a concatenated map lookup loads its fields into consecutive registers and NATs from the data', () => {
    const { expressions } = rule().dnatMap({ key: ['meta l4proto', 'th dport'], map: 'm' }).compile(ctx);
    assert.deepEqual(expressions.map((e) => [e.expr, e.dreg ?? e.sreg ?? e.regAddrMin]), [['meta', K.NFT_REG_1], ['payload', K.NFT_REG32_00 + 1], ['lookup', K.NFT_REG_1], ['nat', K.NFT_REG_1]]);
    assert.equal(expressions[3].regProtoMin, K.NFT_REG32_00 + 1);
  });

  it('prefixes: byte-aligned ones load only their bytes, others are masked; /0 matches everything', () => {
    const a = rule().ipSaddr('10.0.0.0/8').accept().compile(ctx).expressions;
    assert.equal(a[0].len, 1);
    assert.deepEqual(a[1].data, Buffer.from([10]));
    const b = rule().ipSaddr('10.0.0.0/12').accept().compile(ctx).expressions;
    assert.deepEqual(b.map((e) => e.expr), ['payload', 'bitwise', 'cmp', 'immediate']);
    assert.deepEqual(b[1].mask, Buffer.from([255, 240, 0, 0]));
    assert.deepEqual(rule().ipSaddr('0.0.0.0/0').accept().compile(ctx).expressions.map((e) => e.expr), ['immediate']);
  });

  it('adds the dependencies nft adds, once', () => {
    const inet = { ...ctx, family: 'inet' as const };
    const e = rule().ipSaddr('10.0.0.1').ipDaddr('10.0.0.2').tcpDport(80).tcpSport(1).accept().compile(inet).expressions;
    assert.deepEqual(e.filter((x) => x.expr === 'meta').map((x) => x.key), ['nfproto', 'l4proto']);
    const explicit = rule().l4proto('tcp').tcpDport(80).accept().compile(ctx).expressions;
    assert.equal(explicit.filter((x) => x.expr === 'meta').length, 1);
  });

  it('refuses what cannot be encoded, naming it', () => {
    assert.throws(() => rule().tcpDport(70000), /not a port/);
    assert.throws(() => rule().ipSaddr('10.0.0.1/33'), /prefix length/);
    assert.throws(() => rule().ipSaddr('10.0.0.9-10.0.0.1'), /start is after its end/);
    assert.throws(() => rule().tcpDport([]), /empty set/);
    assert.throws(() => rule().ctState(['bogus' as 'new']), /unknown state/);
    assert.throws(() => rule().snat({ addr: '10.0.0.1', port: [2000, 1000] }), /starts after its end/);
    assert.throws(() => rule().jump(''), /verdict/);
    assert.throws(() => rule().match('ip saddr', '@'), /set name/);
    assert.throws(() => rule().ipSaddr('10.0.0.0/8', '<'), /== or !=/);
  });

  it('interval elements: sorted, end elements one past each range, a leading end at zero, overlaps refused', () => {
    const shape = { key: KeyType.of('ipv4_addr', 't'), interval: true };
    const els = encodeElements(shape, [{ key: '192.168.0.0/16' }, { key: '10.0.0.1-10.0.0.9' }], 'x');
    assert.deepEqual(els.map((e) => [[...e.key].join('.'), e.flags ?? []]), [
      ['0.0.0.0', ['interval-end']], ['10.0.0.1', []], ['10.0.0.10', ['interval-end']], ['192.168.0.0', []], ['192.169.0.0', ['interval-end']],
    ]);
    assert.throws(() => encodeElements(shape, [{ key: '10.0.0.0/8' }, { key: '10.2.0.0/16' }], 'x'), /overlap/);
    const top = encodeElements(shape, [{ key: '255.255.255.0/24' }], 'x');
    assert.equal(top.filter((e) => e.flags).length, 1, 'no end element past the largest address');
  });

  it('deleting a range sends its own start and end only, never the set\'s end element at zero (as nft)', () => {
    const shape = { key: KeyType.of('ipv4_addr', 't'), interval: true };
    const els = encodeElements(shape, [{ key: '10.0.0.0/24' }], 'x', false);
    assert.deepEqual(els.map((e) => [[...e.key].join('.'), e.flags ?? []]), [['10.0.0.0', []], ['10.0.1.0', ['interval-end']]]);
  });

  it('element comments become userdata; one owner\'s elements keep the packed form with one userdata', () => {
    const shape = { key: KeyType.of(['inet_proto', 'inet_service'], 't'), map: KeyType.of(['ipv4_addr', 'inet_service'], 't'), interval: false };
    const els = encodeElements(shape, [1, 2].map((p) => ({ key: ['tcp', p], value: ['10.0.0.2', 80], comment: 'ep:a' })), 'x');
    const args = elementArgs(els);
    assert.deepEqual(args.userdata, Buffer.from([0, 5, ...Buffer.from('ep:a\0')]));
    assert.equal((args.keys as Buffer).length, 16);
    const mixed = elementArgs(encodeElements(shape, [{ key: ['tcp', 1], value: ['10.0.0.2', 80], comment: 'ep:a' }, { key: ['tcp', 2], value: ['10.0.0.2', 80], comment: 'ep:b' }], 'x'));
    assert.ok(Array.isArray(mixed.elements), 'different owners: one element object each');
    assert.throws(() => encodeElements(shape, [{ key: ['tcp', 1], value: ['10.0.0.2', 80], comment: 'x'.repeat(129) }], 'x'), /comment/);
  });

  it('ct status, concatenated set lookups and the IPv4 dependency of a DNAT map in an inet table', () => {
    const ctx = { family: 'inet' as const, newSetId: () => 1, setId: () => undefined };
    const st = rule().ctStatus(['dnat'], '!=').drop().compile(ctx).expressions;
    assert.deepEqual(st.slice(0, 3).map((e) => e.expr), ['ct', 'bitwise', 'cmp']);
    assert.equal(st[0].key, 'status');
    assert.equal(st[2].op, 'eq', '!= dnat: the masked bits equal zero');
    const pair = rule().inSet(['iifname', 'oifname'], 'pairs').accept().compile(ctx).expressions;
    assert.deepEqual(pair.slice(0, 3).map((e) => [e.expr, e.key ?? e.set]), [['meta', 'iifname'], ['meta', 'oifname'], ['lookup', 'pairs']]);
    assert.equal(pair[1].dreg, Registers.offset(pair[0].dreg as number, 16), 'the second field follows the first 16-byte ifname');
    const dnat = rule().dnatMap({ key: ['meta l4proto', 'th dport'], map: 'm' }).compile(ctx).expressions;
    assert.deepEqual(dnat.slice(0, 2).map((e) => [e.expr, e.key]), [['meta', 'nfproto'], ['cmp', undefined]]);
    assert.throws(() => rule().ctStatus(['bogus' as 'dnat']), /unknown status/);
    assert.throws(() => rule().inSet([], 's'), /at least one selector/);
  });

  it('splits 10,000 elements over several messages of one transaction, in the packed form', async () => {
    const { batch, sent } = recordingBatch();
    batch.addTable({ family: 'ip', name: 't' })
      .addSet({ family: 'ip', table: 't', name: 'm', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'] })
      .addElements({ family: 'ip', table: 't', name: 'm' }, Array.from({ length: 10000 }, (_, i) => ({ key: ['tcp', i], value: ['10.0.0.1', 80] })));
    await batch.commit();
    const chunks = sent().filter((r) => r.op === 'nft.setelem.add');
    assert.ok(chunks.length > 1);
    assert.equal(chunks.reduce((n, r) => n + (r.args!.keys as Buffer).length / 8, 0), 10000);
  });
});
