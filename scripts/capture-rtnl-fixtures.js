#!/usr/bin/env node
'use strict';
// Regenerates test/fixtures/rtnl/: what iproute2 sends to the kernel for a set
// of `ip`/`bridge` commands (requests/), and what the kernel answers to
// `ip -d link show DEV` together with `ip -j -d link show DEV` for the same
// device (replies/). The unit tests compare netplumb's encoder and parser with
// them. Bytes come from strace's full dumps (-e write=all / -e read=all).
//
//   sudo node scripts/capture-rtnl-fixtures.js
//
// It re-runs itself inside a throwaway network + mount namespace (unshare), so
// every device it makes lives and dies there; the machine's own network is
// never touched. Needs root, strace and iproute2.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const OUT = path.join(__dirname, '..', 'test', 'fixtures', 'rtnl');

// Devices every capture can rely on, with pinned indexes so fixtures are stable:
// br0 (10, up, 10.0.0.1/24 and fd00::1/64), veth va (11) <-> vb (12), va a port of br0.
const BASE = [
  'ip link set lo up',
  'ip netns add A',
  'ip link add br0 index 10 type bridge',
  'ip link add va index 11 type veth peer name vb index 12',
  'ip link set dev br0 up',
  'ip link set dev va up',
  'ip link set dev vb up',
];

const PORT_NOTE = 'iproute2 names the port kind with IFLA_INFO_KIND "bridge_slave"; netplumb sends IFLA_INFO_SLAVE_KIND "bridge" (the name the kernel itself reports). On a change the kernel ignores both and applies IFLA_INFO_SLAVE_DATA with the codec of the device\'s master.';

// name, the command, what to run before and after it, and notes for readers.
const REQUESTS = [
  { name: 'link-add-bridge', command: 'ip link add br1 type bridge', after: ['ip link del br1'] },
  { name: 'link-add-bridge-options', command: 'ip link add br1 type bridge stp_state 1 forward_delay 500 ageing_time 1000 priority 100 mcast_snooping 0', after: ['ip link del br1'] },
  { name: 'link-add-mtu-address', command: 'ip link add br1 mtu 1400 address 02:00:00:00:00:01 type bridge', after: ['ip link del br1'] },
  {
    name: 'link-add-veth-peer-netns',
    command: 'ip link add vc type veth peer name eth0 netns A',
    after: ['ip link del vc'],
    notes: 'IFLA_NET_NS_FD carries a file descriptor number that differs from run to run; compare ignoring its value.',
  },
  { name: 'link-set-up', command: 'ip link set dev vb up' },
  { name: 'link-set-down', command: 'ip link set dev vb down', after: ['ip link set dev vb up'] },
  { name: 'link-set-mtu', command: 'ip link set dev vb mtu 1400', after: ['ip link set dev vb mtu 1500'] },
  { name: 'link-set-master', command: 'ip link set dev va master br0', after: ['ip link set dev va nomaster'] },
  { name: 'link-set-nomaster', before: ['ip link set dev va master br0'], command: 'ip link set dev va nomaster' },
  { name: 'link-set-name', command: 'ip link set dev vb name vb2', after: ['ip link set dev vb2 name vb'] },
  { name: 'link-del', before: ['ip link add br9 index 20 type bridge'], command: 'ip link del dev br9' },
  { name: 'addr-add-v4', command: 'ip addr add 10.0.0.1/24 dev br0' },
  { name: 'addr-add-v6', command: 'ip addr add fd00::1/64 dev br0 nodad', notes: 'nodad: the address is usable at once (IFA_F_NODAD in IFA_FLAGS).' },
  { name: 'route-add-default-via', command: 'ip route add default via 10.0.0.254' },
  { name: 'route-add-cidr-dev', command: 'ip route add 10.9.0.0/16 dev br0' },
  { name: 'neigh-add', command: 'ip neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev br0' },
  { name: 'fdb-add-static', before: ['ip link set dev va master br0'], command: 'bridge fdb add 02:00:00:00:00:09 dev va master static' },
  { name: 'fdb-add-permanent', command: 'bridge fdb add 02:00:00:00:00:0a dev va master', after: ['ip link set dev va nomaster'], notes: 'No state word: bridge(8) assumes permanent (NUD_NOARP|NUD_PERMANENT), a local entry.' },
  {
    name: 'vxlan',
    command: 'ip link add vx0 type vxlan id 42 dev br0 ttl 64 tos 0x10 srcport 1000 2000 udpcsum ageing 300 maxaddress 100 local 10.0.0.1 remote 192.0.2.1 nolearning dstport 4789',
    after: ['ip link del vx0'],
    notes: 'iproute2 writes dev, ttl, tos, srcport, udpcsum, ageing, maxaddress as it parses them (in command-line order), then id, local, remote/group, learning, dstport. The command lists the options in netplumb\'s fixed order.',
  },
  { name: 'vxlan-group6', command: 'ip link add vx1 type vxlan id 7 local fd00::1 group ff05::100 dev br0 dstport 4789', after: ['ip link del vx1'], notes: 'learning is not on the command line: iproute2 sends IFLA_VXLAN_LEARNING 1 anyway, as netplumb does by default.' },
  { name: 'macvlan', command: 'ip link add mv0 link br0 type macvlan mode bridge', after: ['ip link del mv0'] },
  { name: 'macvlan-passthru', command: 'ip link add mv0 link br0 type macvlan mode passthru nopromisc', after: ['ip link del mv0'] },
  { name: 'macvtap', command: 'ip link add mt0 link br0 type macvtap mode vepa', after: ['ip link del mt0'] },
  { name: 'vlan', command: 'ip link add vl0 link br0 type vlan id 100 protocol 802.1ad reorder_hdr off gvrp on', after: ['ip link del vl0'] },
  { name: 'dummy', command: 'ip link add d0 type dummy', after: ['ip link del d0'] },
  { name: 'ipvlan', command: 'ip link add iv0 link br0 type ipvlan mode l3 private', after: ['ip link del iv0'] },
  { name: 'ifb', command: 'ip link add ifb9 type ifb', after: ['ip link del ifb9'] },
  { name: 'bridge-slave-hairpin', before: ['ip link set dev va master br0'], command: 'ip link set dev va type bridge_slave hairpin on', notes: PORT_NOTE },
  { name: 'bridge-slave-isolated', command: 'ip link set dev va type bridge_slave isolated on', notes: PORT_NOTE },
  { name: 'bridge-slave-learning', command: 'ip link set dev va type bridge_slave learning off', notes: PORT_NOTE },
  {
    name: 'bridge-slave-all',
    command: 'ip link set dev va type bridge_slave hairpin on isolated on learning off flood off mcast_flood off bcast_flood off proxy_arp on neigh_suppress on guard on cost 5 priority 7 state 3',
    after: ['ip link set dev va nomaster'],
    notes: `${PORT_NOTE} iproute2 writes the port options in command-line order; the command lists them in netplumb's fixed order.`,
  },
];

