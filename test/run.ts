// The test command. As root it re-runs itself inside a throwaway network,
// mount and UTS namespace (private /run/netns, /run/netplumb, /etc/netns and
// state folder), so nothing a test does can reach the machine's own network;
// afterwards it checks that the root namespace is exactly as before. It ends
// with the line CI reads: "N passed, N failed, N skipped".
// The fuzz suite (the native fuzz targets for a bounded time) runs with the
// full set only.
//   node dist/test/run.js [--unit | --integration | --fuzz] [--grep PATTERN]   (--integration includes e2e, the CLI's tests)
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';
import { have, prepareThrowawayNamespace, runInThrowawayNamespace } from './helpers/isolation';

const args = process.argv.slice(2);
const onlyUnit = args.includes('--unit');
const onlyIntegration = args.includes('--integration');
const onlyFuzz = args.includes('--fuzz');
const grepAt = args.indexOf('--grep');
const grep = grepAt >= 0 ? args[grepAt + 1] : undefined;
const isRoot = process.getuid?.() === 0;
const distTest = __dirname;

function runIsolated(): never {
  const { status, rootChanged } = runInThrowawayNamespace(__filename, args, 'NETPLUMB_TEST_ISOLATED', 'The tests');
  if (rootChanged) console.log('0 passed, 1 failed, 0 skipped');
  process.exit(status);
}

/** Inside the throwaway namespace: private folders, lo up, a scratch state dir. */
function prepareSandbox(): void {
  process.env.NETPLUMB_STATE_DIR = prepareThrowawayNamespace('netplumb-test');
}

/**
 * A DNS server the tests started and left running (it leaves by itself only
 * when it serves no network) would keep the throwaway namespace alive after
 * the run: stop it, and count it as a failure. Returns 1 when one was left.
 */
function stopLeftDnsServer(): number {
  let pid: number;
  try {
    pid = Number(fs.readFileSync('/run/netplumb/dns.pid', 'utf8').trim());
    process.kill(pid, 0);
  } catch {
    return 0;
  }
  console.error(`\nThe tests left netplumb's DNS server running (pid ${pid}, serving networks whose sandboxes were not removed); stopped it.`);
  process.kill(pid, 'SIGTERM');
  return 1;
}

function testFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

function main(): void {
  if (isRoot && !process.env.NETPLUMB_TEST_ISOLATED && !onlyUnit && !onlyFuzz) {
    if (!have('unshare')) {
      console.log('integration tests skipped: `unshare` (util-linux) is missing, so they cannot be isolated');
    } else {
      runIsolated();
    }
  }
  if (process.env.NETPLUMB_TEST_ISOLATED) prepareSandbox();
  if (!isRoot && !onlyUnit && !onlyFuzz) console.log('integration tests skipped: they need root (CAP_NET_ADMIN, CAP_SYS_ADMIN); unit tests run');

  const mocha = new Mocha({ reporter: 'spec', timeout: 30000, grep });
  const suites = onlyIntegration ? ['integration', 'e2e'] : onlyUnit ? ['unit'] : onlyFuzz ? ['fuzz'] : ['unit', 'integration', 'e2e', 'fuzz'];
  for (const suite of suites) for (const file of testFiles(path.join(distTest, suite))) mocha.addFile(file);
  const runner = mocha.run(() => {
    const s = runner.stats!;
    const leaks = process.env.NETPLUMB_TEST_ISOLATED ? stopLeftDnsServer() : 0;
    console.log(`\n${s.passes} passed, ${s.failures + leaks} failed, ${s.pending} skipped`);
    process.exitCode = s.failures + leaks > 0 ? 1 : 0;
  });
}

main();
