// nf_tables through netplumb, checked with `nft -j list ruleset` as the
// oracle, in a fresh namespace per test (inside the isolated test namespace).
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Nftables } from '../../src/nft/nftables';
import { NftCommitError } from '../../src/nft/batch';
import { rule } from '../../src/nft/rule';
import { NetlinkError } from '../../src/errors';
import { freshNetns, requireSandbox } from '../helpers/sandbox';
import { jsonObjects, loadFixture, nftApply, nftJson } from '../helpers/nft';
import { FIXTURE_RULESETS } from '../helpers/nft-rulesets';
import type { NetNs } from '../../src/netns';

type Env = Awaited<ReturnType<typeof freshNetns>> & { nft: Nftables };

async function env(): Promise<Env> {
  const e = await freshNetns('nft');
  const nft = await Nftables.open({ netns: e.ns });
  return { ...e, nft, dispose: async () => { nft.close(); await e.dispose(); } };
}

describe('nf_tables (integration, nft -j as oracle)', function () {
  before(function () {
    requireSandbox(this);
  });

  let e: Env;
  beforeEach(async () => { e = await env(); });
  afterEach(async () => { await e?.dispose(); });

  for (const [name, build] of Object.entries(FIXTURE_RULESETS)) {
    it(`differential: ${name} via netplumb lists exactly as via nft -f`, async () => {
      await build(e.nft.batch()).commit();
      const ours = nftJson(e.ns);
      const other = await freshNetns('nftd');
      try {
        nftApply(other.ns, loadFixture(name).ruleset);
        assert.deepEqual(jsonObjects(ours), jsonObjects(nftJson(other.ns)));
      } finally {
        await other.dispose();
      }
    });
  }

  it('readers return what nft -j shows: tables, chains, rules (with handles and comments), sets, elements', async () => {
    const { ruleHandles } = await FIXTURE_RULESETS['dnat-map'](e.nft.batch()).commit();
    const objs = jsonObjects(nftJson(e.ns, '-a', 'list', 'ruleset'));
    const tables = await e.nft.listTables();
    assert.deepEqual(tables.map((t) => [t.family, t.name, t.owned, t.comment]), [['ip', 'np', true, 'netplumb']]);
    const chains = await e.nft.listChains({ family: 'ip', name: 'np' });
    const jChains = objs.filter((o) => o.chain).map((o) => o.chain);
    assert.deepEqual(chains.map((c) => [c.name, c.hook, c.priority, c.type, c.policy, c.handle]), jChains.map((c) => [c.name, c.hook, c.prio, c.type, c.policy, c.handle]));
    const rules = await e.nft.listRules({ family: 'ip', name: 'np' });
    const jRules = objs.filter((o) => o.rule).map((o) => o.rule);
    assert.deepEqual(rules.map((r) => [r.chain, r.handle, r.comment]), jRules.map((r) => [r.chain, r.handle, r.comment]));
    assert.deepEqual(ruleHandles, jRules.map((r) => r.handle), 'commit returns the handles of the rules it added');
    assert.deepEqual(rules[0].expressions.map((x) => x.expr), ['fib', 'cmp', 'meta', 'payload', 'lookup', 'nat']);
    const sets = await e.nft.listSets({ family: 'ip', name: 'np' });
    assert.deepEqual(sets.map((s) => [s.name, s.type, s.map]), [['ports', ['inet_proto', 'inet_service'], ['ipv4_addr', 'inet_service']]]);
    const elements = await e.nft.listElements({ family: 'ip', table: 'np', name: 'ports' });
    const jMap = objs.find((o) => o.map)!.map as { elem: Array<[{ concat: unknown[] }, { concat: unknown[] }]> };
    const fromNft = jMap.elem.map(([k, v]) => [k.concat, v.concat]);
    assert.deepEqual(elements.map((x) => [x.key, x.value]).sort(), fromNft.sort());
  });

  it('a DNAT map with 10,000 elements: all there, in one transaction of several messages', async () => {
    const elements = Array.from({ length: 10000 }, (_, i) => ({ key: ['tcp', 20000 + i], value: [`10.0.${(i >> 8) & 255}.${(i & 255) || 1}`, 80] }));
    await e.nft.batch()
      .addTable({ family: 'ip', name: 'np' })
      .addSet({ family: 'ip', table: 'np', name: 'ports', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'] })
      .addElements({ family: 'ip', table: 'np', name: 'ports' }, elements)
      .commit();
    const map = jsonObjects(nftJson(e.ns, 'list', 'map', 'ip', 'np', 'ports'))[0].map as { elem: Array<[{ concat: [string, number] }, { concat: [string, number] }]> };
    assert.equal(map.elem.length, 10000);
    const got = new Map(map.elem.map(([k, v]) => [k.concat[1], v.concat]));
    for (const i of [0, 1, 4999, 9999]) assert.deepEqual(got.get(20000 + i), elements[i].value);
    // Adding to the existing map later reads its shape from the kernel.
    await e.nft.batch().addElements({ family: 'ip', table: 'np', name: 'ports' }, [{ key: ['udp', 53], value: ['10.9.9.9', 5353] }]).commit();
    assert.equal((jsonObjects(nftJson(e.ns, 'list', 'map', 'ip', 'np', 'ports'))[0].map as { elem: unknown[] }).elem.length, 10001);
  });

  it('atomicity: one bad element in a batch changes nothing, and the error names it with the kernel text', async () => {
    await e.nft.batch()
      .addTable({ family: 'ip', name: 'np' })
      .addSet({ family: 'ip', table: 'np', name: 'ports', type: ['inet_proto', 'inet_service'], map: ['ipv4_addr', 'inet_service'], elements: [{ key: ['tcp', 80], value: ['10.0.0.2', 80] }] })
      .commit();
    const before = nftJson(e.ns);
    const batch = e.nft.batch()
      .addChain({ family: 'ip', table: 'np', name: 'pre', hook: 'prerouting', type: 'nat' })
      .addElements({ family: 'ip', table: 'np', name: 'ports' }, Array.from({ length: 100 }, (_, i) => ({ key: ['tcp', 1000 + i], value: ['10.0.0.3', 80] })))
      .addElements({ family: 'ip', table: 'np', name: 'ports' }, [{ key: ['tcp', 80], value: ['10.0.0.9', 80] }], { exclusive: true })
      .addRule({ family: 'ip', table: 'np', chain: 'pre' }, rule().tcpDport(1).accept());
    await assert.rejects(batch.commit(), (err: unknown) => {
      assert.ok(err instanceof NftCommitError, String(err));
      assert.equal(err.operation, 2);
      assert.equal(err.errors[0].code, 'EEXIST');
      assert.match(err.message, /operation 3 of 4 \(add elements to np\/ports\)/);
      assert.match(err.message, /nothing changed/);
      return true;
    });
    assert.deepEqual(nftJson(e.ns), before);
  });

  it('a rule that jumps to a missing chain: the kernel error names that rule, nothing changes', async () => {
    await e.nft.batch().addTable({ family: 'inet', name: 'f' }).commit();
    const before = nftJson(e.ns);
    await assert.rejects(
      e.nft.batch()
        .addChain({ family: 'inet', table: 'f', name: 'in', hook: 'input', type: 'filter' })
        .addRule({ family: 'inet', table: 'f', chain: 'in' }, rule().jump('nowhere'))
        .commit(),
      (err: unknown) => err instanceof NftCommitError && err.operation === 1 && err.errors[0].code === 'ENOENT' && err.errors[0].op === 'NFT_MSG_NEWRULE',
    );
    assert.deepEqual(nftJson(e.ns), before);
  });

  it('never touches a table it did not create', async () => {
    nftApply(e.ns, 'table ip foreign {\n chain c {\n  type filter hook input priority 0; policy accept;\n }\n}\ntable ip plain {\n comment "netplumbx"\n}\n');
    const before = nftJson(e.ns);
    await assert.rejects(e.nft.batch().addChain({ family: 'ip', table: 'foreign', name: 'x' }).commit(), /was not created by netplumb/);
    await assert.rejects(e.nft.batch().addTable({ family: 'ip', name: 'foreign' }).commit(), /was not created by netplumb/);
    await assert.rejects(e.nft.batch().deleteTable({ family: 'ip', name: 'plain' }).commit(), /was not created by netplumb/);
    await assert.rejects(e.nft.batch().flushChain({ family: 'ip', table: 'foreign', name: 'c' }).commit(), /was not created by netplumb/);
    assert.deepEqual(nftJson(e.ns), before);
    // Reading is fine, and says whose it is.
    assert.deepEqual((await e.nft.listTables()).map((t) => [t.name, t.owned]), [['foreign', false], ['plain', false]]);
  });

  it('bad input: one clear error before anything is sent, nothing changes', async () => {
    await FIXTURE_RULESETS.masquerade(e.nft.batch()).commit();
    const before = nftJson(e.ns);
    const t = { family: 'ip' as const, table: 'np', chain: 'post' };
    assert.throws(() => e.nft.batch().addRule(t, rule().ipSaddr('10.0.0.1/8').accept()), /host bits set/);
    assert.throws(() => e.nft.batch().addRule(t, rule().ipSaddr('300.0.0.1').accept()), RangeError);
    assert.throws(() => e.nft.batch().addRule(t, rule().iifname('a-name-far-too-long').accept()), RangeError);
    assert.throws(() => rule().accept().drop(), /nothing can follow its verdict/);
    assert.throws(() => e.nft.batch().addRule({ family: 'ip6', table: 'np', chain: 'post' }, rule().ipSaddr('10.0.0.0/8').accept()), /needs an ip or inet table/);
    assert.throws(() => e.nft.batch().addTable({ family: 'ipx' as 'ip', name: 'np' }), /family/);
    assert.throws(() => e.nft.batch().addTable({ family: 'ip', name: '' }), RangeError);
    assert.throws(() => e.nft.batch().addChain({ family: 'ip', table: 'np', name: 'c', hook: 'input' }), /needs a type/);
    assert.throws(() => e.nft.batch().addSet({ family: 'ip', table: 'np', name: 's', type: 'ipv4_addr', elements: [{ key: '10.0.0.0/8' }] }), /not an IPv4 address|is not/);
    assert.throws(() => e.nft.batch().addSet({ family: 'ip', table: 'np', name: 's', type: 'ipv4_addr', flags: ['interval'], elements: [{ key: '10.0.0.0/8' }, { key: '10.1.0.0/16' }] }), /overlap/);
    assert.throws(() => e.nft.batch().addSet({ family: 'ip', table: 'np', name: 'm', type: 'inet_service', map: 'ipv4_addr', elements: [{ key: 80 }] }), /needs a value/);
    await assert.rejects(e.nft.batch().addElements({ family: 'ip', table: 'np', name: 'missing' }, [{ key: 1 }]).commit(), (err: unknown) => err instanceof NetlinkError && err.code === 'ENOENT');
    assert.deepEqual(nftJson(e.ns), before);
  });

  it('a transaction the kernel refuses as a whole (no CAP_NET_ADMIN) fails every request at once, with no wait', async () => {
    // A child without capabilities sends a transaction straight through the addon.
    const script = `
      const { native, K } = require(${JSON.stringify(path.resolve(__dirname, '../../bindings'))});
      (async () => {
        const s = new native.NetlinkSocket();
        await s.open(K.NETLINK_NETFILTER, null);
        const t0 = Date.now();
        const r = await s.execute([{ op: 'nft.table.add', args: { family: 'ip', name: 'x' } }, { op: 'nft.chain.add', args: { family: 'ip', table: 'x', name: 'c' } }], true);
        console.log(JSON.stringify({ codes: r.map((e) => e.code), ops: r.map((e) => e.op), ms: Date.now() - t0 }));
      })().catch((e) => { console.log(JSON.stringify({ error: String(e) })); });`;
    const r = spawnSync('ip', ['netns', 'exec', e.ns.name!, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, '-e', script], { encoding: 'utf8', timeout: 20000 });
    const out = JSON.parse(r.stdout.trim() || '{}');
    assert.deepEqual(out.codes, ['EPERM', 'EPERM'], r.stdout + r.stderr);
    assert.deepEqual(out.ops, ['NFNL_MSG_BATCH_BEGIN', 'NFNL_MSG_BATCH_BEGIN']);
    assert.ok(out.ms < 5000, `took ${out.ms} ms`);
    assert.deepEqual(jsonObjects(nftJson(e.ns)), []);
  });

  it('deletes what it made: rule by handle, elements, set, chain, table', async () => {
    const { ruleHandles } = await FIXTURE_RULESETS['dnat-map'](e.nft.batch()).commit();
    await e.nft.batch().deleteRule({ family: 'ip', table: 'np', chain: 'pre', handle: ruleHandles[0] }).commit();
    assert.equal(jsonObjects(nftJson(e.ns)).filter((o) => o.rule).length, 1);
    await e.nft.batch().deleteElements({ family: 'ip', table: 'np', name: 'ports' }, [{ key: ['tcp', 8080] }]).commit();
    const map = jsonObjects(nftJson(e.ns)).find((o) => o.map)!.map as { elem: unknown[] };
    assert.equal(map.elem.length, 1);
    await e.nft.batch().flushChain({ family: 'ip', table: 'np', name: 'out' }).deleteSet({ family: 'ip', table: 'np', name: 'ports' }).deleteChain({ family: 'ip', table: 'np', name: 'out' }).commit();
    assert.deepEqual(jsonObjects(nftJson(e.ns)).map((o) => Object.keys(o)[0]), ['table', 'chain']);
    await e.nft.batch().deleteTable({ family: 'ip', name: 'np' }).commit();
    assert.deepEqual(jsonObjects(nftJson(e.ns)), []);
  });
});

export type { NetNs };
