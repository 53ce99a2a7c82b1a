// The macvlan driver end to end: children of a host parent, born inside the
// sandboxes, in bridge mode; traffic between them; nothing left after rm.
import * as assert from 'assert';
import { requireSandbox } from '../helpers/sandbox';
import { ipj, netnsList, np, npOk, sh, TCP_CLIENT, TCP_SERVER } from '../helpers/cli';

interface IpLink { ifname: string; address: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } }

describe('e2e: macvlan networks', function () {
  before(function () {
    requireSandbox(this);
    for (const args of [['link', 'add', 'mvp0', 'type', 'veth', 'peer', 'name', 'mvp1'], ['link', 'set', 'mvp0', 'up'], ['link', 'set', 'mvp1', 'up']])
      assert.strictEqual(sh('ip', ...args).status, 0);
  });
  after(function () {
    np(['rm', '-f', 'm1', 'm2']);
    np(['network', 'rm', 'mvnet']);
    sh('ip', 'link', 'del', 'mvp0');
  });

  it('refuses a parent that does not exist', () => {
    const r = np(['network', 'create', '-d', 'macvlan', '-o', 'parent=nope0', '--subnet', '10.80.0.0/24', 'mvnet']);
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /^netplumb: parent device nope0 does not exist on the host/);
  });

  it('puts each sandbox on the parent with a macvlan child in bridge mode; they talk', () => {
    npOk('network', 'create', '-d', 'macvlan', '-o', 'parent=mvp0', '--subnet', '10.80.0.0/24', '--gateway', '10.80.0.254', 'mvnet');
    npOk('create', '--name', 'm1', '--net', 'mvnet');
    npOk('create', '--name', 'm2', '--net', 'mvnet');
    const [eth0] = ipj<IpLink[]>('-n', 'm1', '-d', 'link', 'show', 'eth0');
    assert.strictEqual(eth0.linkinfo?.info_kind, 'macvlan');
    assert.strictEqual(eth0.linkinfo?.info_data?.mode, 'bridge');
    assert.strictEqual(eth0.address, '02:42:0a:50:00:01');
    const addrs = ipj<Array<{ addr_info: Array<{ family: string; local: string }> }>>('-n', 'm1', 'addr', 'show', 'dev', 'eth0')[0].addr_info.filter((a) => a.family === 'inet').map((a) => a.local);
    assert.deepStrictEqual(addrs, ['10.80.0.1']);
    assert.strictEqual(ipj<Array<{ dst: string; gateway?: string }>>('-n', 'm1', 'route', 'show').find((r) => r.dst === 'default')?.gateway, '10.80.0.254');
    // Nothing of it on the host side.
    assert.ok(!ipj<IpLink[]>('-d', 'link', 'show').some((l) => l.linkinfo?.info_kind === 'macvlan'));
    npOk('exec', '-d', 'm1', '--', process.execPath, '-e', TCP_SERVER(7100));
    assert.strictEqual(npOk('exec', 'm2', '--', process.execPath, '-e', TCP_CLIENT('m1', 7100)).trim(), 'hello from m1');
  });

  it('rm removes the sandboxes and their macvlan children; network rm leaves the parent', () => {
    npOk('rm', '-f', 'm1', 'm2');
    assert.ok(!netnsList().includes('m1') && !netnsList().includes('m2'));
    npOk('network', 'rm', 'mvnet');
    assert.strictEqual(sh('ip', 'link', 'show', 'mvp0').status, 0);
  });
});
