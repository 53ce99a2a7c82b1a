#!/usr/bin/env node
'use strict';
// `npm run test:asan`: builds the addon with AddressSanitizer and
// UndefinedBehaviorSanitizer (binding.gyp's "Asan" configuration, into
// build/Asan/, apart from build/Release/) and runs the unit and integration
// suites against it. Node itself is not instrumented, so the sanitizer runtime
// is preloaded (it must come before every other library). Every report, from
// any process of the run, goes to a file; the run fails if there is one.
//   node scripts/test-asan.js [--no-build] [runner args: --unit | --integration | --grep P]
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const runnerArgs = args.filter((a) => a !== '--no-build');
const addon = path.join(root, 'build', 'Asan', 'netplumb.node');

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`test:asan: ${cmd} ${argv.join(' ')} failed (${r.error ? r.error.message : `status ${r.status}`})`);
    process.exit(1);
  }
}

// The runtime the build links against: g++'s own libasan, so versions match.
const libasan = execFileSync('g++', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
if (!path.isAbsolute(libasan) || !fs.existsSync(libasan)) {
  console.error(`test:asan: g++ has no AddressSanitizer runtime (libasan.so: ${libasan}); install libasan8 / g++`);
  process.exit(1);
}

if (build) {
  // Through npm, so that .npmrc applies (nodedir: the installed Node headers,
  // nothing downloaded); configuring picks up new source files.
  run('npm', ['exec', '--no', '--', 'node-gyp', 'configure']);
  run('make', ['-C', 'build', 'BUILDTYPE=Asan', `-j${os.availableParallelism?.() ?? os.cpus().length}`]);
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.']);
}
if (!fs.existsSync(addon)) {
  console.error(`test:asan: ${addon} is missing; run without --no-build`);
  process.exit(1);
}

const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'netplumb-asan-'));
const env = {
  // The fuzz suite has its own sanitizers (clang's) and already runs in `npm test`.
  NETPLUMB_FUZZ_SECONDS: '0',
  ...process.env,
  NETPLUMB_ADDON: addon,
  LD_PRELOAD: [libasan, process.env.LD_PRELOAD].filter(Boolean).join(' '),
  // Leak checking would report Node's own allocations at exit (Node is not
  // built for it); use-after-free, overflows and the rest stay fatal.
  ASAN_OPTIONS: [
    'detect_leaks=0',
    'halt_on_error=1',
    'abort_on_error=1',
    'detect_stack_use_after_return=1',
    'strict_string_checks=1',
    'check_initialization_order=1',
    // findings in the oracle programs (ip, nft ...), not in netplumb: see the file
    `suppressions=${path.join(__dirname, 'asan.supp')}`,
    `log_path=${path.join(reports, 'asan')}`,
    'log_exe_name=1',
  ].join(':'),
  UBSAN_OPTIONS: ['print_stacktrace=1', 'halt_on_error=1', `log_path=${path.join(reports, 'ubsan')}`, 'log_exe_name=1'].join(':'),
};
const tests = spawnSync(process.execPath, [path.join(root, 'dist', 'test', 'run.js'), ...runnerArgs], { cwd: root, stdio: 'inherit', env });

const found = fs.readdirSync(reports).map((f) => path.join(reports, f));
for (const file of found) {
  console.error(`\n===== sanitizer report ${path.basename(file)} =====`);
  console.error(fs.readFileSync(file, 'utf8'));
}
if (found.length === 0) fs.rmSync(reports, { recursive: true, force: true });
console.log(`test:asan: ${found.length} sanitizer report(s)${found.length ? ` (kept in ${reports})` : ''}`);
if (tests.signal) console.error(`test:asan: the test run was killed by ${tests.signal}`);
process.exit(found.length > 0 || tests.status !== 0 ? 1 : 0);
