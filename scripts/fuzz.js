#!/usr/bin/env node
'use strict';
// `npm run fuzz`: builds the libFuzzer targets in native/fuzz/ with clang
// (-fsanitize=fuzzer,address,undefined) into build/fuzz/ and runs each for a
// bounded time, starting from its committed corpus native/fuzz/corpus/TARGET/
// (seeds from test/fixtures/ and every input that once crashed it). New
// inputs go to build/fuzz/work/TARGET/; a crash leaves its input in
// build/fuzz/artifacts/ and fails the run.
//   node scripts/fuzz.js [--seconds N] [--parallel] [--build-only] [TARGET ...]
//   node scripts/fuzz.js --seed     (re)writes the fixture seeds into the corpus
// NETPLUMB_FUZZ_SECONDS sets the default time per target (60); CXX_FUZZ the compiler.
const { spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { listSources } = require('./native-sources');

const root = path.join(__dirname, '..');
const fuzzDir = path.join(root, 'native', 'fuzz');
const outDir = path.join(root, 'build', 'fuzz');
const corpusDir = path.join(fuzzDir, 'corpus');

/** The clang++ to use, or null when there is none. */
function findClang() {
  for (const cxx of [process.env.CXX_FUZZ, 'clang++-14', 'clang++'].filter(Boolean)) {
    const r = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && /clang/.test(r.stdout)) return cxx;
  }
  return null;
}

/** Names of the fuzz targets: native/fuzz/NAME_fuzzer.cc. */
function targets() {
  return fs.readdirSync(fuzzDir).filter((f) => f.endsWith('_fuzzer.cc')).map((f) => f.slice(0, -'_fuzzer.cc'.length)).sort();
}

const SANITIZE = '-fsanitize=address,undefined';
const CXXFLAGS = ['-std=c++20', '-g', '-O1', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all',
  '-Wall', '-Wextra', '-Wno-missing-field-initializers', '-Wno-unused-parameter', `-I${path.join(root, 'native')}`];

/** True when out is missing or older than any file its .d dependency list names. */
function stale(out, dep) {
  if (!fs.existsSync(out) || !fs.existsSync(dep)) return true;
  const built = fs.statSync(out).mtimeMs;
  const files = fs.readFileSync(dep, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':').split(/\s+/).filter(Boolean);
  return files.some((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs > built);
}

function runQueue(jobs, parallel) {
  return new Promise((resolve) => {
    const failures = [];
    let next = 0;
    let running = 0;
    const start = () => {
      if (next === jobs.length && running === 0) return resolve(failures);
      while (running < parallel && next < jobs.length) {
        const job = jobs[next++];
        running++;
        const child = spawn(job.cmd, job.args, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => { stderr += d; });
        child.on('close', (code) => {
          running--;
          if (stderr) process.stderr.write(stderr);
          if (code !== 0) failures.push(`${job.what}: status ${code}`);
          start();
        });
      }
    };
    start();
  });
}

/** Compiles what changed and links the targets; returns their paths by name. */
async function build(cxx, names) {
  const jobs = [];
  const objects = [];
  const library = listSources().filter((f) => !/^native\/(napi\/|addon\.cc$|fuzz\/)/.test(f.split(path.sep).join('/')));
  const compile = (src, flags) => {
    const obj = path.join(outDir, 'obj', src.replace(/\.cc$/, '.o'));
    const dep = obj.replace(/\.o$/, '.d');
    fs.mkdirSync(path.dirname(obj), { recursive: true });
    if (stale(obj, dep)) jobs.push({ what: `compile ${src}`, cmd: cxx, args: [...CXXFLAGS, ...flags, '-MMD', '-MF', dep, '-c', src, '-o', obj] });
    return obj;
  };
  for (const src of library) objects.push(compile(src, [`${SANITIZE}`, '-fsanitize=fuzzer-no-link']));
  const mains = names.map((n) => compile(path.join('native', 'fuzz', `${n}_fuzzer.cc`), [SANITIZE, '-fsanitize=fuzzer-no-link']));
  const parallel = os.availableParallelism?.() ?? os.cpus().length;
  const failed = await runQueue(jobs, parallel);
  if (failed.length) throw new Error(`fuzz build failed:\n  ${failed.join('\n  ')}`);
  const binaries = {};
  const links = [];
  names.forEach((n, i) => {
    const bin = path.join(outDir, `${n}_fuzzer`);
    binaries[n] = bin;
    const inputs = [...objects, mains[i]];
    const newest = Math.max(...inputs.map((f) => fs.statSync(f).mtimeMs));
    if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < newest)
      links.push({ what: `link ${n}`, cmd: cxx, args: [SANITIZE, '-fsanitize=fuzzer', ...inputs, '-lpthread', '-o', bin] });
  });
  const linkFailed = await runQueue(links, parallel);
  if (linkFailed.length) throw new Error(`fuzz link failed:\n  ${linkFailed.join('\n  ')}`);
  return binaries;
}

