// The rulesets of the nf_tables fixtures, built with netplumb's batch and rule
// builder. The fixture test compares their bytes with what `nft -f` sent; the
// integration test applies them and compares `nft -j` listings.
import { rule } from '../../src/nft/rule';
import type { NftBatch } from '../../src/nft/batch';

/** Each fixture's ruleset (test/fixtures/nft/NAME.nft), built with netplumb: by name. */
export const FIXTURE_RULESETS: Record<string, (b: NftBatch) => NftBatch> = {
  masquerade: (b) => b
    .addTable({ family: 'ip', name: 'np' })
    .addChain({ family: 'ip', table: 'np', name: 'post', hook: 'postrouting', type: 'nat', priority: 'srcnat', policy: 'accept' })
    .addRule({ family: 'ip', table: 'np', chain: 'post' }, rule().iifname('np0').ipSaddr('10.0.0.0/8').oifname('np0', '!=').masquerade().comment('net:abc')),
  'dnat-map': (b) => b
    .addTable({ family: 'ip', name: 'np' })
    .addChain({ family: 'ip', table: 'np', name: 'pre', hook: 'prerouting', type: 'nat', priority: 'dstnat' })
    .addChain({ family: 'ip', table: 'np', name: 'out', hook: 'output', type: 'nat', priority: -100 })
    .addSet({ family: 'ip', table: 'np', name: 'ports', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'], elements: [{ key: ['tcp', 8080], value: ['10.0.0.2', 80] }, { key: ['udp', 5353], value: ['10.0.0.3', 53] }] })
    .addRule({ family: 'ip', table: 'np', chain: 'pre' }, rule().fibDaddrType('local').dnatMap({ key: ['meta l4proto', 'th dport'], map: 'ports' }).comment('ports'))
    .addRule({ family: 'ip', table: 'np', chain: 'out' }, rule().ipDaddr('127.0.0.0/8').dnatMap({ key: ['meta l4proto', 'th dport'], map: 'ports' })),
  filter: (b) => b
    .addTable({ family: 'inet', name: 'npf' })
    .addChain({ family: 'inet', table: 'npf', name: 'isolate' })
    .addChain({ family: 'inet', table: 'npf', name: 'forward_np', hook: 'forward', type: 'filter', priority: 'filter', policy: 'drop' })
    .addSet({ family: 'inet', table: 'npf', name: 'blocked', type: 'ipv4_addr', flags: ['interval'], elements: [{ key: '192.168.0.0/16' }, { key: '172.16.0.1-172.16.0.5' }] })
    .addRule({ family: 'inet', table: 'npf', chain: 'isolate' }, rule().ipDaddr('10.0.0.0/12').tcpDport([22, 80]).counter().drop())
    .addRule({ family: 'inet', table: 'npf', chain: 'isolate' }, rule().ipSaddr('@blocked').drop())
    .addRule({ family: 'inet', table: 'npf', chain: 'isolate' }, rule().return())
    .addRule({ family: 'inet', table: 'npf', chain: 'forward_np' }, rule().ctState(['established', 'related']).accept())
    .addRule({ family: 'inet', table: 'npf', chain: 'forward_np' }, rule().vmap('iifname', { np0: { jump: 'isolate' }, np1: 'accept' }))
    .addRule({ family: 'inet', table: 'npf', chain: 'forward_np' }, rule().mark(1, { mask: 0xff }).goto('isolate'))
    .addRule({ family: 'inet', table: 'npf', chain: 'forward_np' }, rule().ipSaddr('10.1.0.1-10.1.0.9').drop())
    .addRule({ family: 'inet', table: 'npf', chain: 'forward_np' }, rule().match('ct original ip daddr', '10.2.0.1').accept())
    .addRule({ family: 'inet', table: 'npf', chain: 'forward_np' }, rule().limit({ rate: 10, per: 'second' }).log({ prefix: 'np-drop ' }).reject({ with: 'tcp reset' })),
  'nat-misc': (b) => b
    .addTable({ family: 'ip', name: 'npn' })
    .addChain({ family: 'ip', table: 'npn', name: 'pre', hook: 'prerouting', type: 'nat', priority: 'dstnat' })
    .addChain({ family: 'ip', table: 'npn', name: 'post', hook: 'postrouting', type: 'nat', priority: 'srcnat' })
    .addRule({ family: 'ip', table: 'npn', chain: 'pre' }, rule().iifname('np0').tcpDport(53).redirect({ port: 5353 }))
    .addRule({ family: 'ip', table: 'npn', chain: 'pre' }, rule().ipDaddr('192.168.9.9').tcpDport(8080).dnat({ addr: '10.0.0.5', port: 80 }))
    .addRule({ family: 'ip', table: 'npn', chain: 'post' }, rule().ipSaddr('10.0.0.0/24').ipProtocol('tcp').snat({ addr: '192.168.1.1', port: [1000, 2000] }))
    .addRule({ family: 'ip', table: 'npn', chain: 'post' }, rule().ipSaddr('10.9.0.0/20').l4proto('udp').masquerade({ port: [30000, 40000], flags: ['random'] })),
};
