# pyroute2 as a benchmark peer (Debian's python3-pyroute2), written the fast
# way its documentation allows: netns.create, then an IPRoute socket opened
# inside the namespace with pushns/popns (no NetNS proxy process).
#   python3 pyroute2_driver.py endpoints N BRIDGE PREFIX SUBNET16
#   python3 pyroute2_driver.py list REPEATS
# Follows bench/drivers/protocol.ts: prints {"setupNs"}, waits for a line,
# tears down, prints {"teardownStartNs"} (CLOCK_MONOTONIC).
import json
import sys
import time

from pyroute2 import IPRoute, netns


def plan(prefix, subnet16, i):
    host = i + 2
    return (f"{prefix}n{i}", f"{prefix}v{i}", f"{subnet16}.{host >> 8}.{host & 255}", f"{subnet16}.0.1")


def endpoints(n, bridge, prefix, subnet16):
    ipr = IPRoute()
    bridge_index = ipr.link_lookup(ifname=bridge)[0]
    names = []
    t0 = time.monotonic_ns()
    for i in range(n):
        name, veth, address, gateway = plan(prefix, subnet16, i)
        netns.create(name)
        netns.pushns(name)
        try:
            inside = IPRoute()
        finally:
            netns.popns()
        ipr.link("add", ifname=veth, kind="veth", master=bridge_index, state="up",
                 peer={"ifname": "eth0", "net_ns_fd": name})
        inside.link("set", index=1, state="up")
        eth0 = inside.link_lookup(ifname="eth0")[0]
        inside.link("set", index=eth0, state="up")
        inside.addr("add", index=eth0, address=address, prefixlen=16)
        inside.route("add", dst="default", gateway=gateway)
        inside.close()
        names.append(name)
    print(json.dumps({"setupNs": time.monotonic_ns() - t0}), flush=True)
    if not sys.stdin.readline():
        return
    t1 = time.monotonic_ns()
    for name in names:
        netns.remove(name)
    print(json.dumps({"teardownStartNs": t1}), flush=True)


def listing(repeats):
    ipr = IPRoute()
    runs = []
    count = 0
    for _ in range(repeats):
        t0 = time.monotonic_ns()
        links = ipr.get_links()
        # what a caller reads from each: its name
        count = len([link.get_attr("IFLA_IFNAME") for link in links])
        runs.append(time.monotonic_ns() - t0)
    print(json.dumps({"runsNs": runs, "count": count}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "endpoints":
        endpoints(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    elif sys.argv[1] == "list":
        listing(int(sys.argv[2]))
    else:
        sys.exit("usage: pyroute2_driver.py endpoints N BRIDGE PREFIX SUBNET16 | list REPEATS")
