#!/usr/bin/env python3
# Captures a real ctnetlink dump reply and conntrack(8)'s XML for the same
# table, for the parser's unit test (test/unit/ct-parsing.test.ts). Run inside
# a throwaway namespace as root: ../shared/tools/sandbox python3 scripts/capture-ct-fixture.py
# It opens TCP (v4, v6) connections and a UDP exchange over loopback with a
# `ct state` rule and accounting on, dumps the table with a plain socket, and
# writes test/fixtures/ct/dump.json.
import json, os, socket, struct, subprocess, time

NETLINK_NETFILTER = 12
subprocess.run(['nft', '-f', '-'], check=True, input=b'''
add table inet cap
add chain inet cap out { type filter hook output priority 0; }
add rule inet cap out ct state new counter
add rule inet cap out udp dport 5353 ct mark set 7
''')
with open('/proc/sys/net/netfilter/nf_conntrack_acct', 'w') as f: f.write('1')
subprocess.run(['ip', 'addr', 'add', '::1/128', 'dev', 'lo'], stderr=subprocess.DEVNULL)
keep = []
for family, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    srv = socket.socket(family); srv.bind((host, 0)); srv.listen()
    c = socket.create_connection((host, srv.getsockname()[1])); s, _ = srv.accept()
    c.sendall(b'x' * 3000); s.recv(65536)
    keep += [srv, c, s]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b'hello', ('127.0.0.1', 5353)); keep.append(u)
time.sleep(0.2)

nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
nl.bind((0, 0))
# nlmsghdr: len, type (NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET), flags REQUEST|DUMP, seq, pid; nfgenmsg AF_UNSPEC
nl.send(struct.pack('=IHHII', 20, (1 << 8) | 1, 0x301, 1, 0) + struct.pack('=BBH', 0, 0, 0))
chunks = []
done = False
while not done:
    data = nl.recv(1 << 20)
    chunks.append(data.hex())
    off = 0
    while off < len(data):
        length, mtype = struct.unpack_from('=IH', data, off)
        if mtype == 3: done = True
        off += (length + 3) & ~3
xml = subprocess.run(['conntrack', '-L', '-f', 'ipv4', '-o', 'xml'], capture_output=True, text=True).stdout
xml6 = subprocess.run(['conntrack', '-L', '-f', 'ipv6', '-o', 'xml'], capture_output=True, text=True).stdout
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'ct', 'dump.json')
with open(out, 'w') as f:
    json.dump({'what': 'ctnetlink dump reply (IPCTNL_MSG_CT_NEW messages + NLMSG_DONE) and conntrack -L -o xml of the same table',
               'kernel': os.uname().release, 'replies': chunks, 'conntrackXml': {'ipv4': xml, 'ipv6': xml6}}, f, indent=1)
print('wrote', out)
