// Where netplumb keeps things: the state database (persistent), runtime files
// (gone at reboot, as the kernel objects they describe), and the per-namespace
// files iproute2 uses (/etc/netns/NAME/hosts, resolv.conf).
import * as path from 'path';
import * as fs from 'fs';

/** The database folder: /var/lib/netplumb, or NETPLUMB_STATE_DIR. */
export function stateDir(): string {
  return process.env.NETPLUMB_STATE_DIR || '/var/lib/netplumb';
}

/** Runtime files: /run/netplumb (sandbox markers, UTS and mount namespace files, logs). */
export const RUN_DIR = '/run/netplumb';
/** UTS and mount namespace files of sandboxes; the folder is a private mount point. */
export const NS_DIR = path.join(RUN_DIR, 'ns');
/** One marker file per sandbox (content: its id): what gc uses to tell ours from others'. */
export const SANDBOX_MARKERS = path.join(RUN_DIR, 'sandboxes');
/** iproute2's per-namespace /etc files. */
export const ETC_NETNS = '/etc/netns';

export function utsFile(sandbox: string): string { return path.join(NS_DIR, `${sandbox}.uts`); }
export function mntFile(sandbox: string): string { return path.join(NS_DIR, `${sandbox}.mnt`); }
export function markerFile(sandbox: string): string { return path.join(SANDBOX_MARKERS, sandbox); }
export function logFile(sandbox: string): string { return path.join(SANDBOX_MARKERS, `${sandbox}.log`); }
export function etcDir(sandbox: string): string { return path.join(ETC_NETNS, sandbox); }

/** The helper executable built with the addon (native/helper/enter.c). */
export function helperPath(): string {
  const root = path.resolve(__dirname, '..', '..', '..');
  const candidates = [process.env.NETPLUMB_HELPER, path.join(root, 'build', 'Release', 'netplumb-enter'), path.join(root, 'build', 'Debug', 'netplumb-enter')];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error(`cannot find the netplumb-enter helper (run \`npm install\` to build it); looked in ${candidates.filter(Boolean).join(', ')}`);
}
