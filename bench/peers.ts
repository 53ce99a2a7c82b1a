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
/** Debian puts netavark where Podman looks for it (Fedora: /usr/libexec/podman). */
export const NETAVARK = firstExisting(['/usr/lib/podman/netavark', '/usr/libexec/podman/netavark']) ?? '/usr/lib/podman/netavark';
/** Debian's docker.io: the daemon, and the client of the same version (a newer client elsewhere in PATH would negotiate down). */
export const DOCKERD = firstExisting(['/usr/sbin/dockerd', '/usr/bin/dockerd']) ?? '/usr/sbin/dockerd';
export const DOCKER = firstExisting(['/usr/bin/docker']) ?? 'docker';
/** busybox-static's binary: a rootfs of it alone runs without any library. */
export const BUSYBOX = '/bin/busybox';

function firstExisting(paths: string[]): string | undefined {
  return paths.find((p) => fs.existsSync(p));
}

interface DebianPeer {
  peer: string;
  packages: string[];
  present: () => boolean;
  /** The bench section that needs it; installed only when that section runs. */
  section: string;
  /** Its package ships services that must never start outside the sandbox. */
  services?: string[];
}

const debianPeers: DebianPeer[] = [
  { peer: 'iproute2 (ip)', packages: ['iproute2'], present: () => have('ip'), section: '*' },
  { peer: 'C compiler (for the floor)', packages: ['gcc', 'libc6-dev'], present: () => have('cc'), section: '*' },
  { peer: 'pyroute2', packages: ['python3-pyroute2'], present: pyroute2Present, section: '*' },
  { peer: 'CNI bridge + host-local', packages: ['containernetworking-plugins'], present: cniPresent, section: 'endpoints' },
  { peer: 'netavark', packages: ['netavark'], present: () => fs.existsSync(NETAVARK), section: 'endpoints' },
  {
    peer: 'Docker (dockerd, containerd, runc, docker-proxy)',
    packages: ['docker.io'],
    present: () => fs.existsSync(DOCKERD) && fs.existsSync(DOCKER),
    section: 'docker',
    services: ['docker.service', 'docker.socket', 'containerd.service'],
  },
  { peer: 'busybox-static (the Docker image)', packages: ['busybox-static'], present: busyboxStaticPresent, section: 'docker' },
];

/** A statically linked ELF has no PT_INTERP program header: it needs no library inside the image. */
export function busyboxStaticPresent(): boolean {
  let elf: Buffer;
  try {
    elf = fs.readFileSync(BUSYBOX);
  } catch {
    return false;
  }
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false; // ELF64 only
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  const PT_INTERP = 3;
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === PT_INTERP) return false;
  return true;
}

function pyroute2Present(): boolean {
  return spawnSync(PYTHON, ['-c', 'import pyroute2'], { stdio: 'ignore' }).status === 0;
}

function cniPresent(): boolean {
  return fs.existsSync(path.join(CNI_DIR, 'bridge')) && fs.existsSync(path.join(CNI_DIR, 'host-local'));
}

function npmNetlinkPresent(): boolean {
  return spawnSync(process.execPath, ['-e', "require('netlink')"], { cwd: NPM_NETLINK_DIR, stdio: 'ignore' }).status === 0;
}

function rootLinks(): string[] {
  const r = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  return (r.stdout || '').split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0]).filter((x): x is string => !!x);
}

function apt(args: string[]): boolean {
  const r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * Keeps a package's services from starting while (and after) it is installed:
 * dockerd started by its package would run in the root namespace, create
 * docker0 there and rewrite the machine's iptables. Without systemd,
 * invoke-rc.d asks policy-rc.d, which answers 101 (not allowed) for the
 * install; with systemd the units are also masked, and stay masked (the
 * benchmark runs dockerd only inside its sandbox). Returns the undo of the
 * temporary part.
 */
function forbidServiceStarts(services: string[]): () => void {
  let undo = () => undefined as void;
  if (!fs.existsSync(POLICY_RC_D)) {
    fs.writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by netplumb bench while it installs packages; removed after\nexit 101\n', { mode: 0o755 });
    undo = () => fs.rmSync(POLICY_RC_D, { force: true });
  }
  if (fs.existsSync('/run/systemd/system') && services.length) {
    const r = spawnSync('systemctl', ['mask', ...services], { encoding: 'utf8' });
    console.log(r.status === 0
      ? `  masked ${services.join(', ')}: the benchmark runs dockerd only inside its sandbox (systemctl unmask them to use Docker as a service)`
      : `  systemctl mask ${services.join(' ')} failed: ${(r.stderr || '').trim()}`);
  }
  return undo;
}

function aptInstall(packages: string[]): boolean {
  const args = ['install', '-y', '-q', '--no-install-recommends', ...packages];
  if (apt(args)) return true;
  apt(['update', '-q']);
  return apt(args);
}

/** Outside the sandbox, as root: installs what the chosen sections miss. Prints one line per action. */
export function installPeers(sections: ReadonlySet<string>): void {
  const missing = debianPeers.filter((p) => (p.section === '*' || sections.has(p.section)) && !p.present());
  if (missing.length > 0 && have('apt-get')) {
    const packages = missing.flatMap((p) => p.packages);
    const services = missing.flatMap((p) => p.services ?? []);
    console.log(`installing from Debian: ${packages.join(' ')}`);
    const linksBefore = rootLinks();
    const undo = forbidServiceStarts(services);
    let ok: boolean;
    try {
      ok = aptInstall(packages);
    } finally {
      undo();
    }
    if (!ok) console.log('  apt-get install failed; the peers it would bring are skipped');
    const appeared = rootLinks().filter((l) => !linksBefore.includes(l));
    if (appeared.length) console.log(`  WARNING: installing made links in the root namespace: ${appeared.join(' ')}`);
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
  netavark: boolean;
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
    netavark: fs.existsSync(NETAVARK),
    npmNetlink: npmNetlinkPresent(),
    skipped,
  };
  if (!a.pyroute2) skipped.set('pyroute2', `${PYTHON} cannot import pyroute2 (Debian package python3-pyroute2 not installed)`);
  if (!a.cni) skipped.set('CNI bridge+host-local', `${CNI_DIR}/bridge or host-local missing (Debian package containernetworking-plugins not installed)`);
  if (!a.npmNetlink) skipped.set('npm netlink', `bench/peers/npm-netlink has no working 'netlink' package (npm ci there failed or was not run)`);
  else
    skipped.set('npm netlink (endpoints)',
      'it can neither create a namespace nor open a socket inside one (no setns), so each endpoint would be `ip netns add` plus a Node process per namespace; measured for listing only');
  if (!a.netavark) skipped.set('netavark', `${NETAVARK} missing (Debian package netavark not installed)`);
  return a;
}
