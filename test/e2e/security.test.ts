// Attack paths that do not need published ports: no user value reaches a
// shell; state files are 0600 under a 0700 folder; a non-root user is refused
// and changes nothing; a sandbox on one network cannot reach another network.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { requireSandbox } from '../helpers/sandbox';
import { CLI, ipj, np, npOk, sandboxRecord, sh, snapshot, TCP_CLIENT, TCP_SERVER } from '../helpers/cli';

const ROOT = path.join(__dirname, '..', '..', '..');

function sourceFiles(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full, exts));
    else if (exts.some((e) => entry.name.endsWith(e))) out.push(full);
  }
  return out;
}

/** What in a TypeScript source would start a shell. */
function shellUseInTs(text: string): string[] {
  const found: string[] = [];
  // exec/execSync always run through /bin/sh; spawn/execFile with `shell` do too.
  if (/\bimport\s*\{[^}]*\b(exec|execSync)\b[^}]*\}\s*from\s*'child_process'/.test(text)) found.push('imports exec/execSync');
  if (/\b(child_process|cp)\.(exec|execSync)\(/.test(text)) found.push('calls exec/execSync');
  if (/\bshell\s*:\s*(true|['"`])/.test(text)) found.push('passes a shell option');
  if (/\b(spawn|spawnSync|execFile|execFileSync)\(\s*['"`](\/bin\/|\/usr\/bin\/)?(sh|bash|dash|zsh)['"`]/.test(text)) found.push('runs a shell');
  return found;
}

/** What in a C or C++ source would start a shell. */
function shellUseInC(text: string): string[] {
  return /\b(system|popen)\s*\(|"\/bin\/sh"|\bexecl\s*\(/.test(text) ? ['system/popen/sh'] : [];
}

describe('security: no user value reaches a shell', function () {
  it('the scan finds each way of starting a shell', () => {
    assert.ok(shellUseInTs("import { exec } from 'child_process';").length);
    assert.ok(shellUseInTs('child_process.execSync(`ip link del ${name}`)').length);
    assert.ok(shellUseInTs("spawn('ip', args, { shell: true })").length);
    assert.ok(shellUseInTs("spawnSync('/bin/sh', ['-c', cmd])").length);
    assert.ok(shellUseInC('popen(cmd, "r");').length);
    assert.ok(shellUseInC('system(buf);').length);
    assert.deepStrictEqual(shellUseInTs("execFile('ip', ['link', 'del', name])"), []);
  });

  it('the product (src/, bindings/, native/) never starts a shell: child processes take argument arrays', () => {
    const ts = sourceFiles(path.join(ROOT, 'src'), ['.ts']).concat(sourceFiles(path.join(ROOT, 'bindings'), ['.ts']));
    assert.ok(ts.length > 50, 'the sources were not found');
    const offences: string[] = [];
    for (const file of ts) for (const o of shellUseInTs(fs.readFileSync(file, 'utf8'))) offences.push(`${path.relative(ROOT, file)}: ${o}`);
    for (const file of sourceFiles(path.join(ROOT, 'native'), ['.c', '.cc', '.h']))
      for (const o of shellUseInC(fs.readFileSync(file, 'utf8'))) offences.push(`${path.relative(ROOT, file)}: ${o}`);
    assert.deepStrictEqual(offences, []);
  });

  describe('at run time', function () {
    before(function () { requireSandbox(this); });

    it('a command line with shell syntax runs as one program name, not through a shell', () => {
      const marker = path.join(os.tmpdir(), `netplumb-pwned-${process.pid}`);
      const r = np(['run', '--rm', '--name', 'shelly', '--net', 'none', '--', `true; touch ${marker}`]);
      assert.strictEqual(r.status, 127, r.stderr); // "not found", as docker run says for a missing program
      assert.ok(!fs.existsSync(marker), 'the shell syntax was run');
      const r2 = np(['run', '--rm', '--name', 'shelly', '--net', 'none', '--', 'sh', '-c', 'echo "$0"', `$(touch ${marker})`]);
      assert.strictEqual(r2.status, 0, r2.stderr);
      assert.strictEqual(r2.stdout.trim(), `$(touch ${marker})`, 'the argument was changed on its way');
      assert.ok(!fs.existsSync(marker));
    });
  });
});

describe('security: state files are 0600 under a 0700 folder', function () {
  let dir = '';
  before(function () {
    requireSandbox(this);
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'np-modes-')), 'state');
  });
  after(() => {
    if (!dir) return;
    const env = { NETPLUMB_STATE_DIR: dir };
    np(['rm', '-f', 'modes1'], env);
    np(['network', 'rm', 'modesnet'], env);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('a new state folder and everything in it, and the runtime markers and logs', () => {
    const env = { NETPLUMB_STATE_DIR: dir };
    const ok = (args: string[]) => { const r = np(args, env); assert.strictEqual(r.status, 0, r.stderr); };
    ok(['network', 'create', '--subnet', '10.95.0.0/24', 'modesnet']);
    ok(['run', '-d', '--name', 'modes1', '--net', 'modesnet', '--', 'sleep', '60']);
    assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
    const files = fs.readdirSync(dir);
    assert.ok(files.includes('netplumb.db') && files.includes('events.jsonl'), files.join(' '));
    // Folders in it (the CLI's code cache) 0700, files 0600.
    const walk = (d: string): void => {
      for (const f of fs.readdirSync(d)) {
        const st = fs.statSync(path.join(d, f));
        const want = st.isDirectory() ? 0o700 : 0o600;
        assert.strictEqual(st.mode & 0o777, want, `${path.join(d, f)} is ${(st.mode & 0o777).toString(8)}`);
        if (st.isDirectory()) walk(path.join(d, f));
      }
    };
    walk(dir);
    assert.strictEqual(fs.statSync('/run/netplumb/sandboxes').mode & 0o077, 0);
    for (const f of ['modes1', 'modes1.log']) assert.strictEqual(fs.statSync(`/run/netplumb/sandboxes/${f}`).mode & 0o777, 0o600, f);
  });

  it('an older, world-readable database is tightened when opened', () => {
    const db = path.join(dir, 'netplumb.db');
    fs.chmodSync(db, 0o644);
    npOk('ps'); // another state folder: must not touch this one
    assert.strictEqual(fs.statSync(db).mode & 0o777, 0o644);
    const r = np(['ps'], { NETPLUMB_STATE_DIR: dir });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(fs.statSync(db).mode & 0o777, 0o600);
  });
});

describe('security: a non-root user is refused and changes nothing', function () {
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.96.0.0/24', 'rootonly');
    npOk('create', '--name', 'rootbox', '--net', 'rootonly');
  });
  after(() => {
    np(['rm', '-f', 'rootbox', 'nobodybox']);
    np(['network', 'rm', 'rootonly', 'nobodynet']);
  });

  const asNobody = (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', process.execPath, CLI, ...args], { encoding: 'utf8', env });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  for (const args of [['network', 'create', 'nobodynet'], ['create', '--name', 'nobodybox'], ['rm', '-f', 'rootbox'], ['network', 'rm', 'rootonly'], ['network', 'disconnect', 'rootonly', 'rootbox'], ['gc'], ['ps'], ['network', 'ls']]) {
    it(`netplumb ${args.join(' ')}`, () => {
      const before = snapshot();
      const r = asNobody(args);
      assert.strictEqual(r.status, 1, r.stderr);
      assert.match(r.stderr, /^netplumb: this needs CAP_NET_ADMIN and CAP_SYS_ADMIN \(run it as root\)[^\n]*\n$/);
      assert.strictEqual(r.stdout, '');
      assert.strictEqual(snapshot(), before);
    });
  }

  it('does not even make a missing state folder', () => {
    const missing = path.join(os.tmpdir(), `np-never-${process.pid}`);
    const r = asNobody(['network', 'ls'], { ...process.env, NETPLUMB_STATE_DIR: missing });
    assert.strictEqual(r.status, 1);
    assert.ok(!fs.existsSync(missing));
  });
});

describe('security: a sandbox on one network cannot reach another network', function () {
  this.timeout(120000); // three sandboxes made and removed, one probe left to time out
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.97.0.0/24', 'isoa');
    npOk('network', 'create', '--subnet', '10.98.0.0/24', 'isob');
    // Isolation between networks is the firewall's: without it the host routes between bridges, as Linux does.
    assert.strictEqual(sh('nft', 'list', 'table', 'inet', 'netplumb').status, 0, 'network create made no firewall table');
  });
  after(() => {
    np(['rm', '-f', 'isoserver', 'isoclient', 'isopeer']);
    np(['network', 'rm', 'isoa', 'isob']);
  });

  it('TCP from isoa to a server on isob fails; from isob it works (the server is up)', () => {
    npOk('run', '-d', '--name', 'isoserver', '--net', 'isob', '--', process.execPath, '-e', TCP_SERVER(7070));
    const server = sandboxRecord('isoserver').endpoints[0].address;
    const same = np(['run', '--rm', '--name', 'isopeer', '--net', 'isob', '--', process.execPath, '-e', TCP_CLIENT(server, 7070)]);
    assert.strictEqual(same.status, 0, same.stderr);
    assert.match(same.stdout, /hello from isoserver/);
    const r = np(['run', '--rm', '--name', 'isoclient', '--net', 'isoa', '--', process.execPath, '-e', TCP_CLIENT(server, 7070).replace('8000', '2000')]);
    assert.notStrictEqual(r.status, 0, `isoa reached isob: ${r.stdout}`);
  });
});

describe('security: a sandbox cannot send with another sandbox\'s address (anti-spoofing)', function () {
  this.timeout(60000);
  before(function () {
    requireSandbox(this);
    npOk('network', 'create', '--subnet', '10.81.0.0/24', 'spoofnet');
    npOk('run', '-d', '--name', 'spoofsink', '--net', 'spoofnet', '--', process.execPath, '-e',
      "const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => console.log(r.address)); s.bind(9191);");
    npOk('create', '--name', 'spoofer', '--net', 'spoofnet');
    npOk('create', '--name', 'spoofvictim', '--net', 'spoofnet');
  });
  after(() => {
    np(['rm', '-f', 'spoofsink', 'spoofer', 'spoofvictim']);
    np(['network', 'rm', 'spoofnet']);
  });

  const sendFrom = (source: string, to: string) => np(['exec', 'spoofer', '--', process.execPath, '-e',
    `const s = require('dgram').createSocket('udp4'); s.bind(0, ${JSON.stringify(source)}, () => { let n = 3; const go = () => s.send('x', 9191, ${JSON.stringify(to)}, () => { if (--n) setTimeout(go, 50); else setTimeout(() => s.close(), 100); }); go(); });`]);

  it('datagrams from its own address arrive; from the victim\'s address (taken by hand inside the sandbox) they do not', () => {
    const sink = sandboxRecord('spoofsink').endpoints[0].address;
    const own = sandboxRecord('spoofer').endpoints[0].address;
    const victim = sandboxRecord('spoofvictim').endpoints[0].address;
    const sinkMac = (ipj<Array<{ address: string }>>('-n', 'spoofsink', 'link', 'show', 'dev', 'eth0'))[0].address;
    assert.strictEqual(sendFrom(own, sink).status, 0);
    // Inside the sandbox (root there, as a container's root): take the victim's address; the sink's MAC is known, so no ARP is needed.
    assert.strictEqual(sh('ip', '-n', 'spoofer', 'addr', 'add', `${victim}/32`, 'dev', 'eth0').status, 0);
    assert.strictEqual(sh('ip', '-n', 'spoofer', 'neigh', 'replace', sink, 'lladdr', sinkMac, 'dev', 'eth0', 'nud', 'permanent').status, 0);
    assert.strictEqual(sendFrom(victim, sink).status, 0);
    spawnSync('sleep', ['0.5']);
    const seen = fs.readFileSync('/run/netplumb/sandboxes/spoofsink.log', 'utf8').split('\n').filter(Boolean);
    assert.ok(seen.includes(own), `the sink saw ${JSON.stringify(seen)}`);
    assert.ok(!seen.includes(victim), `a datagram with the victim's address arrived: ${JSON.stringify(seen)}`);
  });
});
