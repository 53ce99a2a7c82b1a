// `netplumb watch`: what is removed by hand comes back by itself, without
// anyone running gc: a deleted bridge (with its address, its ports and the
// traffic through them), netplumb's deleted nf_tables table, a deleted veth.
// Judged by ip -j, nft -j, the independent consistency checker and real
// traffic; the watch ends cleanly on SIGTERM.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import { requireSandbox } from '../helpers/sandbox';
import { CLI, ipj, np, npOk, networkRecord, sandboxRecord, sh, TCP_CLIENT, TCP_SERVER } from '../helpers/cli';
import { checkConsistency } from '../helpers/consistency';
import { waitFor } from '../helpers/wait';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What the watch repairs, within the time a loaded machine needs. */
const eventually = (what: string, check: () => boolean) => waitFor(what, check, 15000);

function reachable(from: string, to: string): boolean {
  const address = sandboxRecord(to).endpoints[0].address;
  const r = np(['exec', from, '--', process.execPath, '-e', TCP_CLIENT(address, 7272)]);
  return r.status === 0 && r.stdout.includes(`hello from ${to}`);
}

/** The table's chains and sets by name, without handles: what a restore must bring back. */
function tableShape(): string | undefined {
  const r = sh('nft', '-j', 'list', 'table', 'inet', 'netplumb');
  if (r.status !== 0) return undefined;
  const items = (JSON.parse(r.stdout).nftables as Array<Record<string, { name?: string }>>)
    .flatMap((o) => Object.entries(o).filter(([k]) => k === 'chain' || k === 'set' || k === 'map').map(([k, v]) => `${k} ${v.name}`));
  return items.sort().join(', ');
}

describe('e2e: netplumb watch repairs at once', function () {
  this.timeout(120000);
  let watch: ChildProcess | undefined;
  let output = '';
  let net: ReturnType<typeof networkRecord>;

  before(async function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.87.0.0/24', 'watched');
    net = networkRecord('watched');
    npOk('run', '-d', '--name', 'wserver', '--net', 'watched', '-p', '18087:7272', '--', process.execPath, '-e', TCP_SERVER(7272));
    npOk('create', '--name', 'wclient', '--net', 'watched');
    await eventually('the server to answer', () => reachable('wclient', 'wserver'));
    watch = spawn(process.execPath, [CLI, 'watch', '--settle', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    watch.stdout!.on('data', (d) => { output += String(d); });
    watch.stderr!.on('data', (d) => { output += String(d); });
    await sleep(1500); // its first pass and its subscriptions
  });
  after(() => {
    watch?.kill('SIGKILL');
    np(['rm', '-f', 'wserver', 'wclient']);
    np(['network', 'rm', 'watched']);
  });

  it('a deleted bridge is back with its address and ports, and traffic flows, with no gc run', async () => {
    sh('ip', 'link', 'del', net.device);
    await eventually('the bridge to come back with its gateway address', () => {
      const r = sh('ip', '-j', 'addr', 'show', 'dev', net.device);
      if (r.status !== 0) return false; // not there yet
      const links = JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
      return links.length === 1 && links[0].addr_info.some((a) => a.local === '10.87.0.1' && a.prefixlen === 24);
    });
    await eventually('both ports to be on the bridge again', () =>
      ipj<Array<{ ifname: string }>>('link', 'show', 'master', net.device).length === 2);
    await eventually('the consistency checker to find nothing', () => checkConsistency().length === 0);
    assert.ok(reachable('wclient', 'wserver'), 'no traffic after the repair');
    await eventually('the watch to say what it did', () => new RegExp(`re-created bridge ${net.device} of network watched`).test(output));
  });

  it('netplumb\'s deleted nf_tables table is back, chains, sets and the published port', async () => {
    const before = tableShape();
    assert.ok(before, 'no table to delete');
    assert.strictEqual(sh('nft', 'delete', 'table', 'inet', 'netplumb').status, 0);
    await eventually('the table to come back whole', () => tableShape() === before);
    await eventually('the published port to be in its map again', () => sh('nft', 'list', 'table', 'inet', 'netplumb').stdout.includes('18087'));
    await eventually('the consistency checker to find nothing', () => checkConsistency().length === 0);
  });

  it('a deleted veth is made again (same address), with no gc run', async () => {
    const ep = sandboxRecord('wclient').endpoints[0];
    sh('ip', 'link', 'del', ep.hostIfname!);
    await eventually('the veth to come back', () => sh('ip', 'link', 'show', ep.hostIfname!).status === 0);
    await eventually('the address to be back inside', () => {
      const r = sh('ip', '-j', '-n', 'wclient', 'addr', 'show', 'dev', 'eth0');
      return r.status === 0 && (JSON.parse(r.stdout) as Array<{ addr_info: Array<{ local: string }> }>).some((l) => l.addr_info.some((a) => a.local === ep.address));
    });
    assert.ok(reachable('wclient', 'wserver'));
  });

  it('commands made meanwhile are left alone, and SIGTERM ends the watch with status 0', async () => {
    npOk('create', '--name', 'wthird', '--net', 'watched');
    npOk('rm', 'wthird');
    await sleep(500);
    assert.deepStrictEqual(checkConsistency(), []);
    assert.doesNotMatch(output, /wthird/, 'the watch acted on a sandbox a command was making or removing');
    assert.doesNotMatch(output, /warning/);
    const exited = new Promise<number | null>((resolve) => watch!.once('exit', (code) => resolve(code)));
    watch!.kill('SIGTERM');
    assert.strictEqual(await exited, 0, output);
    watch = undefined;
  });
});