/** The environment the fuzzers run in: none of a sanitized parent's settings (test:asan preloads gcc's runtime). */
function fuzzEnv() {
  const env = { ...process.env };
  delete env.LD_PRELOAD;
  env.ASAN_OPTIONS = 'detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1';
  env.UBSAN_OPTIONS = 'print_stacktrace=1:halt_on_error=1';
  return env;
}

/** Runs one target for `seconds`; resolves to {name, ok, log, artifacts}. */
function fuzzOne(name, bin, seconds) {
  const work = path.join(outDir, 'work', name);
  const artifacts = path.join(outDir, 'artifacts', name);
  const logFile = path.join(outDir, 'logs', `${name}.log`);
  for (const d of [work, artifacts, path.dirname(logFile)]) fs.mkdirSync(d, { recursive: true });
  const corpus = path.join(corpusDir, name);
  fs.mkdirSync(corpus, { recursive: true });
  const dict = path.join(fuzzDir, `${name}.dict`);
  const args = [`-max_total_time=${seconds}`, '-timeout=10', '-rss_limit_mb=2048', '-max_len=65536', '-print_final_stats=1',
    `-artifact_prefix=${artifacts}${path.sep}`, ...(fs.existsSync(dict) ? [`-dict=${dict}`] : []), work, corpus];
  return new Promise((resolve) => {
    const log = fs.openSync(logFile, 'w');
    const child = spawn(bin, args, { cwd: root, env: fuzzEnv(), stdio: ['ignore', log, log] });
    child.on('close', (code, signal) => {
      fs.closeSync(log);
      const text = fs.readFileSync(logFile, 'utf8');
      const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(text)?.[1];
      const found = fs.readdirSync(artifacts).map((f) => path.join(artifacts, f));
      resolve({ name, ok: code === 0 && found.length === 0, code, signal, runs: runs ? Number(runs) : undefined, log: logFile, text, artifacts: found });
    });
  });
}

async function fuzz(options = {}) {
  const seconds = options.seconds ?? Number(process.env.NETPLUMB_FUZZ_SECONDS || 60);
  const names = options.targets?.length ? options.targets : targets();
  const cxx = findClang();
  if (!cxx) throw new Error('clang++ not found (Debian: clang-14 and libclang-rt-14-dev; scripts/install-test-deps.sh installs them)');
  const t0 = Date.now();
  const binaries = await build(cxx, names);
  const buildSeconds = (Date.now() - t0) / 1000;
  if (options.buildOnly) return { buildSeconds, results: [] };
  const t1 = Date.now();
  let results = [];
  if (options.parallel) {
    results = await Promise.all(names.map((n) => fuzzOne(n, binaries[n], seconds)));
  } else {
    for (const n of names) results.push(await fuzzOne(n, binaries[n], seconds));
  }
  return { buildSeconds, fuzzSeconds: (Date.now() - t1) / 1000, results };
}

