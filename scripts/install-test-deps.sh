#!/usr/bin/env bash
# Installs the Debian packages the tests use as independent oracles (iproute2's
# ip/bridge/ss, nftables' nft, conntrack-tools' conntrack, iptables, dnsutils' dig, libc-bin's getent) and
# for isolation (util-linux's unshare), when missing; and clang 14 with its
# sanitizer and libFuzzer runtimes for the fuzz targets (native/fuzz/). The
# product itself never runs any of them.
set -euo pipefail
missing=()
for pair in ip:iproute2 bridge:iproute2 conntrack:conntrack nft:nftables iptables:iptables unshare:util-linux mount:mount hostname:hostname ss:iproute2 dig:dnsutils getent:libc-bin; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
command -v clang++-14 >/dev/null 2>&1 || missing+=(clang-14)
compgen -G '/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null || missing+=(libclang-rt-14-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-test-deps: need root to install: ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi
