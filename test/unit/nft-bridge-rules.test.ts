// Rules of bridge-family tables (the source guard's), compiled without root
// and compared with what nft 1.0.6 itself sends for the same rules
// (`nft --debug=netlink add rule bridge t c ...`, recorded by hand):
//   iifname . ether saddr . ip saddr != @s drop
//     [ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ]
//     [ meta load iifname => reg 1 ] [ payload load 6b @ link header + 6 => reg 2 ]
//     [ payload load 4b @ network header + 12 => reg 14 ] [ lookup reg 1 set s 0x1 ] [ immediate reg 0 drop ]
//   iifname . arp saddr ether . arp saddr ip != @s drop
//     ... [ cmp eq reg 1 0x00000608 ] ... [ payload load 6b @ network header + 8 => reg 2 ]
//     [ payload load 4b @ network header + 14 => reg 14 ] ...
import { strict as assert } from 'assert';
import { K } from '../../bindings';
import { rule } from '../../src/nft/rule';

const bridge = { family: 'bridge' as const, newSetId: () => 1, setId: () => undefined };

describe('nf_tables rule builder in bridge tables', () => {
  it('an IPv4 source check: meta protocol ip first, then the concatenated key in nft\'s registers', () => {
    const e = rule().inSet(['iifname', 'ether saddr', 'ip saddr'], 's', '!=').drop().compile(bridge).expressions;
    assert.deepEqual(e.map((x) => x.expr), ['meta', 'cmp', 'meta', 'payload', 'payload', 'lookup', 'immediate']);
    assert.deepEqual([e[0].key, e[1].data], ['protocol', Buffer.from([0x08, 0x00])]);
    assert.deepEqual([e[2].key, e[2].dreg], ['iifname', K.NFT_REG_1]);
    assert.deepEqual([e[3].base, e[3].offset, e[3].len, e[3].dreg], ['link', 6, 6, K.NFT_REG_1 + 1]);
    assert.deepEqual([e[4].base, e[4].offset, e[4].len, e[4].dreg], ['network', 12, 4, K.NFT_REG32_00 + 6]);
    assert.deepEqual([e[5].sreg, e[5].invert], [K.NFT_REG_1, true]);
  });

  it('an ARP sender check: meta protocol arp, sender MAC at 8 and sender address at 14', () => {
    const e = rule().inSet(['iifname', 'arp saddr ether', 'arp saddr ip'], 's', '!=').drop().compile(bridge).expressions;
    assert.deepEqual(e[1].data, Buffer.from([0x08, 0x06]));
    assert.deepEqual([e[3].base, e[3].offset, e[3].len], ['network', 8, 6]);
    assert.deepEqual([e[4].base, e[4].offset, e[4].len], ['network', 14, 4]);
  });

  it('a MAC check needs no protocol; an ARP match in an inet table is refused', () => {
    const e = rule().inSet(['iifname', 'ether saddr'], 'm', '!=').drop().compile(bridge).expressions;
    assert.deepEqual(e.map((x) => x.expr), ['meta', 'payload', 'lookup', 'immediate']);
    assert.throws(() => rule().inSet(['arp saddr ip'], 's').drop().compile({ ...bridge, family: 'inet' }), /arp match needs a bridge, netdev or arp table/);
  });
});
