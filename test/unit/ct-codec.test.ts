// The ctnetlink codec without root: the request bytes against what conntrack(8)
// itself sends (seen with strace), and a real dump reply (captured by
// scripts/capture-ct-fixture.py) through our parser against conntrack(8)'s
// XML for the very same table, captured with it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { K, native } from '../../bindings';
import type { ConntrackEntry } from '../../src/netlink/conntrack';
import { isOpenConnection } from '../../src/netlink/conntrack';
import { parseConntrackXml } from '../helpers/conntrack-oracle';

const fixturePath = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'ct', 'dump.json');
const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8')) as { replies: string[]; conntrackXml: { ipv4: string; ipv6: string } };

function parsedEntries(): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const hex of fixture.replies)
    for (const m of native.parse(K.NETLINK_NETFILTER, Buffer.from(hex, 'hex')))
      if (m.type === 'IPCTNL_MSG_CT_NEW') out.push(m.object as unknown as ConntrackEntry);
  return out;
}

describe('ctnetlink codec', () => {
  it('asks for a dump exactly as `conntrack -L -f ipv4` does (strace), with our sequence number', () => {
    // nlmsghdr {len 20, type NFNL_SUBSYS_CTNETLINK<<8|IPCTNL_MSG_CT_GET, flags NLM_F_REQUEST|NLM_F_DUMP, seq 1, pid 0}
    // nfgenmsg {AF_INET, NFNETLINK_V0, res_id 0}
    const expected = Buffer.from('14000000' + '0101' + '0103' + '01000000' + '00000000' + '02' + '00' + '0000', 'hex');
    assert.deepStrictEqual(native.encode(K.NETLINK_NETFILTER, [{ op: 'ct.dump', args: { family: K.AF_INET } }], false), expected);
    const both = native.encode(K.NETLINK_NETFILTER, [{ op: 'ct.dump', args: {} }], false);
    assert.strictEqual(both[16], K.AF_UNSPEC);
  });

  it('asks for the table counters as `conntrack -C` does, with an ack', () => {
    // conntrack -C: type NFNL_SUBSYS_CTNETLINK<<8|IPCTNL_MSG_CT_GET_STATS, NLM_F_REQUEST; we add NLM_F_ACK.
    const expected = Buffer.from('14000000' + '0501' + '0500' + '01000000' + '00000000' + '00' + '00' + '0000', 'hex');
    assert.deepStrictEqual(native.encode(K.NETLINK_NETFILTER, [{ op: 'ct.stats' }], false), expected);
  });

  it('refuses a family other than AF_INET and AF_INET6', () => {
    assert.throws(() => native.encode(K.NETLINK_NETFILTER, [{ op: 'ct.dump', args: { family: K.AF_BRIDGE } }], false), /family/);
  });

  it('parses a real dump as conntrack -L -o xml shows the same table', () => {
    const entries = parsedEntries();
    const flows = [...parseConntrackXml(fixture.conntrackXml.ipv4), ...parseConntrackXml(fixture.conntrackXml.ipv6)];
    assert.ok(entries.length >= 3, `${entries.length} entries in the fixture`);
    assert.strictEqual(entries.length, flows.length);
    for (const e of entries) {
      const f = flows.find((x) => x.id === e.id);
      assert.ok(f, `conntrack shows no flow with id ${e.id}`);
      assert.strictEqual(e.family, f.family);
      assert.strictEqual(e.protocol, f.protocol);
      for (const dir of ['original', 'reply'] as const) {
        assert.strictEqual(e[dir].src, f[dir].src);
        assert.strictEqual(e[dir].dst, f[dir].dst);
        assert.strictEqual(e[dir].sport, f[dir].sport);
        assert.strictEqual(e[dir].dport, f[dir].dport);
      }
      assert.strictEqual(e.state, f.state);
      assert.strictEqual(e.mark, f.mark);
      assert.strictEqual(e.flags.includes('ASSURED'), f.assured);
      assert.strictEqual(!e.flags.includes('SEEN_REPLY'), f.unreplied);
      assert.deepStrictEqual(e.counters, f.counters);
    }
    // What the capture made: TCP over v4 and v6 with 3000 bytes each way, and one unanswered UDP datagram marked 7.
    const tcp4 = entries.find((e) => e.family === 'ipv4' && e.protocol === 'tcp')!;
    assert.strictEqual(tcp4.state, 'ESTABLISHED');
    assert.ok(tcp4.counters!.original!.bytes >= 3000);
    assert.ok(entries.some((e) => e.family === 'ipv6' && e.protocol === 'tcp' && e.original.src === '::1'));
    const udp = entries.find((e) => e.protocol === 'udp')!;
    assert.strictEqual(udp.original.dport, 5353);
    assert.strictEqual(udp.mark, 7);
    assert.ok(!udp.flags.includes('SEEN_REPLY'));
    assert.ok(entries.every(isOpenConnection));
  });

  it('names every message type it registers', () => {
    const names = native.requestNames();
    assert.ok(names.includes('ct.dump') && names.includes('ct.stats'));
  });
});
