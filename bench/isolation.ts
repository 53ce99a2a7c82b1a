// The benchmark's sandbox, as the tests': as root it re-runs itself inside a
// throwaway network, mount and UTS namespace with private /run/netns,
// /run/netplumb and /etc/netns, and checks afterwards that the root namespace
// is exactly as before. Peers are installed before that (the package
// registries are reached through the root namespace; installing changes no
// network state).
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { have } from './proc';

export const ISOLATED_ENV = 'NETPLUMB_BENCH_ISOLATED';

export function isIsolated(): boolean {
  return process.env[ISOLATED_ENV] === '1';
}

/** Links, named namespaces and nf_tables tables of the namespace this runs in. */
function snapshot(): string {
  const run = (cmd: string, a: string[]) => {
    const r = spawnSync(cmd, a, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout : `(${cmd} failed)`;
  };
  const links = run('ip', ['-o', 'link', 'show']).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean).sort().join(' ');
  const netns = run('ip', ['netns', 'list']).trim();
  const tables = have('nft') ? run('nft', ['list', 'tables']).trim() : '';
  return `links: ${links}\nnamespaces: ${netns || 'none'}\nnf_tables: ${tables || 'none'}`;
}

/** Re-runs this script inside the throwaway namespace and exits with its status. */
export function runIsolated(script: string, args: string[]): never {
  const before = snapshot();
  const child = spawnSync('unshare', ['--net', '--mount', '--uts', '--propagation', 'private', '--', process.execPath, script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [ISOLATED_ENV]: '1' },
  });
  const after = snapshot();
  let status = child.status ?? 1;
  if (after !== before) {
    console.error(`\nThe benchmark changed the root network namespace:\n--- before\n${before}\n--- after\n${after}`);
    status = 1;
  }
  process.exit(status);
}

/** Inside the throwaway namespace: private folders, lo up, a scratch folder. */
export function prepareSandbox(): string {
  for (const dir of ['/run/netns', '/run/netplumb', '/etc/netns']) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'none', dir]);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'netplumb-bench-'));
  process.env.NETPLUMB_STATE_DIR = path.join(scratch, 'state');
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('hostname', ['netplumb-bench']);
  return scratch;
}