// Devices whose `ip -d link show` reply the parser tests read.
const REPLIES = [
  { name: 'bridge', before: ['ip link add br2 type bridge stp_state 1 ageing_time 1000 priority 100'], dev: 'br2', after: ['ip link del br2'] },
  {
    name: 'bridge-port',
    before: ['ip link set dev va master br0', 'ip link set dev va type bridge_slave hairpin on isolated on learning off flood off proxy_arp on cost 5 priority 7'],
    dev: 'va',
    after: ['ip link set dev va nomaster'],
  },
  { name: 'vxlan', before: ['ip link add vx0 type vxlan id 42 dev br0 ttl 64 srcport 1000 2000 ageing 300 maxaddress 100 local 10.0.0.1 remote 192.0.2.1 nolearning dstport 4789'], dev: 'vx0', after: ['ip link del vx0'] },
  { name: 'vxlan-group6', before: ['ip link add vx1 type vxlan id 7 local fd00::1 group ff05::100 dev br0 dstport 4789'], dev: 'vx1', after: ['ip link del vx1'] },
  { name: 'macvlan', before: ['ip link add mv0 link br0 type macvlan mode private'], dev: 'mv0', after: ['ip link del mv0'] },
  { name: 'macvtap', before: ['ip link add mt0 link br0 type macvtap mode passthru nopromisc'], dev: 'mt0', after: ['ip link del mt0'] },
  { name: 'ifb', before: ['ip link add ifb9 type ifb'], dev: 'ifb9', after: ['ip link del ifb9'] },
];

