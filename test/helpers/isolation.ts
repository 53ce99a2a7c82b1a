// The throwaway namespace the test command and the benchmarks run in. As
// root, a script re-runs itself inside a new network, mount and UTS
// namespace with private /run/netns, /run/netplumb and /etc/netns, so nothing
// it does can reach the machine's own network; afterwards the root namespace
// must look exactly as before.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Mount points the sandbox needs; those it has to create are removed again afterwards. */
export const SANDBOX_DIRS = ['/run/netns', '/run/netplumb', '/etc/netns'];

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** What the root namespace looks like: links, named namespaces, nf_tables tables. */
export function rootSnapshot(): string {
  const run = (cmd: string, a: string[]) => {
    const r = spawnSync(cmd, a, { encoding: 'utf8' });
    return r.status === 0 ? r.stdout : `(${cmd} failed)`;
  };
  const links = run('ip', ['-o', 'link', 'show']).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter(Boolean).sort().join(' ');
  const netns = run('ip', ['netns', 'list']).trim();
  const tables = have('nft') ? run('nft', ['list', 'tables']).trim() : '';
  return `links: ${links}\nnamespaces: ${netns || 'none'}\nnf_tables: ${tables || 'none'}`;
}

/**
 * Runs `script args` again inside the throwaway namespace (with envName=1 set)
 * and returns its exit status (1 when the root namespace changed) and whether it did.
 */
export function runInThrowawayNamespace(script: string, args: string[], envName: string, what: string): { status: number; rootChanged: boolean } {
  const before = rootSnapshot();
  const created = SANDBOX_DIRS.filter((dir) => !fs.existsSync(dir));
  const child = spawnSync('unshare', ['--net', '--mount', '--uts', '--propagation', 'private', '--', process.execPath, script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [envName]: '1' },
  });
  for (const dir of created) {
    try {
      fs.rmdirSync(dir); // empty on the real filesystem: the sandbox mounted a tmpfs over it
    } catch {
      // something else put files there meanwhile: leave it
    }
  }
  const after = rootSnapshot();
  if (after === before) return { status: child.status ?? 1, rootChanged: false };
  console.error(`\n${what} changed the root network namespace:\n--- before\n${before}\n--- after\n${after}`);
  return { status: 1, rootChanged: true };
}

/** Inside the throwaway namespace: private folders, lo up, the hostname; returns a fresh scratch folder. */
export function prepareThrowawayNamespace(hostname: string): string {
  for (const dir of SANDBOX_DIRS) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'none', dir]);
  }
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('hostname', [hostname]);
  return fs.mkdtempSync(path.join(os.tmpdir(), `${hostname}-`));
}