/** Writes the captured fixture messages into every target's corpus (named by content, as libFuzzer names inputs). */
function seed() {
  const inputs = [];
  const hex = (h) => Buffer.from(h, 'hex');
  const fixtures = path.join(root, 'test', 'fixtures');
  for (const sub of ['rtnl/replies', 'rtnl/requests', 'nft']) {
    const dir = path.join(fixtures, sub);
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      const fixture = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      const messages = [];
      if (typeof fixture.reply === 'string') messages.push(hex(fixture.reply));
      if (Array.isArray(fixture.messages)) messages.push(...fixture.messages.filter((m) => typeof m === 'string').map(hex));
      inputs.push(...messages);
      if (messages.length > 1) inputs.push(Buffer.concat(messages));
    }
  }
  // Control messages no fixture holds: an error with the kernel's extended
  // ack (message text, offending offset), a plain ack, and a dump's end.
  const attr = (type, payload) => {
    const out = Buffer.alloc((4 + payload.length + 3) & ~3);
    out.writeUInt16LE(4 + payload.length, 0);
    out.writeUInt16LE(type, 2);
    payload.copy(out, 4);
    return out;
  };
  const control = (type, flags, body) => {
    const out = Buffer.alloc(16 + body.length);
    out.writeUInt32LE(out.length, 0);
    out.writeUInt16LE(type, 4);
    out.writeUInt16LE(flags, 6);
    out.writeUInt32LE(1, 8);
    body.copy(out, 16);
    return out;
  };
  const status = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const request = control(16, 0x5, Buffer.alloc(16)).subarray(0, 16);
  const NLM_F_ACK_TLVS = 0x200;
  inputs.push(
    control(2, NLM_F_ACK_TLVS, Buffer.concat([status(-22), request, attr(1, Buffer.from('Unknown device type\0')), attr(2, status(32))])),
    control(2, 0x100, Buffer.concat([status(0), request])),
    control(3, 0x2, status(0)),
    control(3, 0x2 | NLM_F_ACK_TLVS, Buffer.concat([status(-16), attr(1, Buffer.from('busy\0'))])),
  );
  let written = 0;
  for (const name of targets()) {
    const dir = path.join(corpusDir, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const input of inputs) {
      const file = path.join(dir, crypto.createHash('sha1').update(input).digest('hex'));
      if (!fs.existsSync(file)) {
        fs.writeFileSync(file, input);
        written++;
      }
    }
  }
  return written;
}

function report(results) {
  for (const r of results) {
    const runs = r.runs !== undefined ? `${r.runs} runs` : 'no stats';
    if (r.ok) {
      console.log(`fuzz ${r.name}: ok (${runs})`);
      continue;
    }
    console.log(`fuzz ${r.name}: FAILED (status ${r.code}${r.signal ? `, ${r.signal}` : ''}, ${runs}); log: ${r.log}`);
    const lines = r.text.split('\n');
    const at = lines.findIndex((l) => /ERROR: |runtime error|invariant broken|builder_fuzzer:|escaped a parser|deadly signal/.test(l));
    console.log(lines.slice(Math.max(0, at), Math.max(0, at) + 40).join('\n'));
    for (const a of r.artifacts)
      console.log(`  crashing input: ${a}\n  reproduce: build/fuzz/${r.name}_fuzzer ${a}\n  once fixed, keep it: cp ${a} native/fuzz/corpus/${r.name}/`);
  }
}

module.exports = { findClang, targets, fuzz, seed, report };

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv.includes('--seed')) {
    console.log(`fuzz: ${seed()} seed input(s) written to native/fuzz/corpus/`);
    process.exit(0);
  }
  const at = argv.indexOf('--seconds');
  const seconds = at >= 0 ? Number(argv[at + 1]) : undefined;
  if (seconds !== undefined && !(seconds > 0)) {
    console.error('fuzz: --seconds takes a positive number');
    process.exit(2);
  }
  const names = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--seconds');
  const unknown = names.filter((n) => !targets().includes(n));
  if (unknown.length) {
    console.error(`fuzz: unknown target(s) ${unknown.join(', ')}; targets: ${targets().join(', ')}`);
    process.exit(2);
  }
  fuzz({ seconds, targets: names, parallel: argv.includes('--parallel'), buildOnly: argv.includes('--build-only') }).then(
    ({ buildSeconds, fuzzSeconds, results }) => {
      console.log(`fuzz: built in ${buildSeconds.toFixed(1)} s${fuzzSeconds !== undefined ? `, fuzzed for ${fuzzSeconds.toFixed(1)} s` : ''}`);
      report(results);
      process.exit(results.every((r) => r.ok) ? 0 : 1);
    },
    (err) => {
      console.error(`fuzz: ${err.message}`);
      process.exit(1);
    },
  );
}
