// The peers a user would pick instead of netplumb: installed from Debian (and
// npm, into bench/peers/npm-netlink, never as a netplumb dependency) before
// the benchmark enters its sandbox, then found or skipped, with one line
// saying why, inside it.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { have } from './proc';

export const REPO = path.resolve(__dirname, '../..');
export const NPM_NETLINK_DIR = path.join(REPO, 'bench/peers/npm-netlink');
export const PYTHON = '/usr/bin/python3'; // Debian's, where python3-pyroute2 installs
export const CNI_DIR = '/usr/lib/cni';

interface DebianPeer {
  peer: string;
  packages: string[];
  present: () => boolean;
}

const debianPeers: DebianPeer[] = [
  { peer: 'iproute2 (ip)', packages: ['iproute2'], present: () => have('ip') },
  { peer: 'C compiler (for the floor)', packages: ['gcc', 'libc6-dev'], present: () => have('cc') },
  { peer: 'pyroute2', packages: ['python3-pyroute2'], present: pyroute2Present },
  { peer: 'CNI bridge + host-local', packages: ['containernetworking-plugins'], present: cniPresent },
];

function pyroute2Present(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pyroute2'], { stdio: 'ignore' }).status === 0;
}

function cniPresent(): boolean {
  return fs.existsSync(path.join(CNI_DIR, 'bridge')) && fs.existsSync(path.join(CNI_DIR, 'host-local'));
}

function npmNetlinkPresent(): boolean {
  return spawnSync(process.execPath, ['-e', "require('netlink')"], { cwd: NPM_NETLINK_DIR, stdio: 'ignore' }).status === 0;
}

function apt(args: string[]): boolean {
  const r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** Outside the sandbox, as root: installs what is missing. Prints one line per action. */
export function installPeers(): void {
  const missing = debianPeers.filter((p) => !p.present());
  if (missing.length > 0 && have('apt-get')) {
    const packages = missing.flatMap((p) => p.packages);
    console.log(`installing from Debian: ${packages.join(' ')}`);
    const args = ['install', '-y', '-q', '--no-install-recommends', ...packages];
    if (!apt(args)) {
      apt(['update', '-q']);
      if (!apt(args)) console.log('  apt-get install failed; the peers it would bring are skipped');
    }
  }
  if (!npmNetlinkPresent()) {
    console.log('installing the npm netlink package into bench/peers/npm-netlink');
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: NPM_NETLINK_DIR, encoding: 'utf8' });
    if (r.status !== 0) console.log(`  npm ci failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  }
}

export interface Availability {
  ip: boolean;
  cc: boolean;
  pyroute2: boolean;
  cni: boolean;
  npmNetlink: boolean;
  /** peer -> why it is not measured */
  skipped: Map<string, string>;
}

/** Inside the sandbox: which peers can run, and a reason for each that cannot. */
export function findPeers(): Availability {
  const skipped = new Map<string, string>();
  const a: Availability = {
    ip: have('ip'),
    cc: have('cc'),
    pyroute2: pyroute2Present(),
    cni: cniPresent(),
    npmNetlink: npmNetlinkPresent(),
    skipped,
  };
  if (!a.pyroute2) skipped.set('pyroute2', `${PYTHON} cannot import pyroute2 (Debian package python3-pyroute2 not installed)`);
  if (!a.cni) skipped.set('CNI bridge+host-local', `${CNI_DIR}/bridge or host-local missing (Debian package containernetworking-plugins not installed)`);
  if (!a.npmNetlink) skipped.set('npm netlink', `bench/peers/npm-netlink has no working 'netlink' package (npm ci there failed or was not run)`);
  else
    skipped.set('npm netlink (endpoints)',
      'it can neither create a namespace nor open a socket inside one (no setns), so each endpoint would be `ip netns add` plus a Node process per namespace; measured for listing only');
  skipped.set('netavark', 'not wired yet (it needs its network-options JSON per container); next part of issue 8');
  skipped.set('docker (measurement 7)', 'optional and not set up: the harness does not start a dockerd inside its sandbox yet; see the issue for Docker\'s numbers');
  return a;
}
