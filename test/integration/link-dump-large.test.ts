// A dump bigger than one receive (1,201 links): every link arrives once,
// checked against `ip -j link`. Guards the socket's receive buffer, which is
// allocated without being zero-filled (bench/README.md, "where time goes").
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freshNetns, ipJson, requireSandbox } from '../helpers/sandbox';

describe('link dump larger than one receive', function () {
  before(function () {
    requireSandbox(this);
  });

  it('lists the same 1,201 links as ip -j link', async function () {
    this.timeout(120000);
    const { ns, nl, dispose } = await freshNetns('dump');
    try {
      const batch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dump-')), 'links.batch');
      fs.writeFileSync(batch, Array.from({ length: 600 }, (_, i) => `link add d${i}a type veth peer name d${i}b\n`).join(''));
      execFileSync('ip', ['-n', ns.name!, '-batch', batch]);
      const ours = (await nl.linkList()).map((l) => `${l.index}:${l.name}`).sort();
      const theirs = ipJson<Array<{ ifindex: number; ifname: string }>>(ns, 'link', 'show').map((l) => `${l.ifindex}:${l.ifname}`).sort();
      assert.equal(ours.length, 1201);
      assert.deepEqual(ours, theirs);
    } finally {
      await dispose();
    }
  });
});
