// libFuzzer target: every registered request encoder (link.create ...
// nft.setelem.add) on arbitrary argument objects, one to four requests per
// stream, with and without a transaction, as NetlinkSocket::encode() (the
// addon's encode() export and every execute()) runs them. The TypeScript
// layer validates first; this is the second line of defence, so it must hold
// on its own: a bad argument is an ArgumentError, a namespace that cannot be
// opened a SystemError, and anything that encodes is a well-formed stream.
// Any other exception would abort Node, so here it aborts too.
#include <fuzzer/FuzzedDataProvider.h>
#include <linux/netlink.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <typeinfo>
#include <vector>

#include "common/error.h"
#include "nl/attrs.h"
#include "nl/registry.h"
#include "nl/socket.h"

namespace {

// The argument names the codecs read (and a few they do not).
const char* const kKeys[] = {
    "address", "ageing", "ageingTime", "alias", "base", "bcastFlood", "bridgeBinding", "broadcast", "burst", "bytes",
    "chain", "code", "cost", "csumFlags", "csumOffset", "csumType", "data", "dataLen", "dataType", "device",
    "direction", "dreg", "dst", "dstLen", "echo", "elements", "exclusive", "expr", "expressions", "family", "fields",
    "flag", "flags", "flood", "forwardDelay", "from", "gateway", "gcInterval", "group", "guard", "gvrp", "hairpin",
    "handle", "helloTime", "hook", "id", "index", "insert", "invert", "isolated", "key", "keyEnd", "keyLen", "keys",
    "kind", "l2miss", "l3miss", "label", "learning", "len", "level", "limit", "link", "lladdr", "local", "looseBinding",
    "mask", "master", "maxAge", "mcastFlood", "metric", "mode", "mtu", "multicastSnooping", "mvrp", "name",
    "neighSuppress", "netnsPid", "noarp", "nodad", "noprefixroute", "nopromisc", "numRxQueues", "numTxQueues",
    "offset", "onlink", "op", "packets", "peer", "policy", "port", "position", "preferredLft", "prefix", "prefixlen",
    "prefsrc", "priority", "promisc", "protocol", "proxy", "proxyArp", "qthreshold", "rate", "regAddrMax",
    "regAddrMin", "regProtoMax", "regProtoMin", "remote", "reorderHdr", "result", "scope", "set", "setId", "size",
    "snaplen", "src", "srcLen", "srcPortMax", "srcPortMin", "sreg", "state", "stp", "table", "timeout", "to", "tos",
    "ttl", "txqlen", "type", "udpCsum", "unit", "up", "userdata", "validLft", "value", "verdict", "vlan",
    "vlanDefaultPvid", "vlanFiltering", "vni", "vxlanLink", "xor", "netns", "unknownKey"};

// String values the codecs recognise, so that deep paths are reachable.
const char* const kStrings[] = {
    "veth", "bridge", "vxlan", "vlan", "macvlan", "macvtap", "ipvlan", "dummy", "ifb", "bridge_slave", "ip", "ip6",
    "inet", "arp", "netdev", "prerouting", "input", "forward", "output", "postrouting", "ingress", "egress", "filter",
    "nat", "route", "accept", "drop", "continue", "break", "return", "jump", "goto", "payload", "cmp", "meta", "ct",
    "immediate", "lookup", "bitwise", "counter", "nat", "masq", "redir", "reject", "limit", "log", "fib", "range",
    "interval", "map", "timeout", "constant", "anonymous", "concat", "interval-end", "catchall", "eq", "neq", "lt",
    "network", "transport", "link", "snat", "dnat", "random", "persistent", "l2", "l3", "l3s", "private", "vepa",
    "passthru", "source", "802.1Q", "802.1ad", "10.0.0.1", "10.0.0.0", "::1", "fe80::1", "2001:db8::", "255.255.255.255",
    "02:00:00:00:00:01", "ff:ff", "", "a", "eth0", "np0", "chain0", "performance", "memory", "l4proto", "mark", "iifname",
    "state", "original", "reply", "daddr", "saddr", "tcp reset", "icmp", "second", "packets", "bytes", "blackhole",
    "unreachable", "local", "universe", "link", "host", "permanent", "noarp", "reachable", "static", "self", "master"};

// Only these may name a namespace: a fuzzed path could name a FIFO and block.
const char* const kNamespaces[] = {"/nonexistent/netns", "/proc/self/ns/net", "/proc/self/ns/mnt", "/dev/null", ""};

np::Value value(FuzzedDataProvider& in, int depth, std::string_view key);

np::Object object(FuzzedDataProvider& in, int depth) {
  np::Object o;
  size_t n = in.ConsumeIntegralInRange<size_t>(0, 10);
  for (size_t i = 0; i < n && in.remaining_bytes() > 0; i++) {
    std::string key = in.PickValueInArray(kKeys);
    o[key] = value(in, depth + 1, key);
  }
  return o;
}

np::Value value(FuzzedDataProvider& in, int depth, std::string_view key) {
  if (key == "netns") return in.ConsumeBool() ? np::Value(in.PickValueInArray(kNamespaces)) : np::Value(in.ConsumeIntegral<uint8_t>());
  switch (in.ConsumeIntegralInRange<int>(0, depth < 4 ? 9 : 6)) {
    case 0: return np::Value();
    case 1: return np::Value(in.ConsumeBool());
    case 2: {
      static const double kNumbers[] = {0, 1, 2, 3, 4, 6, 17, 255, 256, 4094, 4095, 65535, 65536, 4294967295.0,
                                        4294967296.0, 9007199254740991.0, -1, 0.5, 1e300,
                                        std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()};
      return np::Value(in.ConsumeBool() ? in.PickValueInArray(kNumbers) : static_cast<double>(in.ConsumeIntegral<uint32_t>()));
    }
    case 3: case 4: return np::Value(in.ConsumeBool() ? std::string(in.PickValueInArray(kStrings)) : in.ConsumeRandomLengthString(40));
    case 5: {
      size_t len = in.ConsumeIntegralInRange<int>(0, 15) == 0 ? in.ConsumeIntegralInRange<size_t>(0, 70000)
                                                               : in.ConsumeIntegralInRange<size_t>(0, 40);
      return np::Value(np::Bytes(len, in.ConsumeIntegral<uint8_t>()));
    }
    case 6: return np::Value(static_cast<double>(in.ConsumeIntegralInRange<int>(0, 40)));
    case 7: case 8: return np::Value(object(in, depth));
    default: {
      np::Array a;
      size_t n = in.ConsumeIntegralInRange<size_t>(0, 6);
      for (size_t i = 0; i < n && in.remaining_bytes() > 0; i++) a.push_back(value(in, depth + 1, key));
      return np::Value(std::move(a));
    }
  }
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "requests_fuzzer: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> names = np::requestCodecNames();
  FuzzedDataProvider in(data, size);
  const np::RequestCodec* first = np::findRequestCodec(names[in.ConsumeIntegralInRange<size_t>(0, names.size() - 1)]);
  std::vector<np::Request> requests;
  size_t count = in.ConsumeIntegralInRange<size_t>(1, 4);
  for (size_t i = 0; i < count; i++) {
    np::Request r;
    // Mostly of the first request's protocol; sometimes not, which must be refused.
    r.codec = i == 0 || in.ConsumeIntegralInRange<int>(0, 7) != 0
                  ? (i == 0 ? first : np::findRequestCodec(names[in.ConsumeIntegralInRange<size_t>(0, names.size() - 1)]))
                  : np::findRequestCodec(names[0]);
    r.args = object(in, 0);
    requests.push_back(std::move(r));
  }
  bool transaction = in.ConsumeBool();
  std::vector<uint8_t> bytes;
  try {
    bytes = np::NetlinkSocket::encode(requests, transaction, first->protocol);
  } catch (const np::ArgumentError&) {
    return 0;
  } catch (const np::SystemError&) {
    return 0;  // a namespace that cannot be opened
  } catch (const std::exception& e) {
    std::fprintf(stderr, "requests_fuzzer: %s escaped %s: %s\n", typeid(e).name(), std::string(first->name).c_str(), e.what());
    std::abort();
  }
  // What encodes is a stream of whole messages, one per request (plus the
  // transaction's two markers), sequence numbers from 1.
  std::vector<const nlmsghdr*> messages;
  try {
    messages = np::splitMessages(bytes.data(), bytes.size());
  } catch (const np::ParseError& e) {
    std::fprintf(stderr, "requests_fuzzer: %s: %s\n", std::string(first->name).c_str(), e.what());
    std::abort();
  }
  require(messages.size() == requests.size() + (transaction ? 2 : 0), "not one message per request");
  for (size_t m = 0; m < messages.size(); m++) require(messages[m]->nlmsg_seq == m + 1, "sequence numbers not from 1");
  return 0;
}
