// `netplumb demo`, the README's main-job command: it must run whole in its own
// scratch namespace and leave nothing in the namespace it was started from.
import * as assert from 'assert';
import { requireSandbox } from '../helpers/sandbox';
import { np, sh } from '../helpers/cli';

describe('e2e: netplumb demo', function () {
  before(function () { requireSandbox(this); });

  it('builds my_network, A serves, B calls A by name, everything is removed', () => {
    const linksBefore = sh('ip', '-o', 'link', 'show').stdout;
    const netnsBefore = sh('ip', 'netns', 'list').stdout;
    const r = np(['demo'], {}, 120000);
    assert.strictEqual(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /network my_network\s+subnet 192\.168\.0\.0\/24\s+ip-range 192\.168\.0\.128\/25\s+gateway 192\.168\.0\.1/);
    assert.match(r.stdout, /sandbox A\s+eth0 192\.168\.0\.1(2[89]|[3-9]\d)\/24/);
    assert.match(r.stdout, /A -> 200 Hello, B! \(from A\)/);
    assert.match(r.stdout, /A -> 200 \{"result":true\}/);
    assert.match(r.stdout, /demo finished: everything it made is gone/);
    assert.strictEqual(sh('ip', '-o', 'link', 'show').stdout, linksBefore);
    assert.strictEqual(sh('ip', 'netns', 'list').stdout, netnsBefore);
  });
});
