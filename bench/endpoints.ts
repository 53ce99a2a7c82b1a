// Measurement 1: endpoint setup and teardown, N endpoints on one bridge. Each
// endpoint: a named namespace, a veth whose container end (eth0) is born
// inside it, the host end enslaved to the bridge and up, then inside: lo up,
// eth0 up, an address, a default route. Teardown deletes what the peer would
// delete, and counts until the kernel has removed the last host-side veth
// (seen by the floor's link watcher, the same for every peer).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { endpointPlan } from './drivers/protocol';
import { CNI_DIR, NETAVARK, PYTHON, REPO } from './peers';
import { LineProcess, monotonicNs, run } from './proc';

export const BRIDGE = 'br-bench';
export const SUBNET16 = '10.200';
export const GATEWAY = `${SUBNET16}.0.1`;

/** One set-up endpoint population, ready to be torn down. */
interface SetUp {
  setupNs: number;
  /** Starts the teardown; resolves with its start time (CLOCK_MONOTONIC ns). */
  teardown(): Promise<number>;
}

export interface EndpointPeer {
  name: string;
  /** Host-side veth names start with this (for the watcher and the checks). */
  hostVethPrefix(prefix: string): string;
  setup(n: number, prefix: string): Promise<SetUp>;
}

export interface EndpointSample {
  setupNs: number;
  teardownNs: number;
}

/** A library peer: a driver process following bench/drivers/protocol.ts. */
function driverPeer(name: string, cmd: string, args: (n: number, prefix: string) => string[]): EndpointPeer {
  return {
    name,
    hostVethPrefix: (prefix) => `${prefix}v`,
    async setup(n, prefix) {
      const driver = new LineProcess(cmd, args(n, prefix));
      const { setupNs } = await driver.nextJson<{ setupNs: number }>(name);
      return {
        setupNs,
        async teardown() {
          driver.write('go');
          driver.endInput();
          const { teardownStartNs } = await driver.nextJson<{ teardownStartNs: number }>(name);
          const code = await driver.exited;
          if (code !== 0) throw new Error(`${name}: exited ${code} after teardown`);
          return teardownStartNs;
        },
      };
    },
  };
}

