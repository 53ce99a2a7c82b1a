// Real TCP between two namespaces across a bridge in a third, all set up
// through the API: a node server in one, a node client in the other.
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import { Netlink } from '../../src/netlink/handle';
import { freshNetns, inNetns, requireSandbox } from '../helpers/sandbox';

describe('traffic across a bridge', function () {
  before(function () { requireSandbox(this); });

  it('carries a TCP exchange between two namespaces', async () => {
    const hub = await freshNetns('hub');
    const a = await freshNetns('ta');
    const b = await freshNetns('tb');
    let server: ReturnType<typeof spawn> | undefined;
    try {
      await hub.nl.linkAdd({ name: 'br0', kind: 'bridge' });
      await hub.nl.linkSet('br0', { up: true });
      for (const [side, addr] of [[a, '172.30.0.2/24'], [b, '172.30.0.3/24']] as const) {
        const host = `veth-${side.ns.name!.slice(0, 2)}${side === a ? 'a' : 'b'}`;
        await hub.nl.linkAdd({ name: host, kind: 'veth', peer: { name: 'eth0', netns: side.ns } });
        await hub.nl.linkSet(host, { master: 'br0', up: true });
        const inside: Netlink = side.nl;
        await inside.addrAdd('eth0', addr);
        await inside.linkSet('lo', { up: true });
        await inside.linkSet('eth0', { up: true });
      }
      const serverJs = `require('net').createServer((s) => s.on('data', (d) => { s.end('echo:' + d); })).listen(7777, '172.30.0.2', () => console.log('listening'));`;
      server = spawn('ip', ['netns', 'exec', a.ns.name!, process.execPath, '-e', serverJs], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('server did not start')), 10000);
        server!.stdout!.on('data', (d) => { if (String(d).includes('listening')) { clearTimeout(t); resolve(); } });
      });
      const clientJs = `const s = require('net').connect(7777, '172.30.0.2', () => s.write('hello from b')); let got = ''; s.on('data', (d) => got += d); s.on('end', () => { console.log(got); }); s.on('error', (e) => { console.error(e.message); process.exit(2); });`;
      const r = inNetns(b.ns, process.execPath, '-e', clientJs);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'echo:hello from b');
      // the bridge carried it: its ports counted packets both ways (64-bit stats)
      const ports = await hub.nl.linkList({ master: 'br0' });
      assert.equal(ports.length, 2);
      for (const p of ports) assert.ok(p.stats!.rxPackets > 0 && p.stats!.txPackets > 0, `${p.name} moved packets`);
    } finally {
      server?.kill('SIGKILL');
      await a.dispose();
      await b.dispose();
      await hub.dispose();
    }
  });
});
