// `netplumb demo`, the README's main-job command: it must run whole in its own
// scratch namespace and leave nothing in the namespace it was started from.
import * as assert from 'assert';
import { requireSandbox } from '../helpers/sandbox';
import { np, sh } from '../helpers/cli';

describe('e2e: netplumb demo', function () {
  before(function () { requireSandbox(this); });

  it('builds my_network, A serves and publishes its port, B calls A by name and through the published port, everything is removed', () => {
    const linksBefore = sh('ip', '-o', 'link', 'show').stdout;
    const netnsBefore = sh('ip', 'netns', 'list').stdout;
    const tablesBefore = sh('nft', 'list', 'tables').stdout;
    const r = np(['demo'], {}, 120000);
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /network my_network\s+subnet 192\.168\.0\.0\/24\s+ip-range 192\.168\.0\.128\/25\s+gateway 192\.168\.0\.1/);
    assert.match(r.stdout, /sandbox A\s+eth0 192\.168\.0\.1(2[89]|[3-9]\d)\/24/);
    assert.match(r.stdout, /A -> 200 Hello, B! \(from A\)/);
    assert.match(r.stdout, /A -> 200 \{"result":true\}/);
    // A's port is published: the host through 127.0.0.1 and B through the host's address reach it.
    assert.match(r.stdout, /\$ netplumb port A\n  80\/tcp -> 0\.0\.0\.0:8080\n/);
    assert.match(r.stdout, /host -> GET  http:\/\/127\.0\.0\.1:8080\/hello\?name=host\n  A -> 200 Hello, host! \(from A\)/);
    assert.match(r.stdout, /B -> GET  http:\/\/192\.168\.0\.1:8080\/hello\?name=B\n  A -> 200 Hello, B! \(from A\)/);
    assert.match(r.stdout, /removed: no netplumb link, namespace or nftables table is left/);
    assert.match(r.stdout, /demo finished: everything it made is gone/);
    assert.strictEqual(sh('ip', '-o', 'link', 'show').stdout, linksBefore);
    assert.strictEqual(sh('ip', 'netns', 'list').stdout, netnsBefore);
    assert.strictEqual(sh('nft', 'list', 'tables').stdout, tablesBefore);
  });
});