/** A command-line peer: shell scripts written before timing, timed here. */
function scriptPeer(
  name: string,
  scratch: string,
  hostVethPrefix: (prefix: string) => string,
  scripts: (n: number, prefix: string) => { setup: string; teardown: string },
  beforeSetup?: () => void,
): EndpointPeer {
  return {
    name,
    hostVethPrefix,
    async setup(n, prefix) {
      const { setup, teardown } = scripts(n, prefix);
      const setupFile = path.join(scratch, `${prefix}-setup.sh`);
      const teardownFile = path.join(scratch, `${prefix}-teardown.sh`);
      fs.writeFileSync(setupFile, `set -e\n${setup}`);
      fs.writeFileSync(teardownFile, `set -e\n${teardown}`);
      beforeSetup?.();
      const t0 = monotonicNs();
      run('sh', [setupFile]);
      const setupNs = monotonicNs() - t0;
      return {
        setupNs,
        async teardown() {
          const t1 = monotonicNs();
          run('sh', [teardownFile]);
          return t1;
        },
      };
    },
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function ipPerCommand(scratch: string): EndpointPeer {
  return scriptPeer('ip, one process per command', scratch, (p) => `${p}v`, (n, prefix) => {
    const setup = range(n).map((i) => {
      const e = endpointPlan(prefix, SUBNET16, i);
      return [
        `ip netns add ${e.netns}`,
        `ip link add ${e.hostVeth} master ${BRIDGE} up type veth peer name eth0 netns ${e.netns}`,
        `ip -n ${e.netns} link set lo up`,
        `ip -n ${e.netns} link set eth0 up`,
        `ip -n ${e.netns} addr add ${e.cidr} dev eth0`,
        `ip -n ${e.netns} route add default via ${e.gateway}`,
      ].join('\n');
    });
    const teardown = range(n).map((i) => `ip netns del ${endpointPlan(prefix, SUBNET16, i).netns}`);
    return { setup: `${setup.join('\n')}\n`, teardown: `${teardown.join('\n')}\n` };
  });
}

function ipBatch(scratch: string): EndpointPeer {
  return scriptPeer('ip -batch', scratch, (p) => `${p}v`, (n, prefix) => {
    const hostFile = path.join(scratch, `${prefix}-host.batch`);
    const host: string[] = [];
    const inside: string[] = [];
    for (const i of range(n)) {
      const e = endpointPlan(prefix, SUBNET16, i);
      host.push(`netns add ${e.netns}`, `link add ${e.hostVeth} master ${BRIDGE} up type veth peer name eth0 netns ${e.netns}`);
      const file = path.join(scratch, `${prefix}-${i}.batch`);
      fs.writeFileSync(file, [`link set lo up`, `link set eth0 up`, `addr add ${e.cidr} dev eth0`, `route add default via ${e.gateway}`, ''].join('\n'));
      inside.push(`ip -n ${e.netns} -batch ${file}`);
    }
    fs.writeFileSync(hostFile, `${host.join('\n')}\n`);
    const teardownFile = path.join(scratch, `${prefix}-del.batch`);
    fs.writeFileSync(teardownFile, range(n).map((i) => `netns del ${endpointPlan(prefix, SUBNET16, i).netns}\n`).join(''));
    return { setup: `ip -batch ${hostFile}\n${inside.join('\n')}\n`, teardown: `ip -batch ${teardownFile}\n` };
  });
}

/**
 * The CNI reference plugins invoked directly, as a runtime does: loopback,
 * then bridge with host-local IPAM. Namespaces are made by one `ip -batch` (a runtime makes
 * its own; this is the cheapest way from a script).
 */
function cni(scratch: string): EndpointPeer {
  const ipamDir = '/run/netplumb/cni-ipam';
  const conf = path.join(scratch, 'cni-bridge.json');
  fs.writeFileSync(conf, JSON.stringify({
    cniVersion: '1.0.0',
    name: 'bench',
    type: 'bridge',
    bridge: BRIDGE,
    isGateway: false,
    ipMasq: false,
    hairpinMode: false,
    ipam: {
      type: 'host-local',
      dataDir: ipamDir,
      ranges: [[{ subnet: `${SUBNET16}.0.0/16`, rangeStart: `${SUBNET16}.0.2`, gateway: GATEWAY }]],
      routes: [{ dst: '0.0.0.0/0' }],
    },
  }));
  const loConf = path.join(scratch, 'cni-loopback.json');
  fs.writeFileSync(loConf, JSON.stringify({ cniVersion: '1.0.0', name: 'lo', type: 'loopback' }));
  // As a runtime does: the loopback plugin for lo, then bridge for eth0 (DEL in reverse).
  const plugin = (command: string, netns: string, type: 'loopback' | 'bridge') =>
    `CNI_COMMAND=${command} CNI_CONTAINERID=${netns} CNI_NETNS=/run/netns/${netns} CNI_IFNAME=${type === 'loopback' ? 'lo' : 'eth0'} ` +
    `CNI_PATH=${CNI_DIR} ${CNI_DIR}/${type} < ${type === 'loopback' ? loConf : conf} > /dev/null`;
  const invoke = (command: 'ADD' | 'DEL', netns: string) =>
    command === 'ADD'
      ? `${plugin('ADD', netns, 'loopback')}\n${plugin('ADD', netns, 'bridge')}`
      : `${plugin('DEL', netns, 'bridge')}\n${plugin('DEL', netns, 'loopback')}`;
  return scriptPeer('CNI loopback+bridge+host-local', scratch, () => 'veth', (n, prefix) => {
    const names = range(n).map((i) => endpointPlan(prefix, SUBNET16, i).netns);
    const add = path.join(scratch, `${prefix}-cni-add.batch`);
    const del = path.join(scratch, `${prefix}-cni-del.batch`);
    fs.writeFileSync(add, names.map((ns) => `netns add ${ns}\n`).join(''));
    fs.writeFileSync(del, names.map((ns) => `netns del ${ns}\n`).join(''));
    return {
      setup: `ip -batch ${add}\n${names.map((ns) => invoke('ADD', ns)).join('\n')}\n`,
      teardown: `${names.map((ns) => invoke('DEL', ns)).join('\n')}\nip -batch ${del}\n`,
    };
  }, () => fs.rmSync(ipamDir, { recursive: true, force: true })); // host-local hands out round-robin: start each run afresh
}

/**
 * netavark (Podman's network stack) invoked directly, as Podman does for each
 * container: `netavark setup NS_PATH` with the container's network options and
 * the network's definition as JSON on stdin, `netavark teardown NS_PATH` with
 * the same JSON, then the namespace removed. Namespaces are made by one
 * `ip -batch` (Podman makes its own). It programs its firewall on every setup
 * (version 1.4.0: the iptables driver, the only one it has besides firewalld;
 * here iptables-nft) and deletes the bridge when its last container leaves,
 * so the harness makes the bridge again (untimed) before the next peer.
 */
function netavark(scratch: string): EndpointPeer {
  const networkId = 'b'.repeat(64);
  const options = (netns: string, cidr: string) => JSON.stringify({
    container_id: netns.padEnd(12, '0'),
    container_name: netns,
    networks: { bench: { interface_name: 'eth0', static_ips: [cidr.split('/')[0]] } },
    network_info: {
      bench: {
        name: 'bench', id: networkId, driver: 'bridge', network_interface: BRIDGE,
        subnets: [{ subnet: `${SUBNET16}.0.0/16`, gateway: GATEWAY }],
        ipv6_enabled: false, internal: false, dns_enabled: false,
      },
    },
  });
  // The kernel names its host-side veths (veth0, veth1, ...).
  return scriptPeer('netavark (iptables driver)', scratch, () => 'veth', (n, prefix) => {
    const plans = range(n).map((i) => endpointPlan(prefix, SUBNET16, i));
    const add = path.join(scratch, `${prefix}-netavark-add.batch`);
    const del = path.join(scratch, `${prefix}-netavark-del.batch`);
    fs.writeFileSync(add, plans.map((e) => `netns add ${e.netns}\n`).join(''));
    fs.writeFileSync(del, plans.map((e) => `netns del ${e.netns}\n`).join(''));
    const invoke = (command: 'setup' | 'teardown') => plans.map((e) => {
      const file = path.join(scratch, `${e.netns}-netavark.json`);
      fs.writeFileSync(file, options(e.netns, e.cidr));
      return `${NETAVARK} ${command} /run/netns/${e.netns} < ${file} > /dev/null`;
    }).join('\n');
    return {
      setup: `ip -batch ${add}\n${invoke('setup')}\n`,
      teardown: `${invoke('teardown')}\nip -batch ${del}\n`,
    };
  });
}

export interface EndpointPeers {
  floorSeq: EndpointPeer;
  floorBatch: EndpointPeer;
  all: EndpointPeer[];
}

export function endpointPeers(floor: string, scratch: string, have: { pyroute2: boolean; cni: boolean; netavark: boolean }): EndpointPeers {
  const node = process.execPath;
  const driver = path.join(REPO, 'dist/bench/drivers/netplumb-endpoints.js');
  const floorSeq = driverPeer('C floor, sequential', floor, (n, p) => ['endpoints', String(n), BRIDGE, p, SUBNET16, 'seq']);
  const floorBatch = driverPeer('C floor, batched', floor, (n, p) => ['endpoints', String(n), BRIDGE, p, SUBNET16, 'batch']);
  const all: EndpointPeer[] = [
    floorBatch,
    floorSeq,
    driverPeer('netplumb API, batched', node, (n, p) => [driver, String(n), BRIDGE, p, SUBNET16, 'batch']),
    driverPeer('netplumb API, sequential', node, (n, p) => [driver, String(n), BRIDGE, p, SUBNET16, 'seq']),
  ];
  if (have.pyroute2)
    all.push(driverPeer('pyroute2', PYTHON, (n, p) => [path.join(REPO, 'bench/peers/pyroute2_driver.py'), 'endpoints', String(n), BRIDGE, p, SUBNET16]));
  all.push(ipBatch(scratch), ipPerCommand(scratch));
  if (have.cni) all.push(cni(scratch));
  if (have.netavark) all.push(netavark(scratch));
  return { floorSeq, floorBatch, all };
}

export function bridgeExists(): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', BRIDGE], { stdio: 'ignore' }).status === 0;
}

/** Makes the peers' bridge with the gateway address, unless it is there (netavark deletes it when its last endpoint leaves). */
export function createBridge(): void {
  if (bridgeExists()) return;
  run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  run('ip', ['addr', 'add', `${GATEWAY}/16`, 'dev', BRIDGE]);
  run('ip', ['link', 'set', BRIDGE, 'up']);
}

interface IpLink { ifname: string; flags: string[] }
interface IpAddr { ifname: string; flags: string[]; addr_info: Array<{ local: string; prefixlen: number }> }
interface IpRoute { dst: string; gateway?: string }

function ipJson<T>(...args: string[]): T {
  return JSON.parse(run('ip', ['-j', ...args]) || '[]') as T;
}

/**
 * Checks through iproute2 (not through the peer) that the work was done: N
 * host-side veths up on the bridge; and, for the first, middle and last
 * endpoint, lo and eth0 up, the address and the default route.
 */
function verify(peer: EndpointPeer, n: number, prefix: string): void {
  const hostPrefix = peer.hostVethPrefix(prefix);
  const ports = ipJson<IpLink[]>('link', 'show', 'master', BRIDGE).filter((l) => l.ifname.startsWith(hostPrefix));
  const fail = (why: string) => { throw new Error(`${peer.name}: after setup, ${why}`); };
  if (ports.length !== n) fail(`${ports.length} ports on ${BRIDGE}, expected ${n}`);
  const down = ports.filter((l) => !l.flags.includes('UP'));
  if (down.length) fail(`${down.length} host-side veths are down (${down[0].ifname} ...)`);
  for (const i of new Set([0, n >> 1, n - 1])) {
    const e = endpointPlan(prefix, SUBNET16, i);
    const addrs = ipJson<IpAddr[]>('-n', e.netns, 'addr', 'show');
    const lo = addrs.find((a) => a.ifname === 'lo');
    const eth0 = addrs.find((a) => a.ifname === 'eth0');
    if (!lo?.flags.includes('UP')) fail(`lo is not up in ${e.netns}`);
    if (!eth0?.flags.includes('UP')) fail(`eth0 is not up in ${e.netns}`);
    const [ip, len] = e.cidr.split('/');
    if (!eth0!.addr_info.some((a) => a.local === ip && a.prefixlen === Number(len))) fail(`eth0 in ${e.netns} lacks ${e.cidr}`);
    const routes = ipJson<IpRoute[]>('-n', e.netns, 'route', 'show', 'default');
    if (routes[0]?.gateway !== e.gateway) fail(`no default route via ${e.gateway} in ${e.netns}`);
  }
}

let runCounter = 0;

/** One setup + teardown of N endpoints by one peer, checked by iproute2. */
export async function measureEndpoints(peer: EndpointPeer, n: number, floor: string): Promise<EndpointSample> {
  const prefix = `r${++runCounter}`;
  createBridge();
  const done = await peer.setup(n, prefix);
  verify(peer, n, prefix);
  const watcher = new LineProcess(floor, ['wait-gone', peer.hostVethPrefix(prefix)]);
  const ready = await watcher.nextLine('link watcher');
  if (ready !== `ready ${n}`) throw new Error(`link watcher: expected "ready ${n}", got ${JSON.stringify(ready)}`);
  const teardownStart = await done.teardown();
  const gone = await watcher.nextLine('link watcher');
  const goneNs = Number(gone.split(' ')[1]);
  if (!gone.startsWith('goneNs ') || !Number.isFinite(goneNs)) throw new Error(`link watcher: unexpected ${JSON.stringify(gone)}`);
  const leftover = run('ip', ['netns', 'list']).trim();
  if (leftover) throw new Error(`${peer.name}: namespaces left after teardown: ${leftover.split('\n').slice(0, 3).join(', ')}`);
  return { setupNs: done.setupNs, teardownNs: Math.max(0, goneNs - teardownStart) };
}