function sh(command) {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

function mustRun(command) {
  const r = sh(command);
  if (r.status !== 0) throw new Error(`${command}: ${r.stderr}`);
}

// strace's output: each traced call on its own line, followed (with -e
// write=all / read=all) by " | OFFSET  hex ... |" dump lines of its data.
function straceCalls(file) {
  const calls = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    // " | 00000  xx xx xx xx xx xx xx xx  xx xx xx xx xx xx xx xx  ascii |": the hex
    // columns are the 49 characters after the offset (cut there, so the ASCII
    // column can never be read as bytes).
    const dump = /^\s*\| [0-9a-f]{5}  /.exec(line);
    if (dump && calls.length) {
      const hex = line.slice(dump[0].length, dump[0].length + 49).match(/[0-9a-f]{2}/g) ?? [];
      calls[calls.length - 1].bytes.push(...Buffer.from(hex.join(''), 'hex'));
    } else if (/^(\d+\s+|\[pid\s+\d+\]\s+)?(sendmsg|sendto|recvmsg)\(/.test(line)) {
      calls.push({ line: line.replace(/^(\d+\s+|\[pid\s+\d+\]\s+)/, ''), bytes: [] });
    }
  }
  return calls.map((c) => ({ line: c.line, bytes: Buffer.from(c.bytes) }));
}

function splitMessages(buf) {
  const out = [];
  for (let off = 0; off + 16 <= buf.length; ) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > buf.length) break;
    out.push(buf.subarray(off, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

const RTM_GET_TYPES = new Set([18, 22, 26, 30]); // RTM_GETLINK, GETADDR, GETROUTE, GETNEIGH: name lookups, not the request

function captureRequest(spec, dir) {
  for (const c of spec.before ?? []) mustRun(c);
  const trace = path.join(dir, `${spec.name}.strace`);
  const argv = spec.command.split(/\s+/);
  const r = spawnSync('strace', ['-f', '-qq', '-o', trace, '-s', '65535', '-e', 'trace=sendmsg,sendto', '-e', 'write=all', ...argv], { encoding: 'utf8' });
  const messages = [];
  for (const call of straceCalls(trace)) {
    for (const m of splitMessages(call.bytes)) {
      const type = m.readUInt16LE(4);
      const seq = m.readUInt32LE(8);
      // `ip link` first probes for RTM_NEWLINK support with an empty request
      // sent with sequence number 0 (iplink_have_newlink); it is not the command.
      if (call.line.startsWith('sendto(') && seq === 0) continue;
      if (RTM_GET_TYPES.has(type)) continue;
      messages.push({ hex: m.toString('hex'), strace: call.line });
    }
  }
  if (messages.length !== 1) throw new Error(`${spec.name}: expected one request, found ${messages.length}`);
  // A command the kernel refused (a kind this kernel lacks) left nothing to undo.
  if (r.status === 0) for (const c of spec.after ?? []) mustRun(c);
  return {
    command: spec.command,
    before: spec.before ?? [],
    exitStatus: r.status,
    stderr: r.stderr.trim() || undefined,
    messages,
    notes: [
      'Compare ignoring nlmsg_seq and nlmsg_pid (bytes 8-15 of each message header).',
      'iproute2 never sets NLA_F_NESTED; netplumb sets it on every nest (the kernel accepts both for rtnetlink), so the flag is cleared before comparing.',
      ...(spec.notes ? [spec.notes] : []),
    ],
  };
}

function captureReply(spec, dir) {
  for (const c of spec.before ?? []) mustRun(c);
  const trace = path.join(dir, `reply-${spec.name}.strace`);
  spawnSync('strace', ['-f', '-qq', '-o', trace, '-s', '65535', '-e', 'trace=recvmsg', '-e', 'read=all', 'ip', '-d', 'link', 'show', 'dev', spec.dev]);
  const ipJson = JSON.parse(execFileSync('ip', ['-j', '-d', 'link', 'show', 'dev', spec.dev], { encoding: 'utf8' }))[0];
  // `ip` also asks about the device's parent or master by index; keep the
  // RTM_NEWLINK (16) about the device itself (ifi_index at offset 20).
  let reply;
  for (const call of straceCalls(trace)) {
    if (call.line.includes('MSG_PEEK')) continue; // iproute2 peeks first to size its buffer
    for (const m of splitMessages(call.bytes)) if (m.readUInt16LE(4) === 16 && m.readInt32LE(20) === ipJson.ifindex) reply = m;
  }
  if (!reply) throw new Error(`${spec.name}: no RTM_NEWLINK reply about ${spec.dev} captured`);
  for (const c of spec.after ?? []) mustRun(c);
  return {
    command: `ip -d link show dev ${spec.dev}`,
    before: spec.before ?? [],
    reply: reply.toString('hex'),
    ipJson,
    notes: ['reply: the RTM_NEWLINK message the kernel sent; ipJson: `ip -j -d link show dev` for the same device, taken right after.'],
  };
}

function main() {
  if (process.getuid() !== 0) throw new Error('needs root (it creates devices inside its own throwaway namespace)');
  if (!process.env.NETPLUMB_CAPTURE_ISOLATED) {
    const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', '--', process.execPath, __filename], {
      stdio: 'inherit',
      env: { ...process.env, NETPLUMB_CAPTURE_ISOLATED: '1' },
    });
    process.exit(r.status ?? 1);
  }
  for (const d of ['/run/netns', '/etc/netns']) {
    fs.mkdirSync(d, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'none', d]);
  }
  for (const c of BASE) mustRun(c);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'np-capture-'));
  const about = {
    iproute2: execFileSync('ip', ['-V'], { encoding: 'utf8' }).trim(),
    kernel: os.release(),
  };
  for (const sub of ['requests', 'replies']) fs.mkdirSync(path.join(OUT, sub), { recursive: true });
  for (const spec of REQUESTS) {
    const fixture = { name: spec.name, ...about, ...captureRequest(spec, dir) };
    fs.writeFileSync(path.join(OUT, 'requests', `${spec.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
    console.log(`requests/${spec.name}: ${fixture.exitStatus === 0 ? 'ok' : `kernel said: ${fixture.stderr}`}`);
  }
  for (const spec of REPLIES) {
    const fixture = { name: spec.name, ...about, ...captureReply(spec, dir) };
    fs.writeFileSync(path.join(OUT, 'replies', `${spec.name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
    console.log(`replies/${spec.name}: ok`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main();
