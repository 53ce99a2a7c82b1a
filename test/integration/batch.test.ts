// Batches: many requests in one send, every ack checked; partial failure
// reported per request (with its index) while the rest applies; dumps and
// ordinary requests mixed in one send.
import { strict as assert } from 'assert';
import { BatchError, NetlinkError } from '../../src/errors';
import { freshNetns, ipJson, requireSandbox } from '../helpers/sandbox';
import { kernelState, linkExists } from '../helpers/kernel-state';

type Env = Awaited<ReturnType<typeof freshNetns>>;

describe('batches (oracle: ip -j)', function () {
  before(function () { requireSandbox(this); });
  let env: Env;
  beforeEach(async () => { env = await freshNetns('bt'); });
  afterEach(async () => { await env.dispose(); });

  it('sends many requests at once and every one takes effect', async () => {
    const batch = env.nl.batch();
    for (let i = 0; i < 300; i++) batch.linkAdd({ name: `b${i}`, kind: 'ifb' });
    assert.equal(batch.size, 300);
    await batch.commit();
    assert.equal(batch.size, 0);
    const names = new Set(ipJson(env.ns, 'link', 'show').map((l) => l.ifname));
    for (let i = 0; i < 300; i++) assert.ok(names.has(`b${i}`), `b${i}`);
  });

  it('reports each failed request with its index while the rest applies', async () => {
    await env.nl.linkAdd({ name: 'taken', kind: 'bridge' });
    const batch = env.nl.batch()
      .linkAdd({ name: 'ok0', kind: 'bridge' })
      .linkAdd({ name: 'taken', kind: 'bridge' })          // 1: EEXIST
      .linkAdd({ name: 'ok2', kind: 'bridge' })
      .linkSet('nosuchlink', { up: true })                  // 3: ENODEV, by the kernel
      .linkAdd({ name: 'ok4', kind: 'bridge' });
    const err = await batch.commit().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof BatchError, String(err));
    assert.deepEqual(err.errors.map((e) => [e.index, e.code, e.op]), [[1, 'EEXIST', 'RTM_NEWLINK'], [3, 'ENODEV', 'RTM_NEWLINK']]);
    assert.equal(err.completed, 3);
    assert.match(err.errors[0].message, /taken/);
    for (const name of ['ok0', 'ok2', 'ok4']) assert.ok(linkExists(env.ns, name), name);
  });

  it('lets a request use a link that an earlier request of the same batch creates', async () => {
    // The container setup shape: make the links, then address and enslave them, in one commit.
    const batch = env.nl.batch()
      .linkAdd({ name: 'br0', kind: 'bridge' })
      .linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'v1' } })
      .linkSet('v0', { master: 'br0', up: true })
      .addrAdd('br0', '10.9.0.1/24')
      .addrAdd('v1', '10.9.0.2/24')
      .linkSet('v1', { name: 'eth0' })
      .linkSet('eth0', { up: true })
      .routeAdd({ dst: '10.99.0.0/16', dev: 'eth0', gateway: '10.9.0.1' });
    await batch.commit();
    assert.equal(ipJson(env.ns, 'link', 'show', 'dev', 'v0')[0].master, 'br0');
    const addrs = ipJson<Array<{ ifname: string; addr_info: Array<{ local: string }> }>>(env.ns, '-4', 'addr', 'show');
    assert.deepEqual(addrs.find((l) => l.ifname === 'br0')!.addr_info.map((a) => a.local), ['10.9.0.1']);
    assert.deepEqual(addrs.find((l) => l.ifname === 'eth0')!.addr_info.map((a) => a.local), ['10.9.0.2']);
    assert.deepEqual(ipJson(env.ns, 'route', 'show', '10.99.0.0/16').map((r) => r.dev), ['eth0']);
  });

  it('a request naming a link that neither exists nor is made earlier fails the batch before anything is sent', async () => {
    const before = kernelState(env.ns);
    const batch = env.nl.batch()
      .linkAdd({ name: 'br0', kind: 'bridge' })
      .addrAdd('ghost0', '10.9.0.1/24');
    const err = await batch.commit().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof NetlinkError, String(err));
    assert.equal(err.code, 'ENODEV');
    assert.equal(err.index, 1);
    assert.match(err.message, /ghost0/);
    assert.equal(kernelState(env.ns), before);
  });

  it('later requests that name a link an earlier request failed to make fail with their index; the rest applies', async () => {
    await env.nl.linkAdd({ name: 'taken', kind: 'bridge' });
    const batch = env.nl.batch()
      .linkAdd({ name: 'v0', kind: 'veth', peer: { name: 'taken' } }) // 0: EEXIST, so v0 is never made
      .addrAdd('v0', '10.9.0.1/24')                                 // 1: v0 does not exist
      .linkAdd({ name: 'br1', kind: 'bridge' });
    const err = await batch.commit().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof BatchError, String(err));
    assert.deepEqual(err.errors.map((e) => [e.index, e.code]), [[0, 'EEXIST'], [1, 'ENODEV']]);
    assert.ok(linkExists(env.ns, 'br1'));
    assert.ok(!linkExists(env.ns, 'v0'));
  });

  it('runs several dumps and changes in one send, even when a dump spans many messages', async () => {
    const batch = env.nl.batch();
    for (let i = 0; i < 400; i++) batch.linkAdd({ name: `d${i}`, kind: 'ifb' });
    await batch.commit();
    const results = await env.nl.send([
      { op: 'link.dump', args: {} },
      { op: 'addr.dump', args: {} },
      { op: 'link.create', args: { name: 'extra', kind: 'bridge' } },
      { op: 'route.dump', args: {} },
      { op: 'link.dump', args: {} },
    ]);
    for (const r of results) assert.ok(!(r instanceof Error), String(r));
    const links = results[0] as Array<{ name: string }>;
    assert.equal(links.length, ipJson(env.ns, 'link', 'show').length - 1);
    assert.equal((results[4] as unknown[]).length, links.length + 1);
  });

  it('a dump that a concurrent change interrupts (NLM_F_DUMP_INTR) fails with its own retryable error', async function () {
    this.timeout(60000);
    const batch = env.nl.batch();
    for (let i = 0; i < 1000; i++) batch.linkAdd({ name: `x${i}`, kind: 'ifb' });
    await batch.commit();
    // A second handle keeps adding links while the first dumps them.
    const { Netlink } = await import('../../src/netlink/handle');
    const other = await Netlink.open({ netns: env.ns });
    let stop = false;
    let round = 0;
    const churn = (async () => {
      while (!stop) {
        const c = other.batch();
        for (let i = 0; i < 20; i++) c.linkAdd({ name: `c${round}-${i}`, kind: 'ifb' });
        await c.commit();
        round++;
      }
    })();
    let interrupted: NetlinkError | undefined;
    try {
      for (let attempt = 0; attempt < 20 && !interrupted; attempt++) {
        await env.nl.linkList().catch((err: unknown) => {
          if (err instanceof NetlinkError && err.interrupted) interrupted = err;
          else throw err;
        });
      }
    } finally {
      stop = true;
      await churn;
      other.close();
    }
    assert.ok(interrupted, 'a dump under constant change was interrupted at least once');
    assert.equal(interrupted.code, 'EINTR');
    assert.equal(interrupted.op, 'RTM_GETLINK');
    assert.match(interrupted.message, /interrupted.*retry/);
    // once the changes stop, the retry succeeds and agrees with ip
    const links = await env.nl.linkList();
    assert.equal(links.length, ipJson(env.ns, 'link', 'show').length);
  });
});
