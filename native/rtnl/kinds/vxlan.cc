// vxlan: `ip link add NAME type vxlan id VNI [remote|group ADDR] [local ADDR]
// [dev DEV] [dstport PORT] ...`. Attribute order follows iproute2's (options it
// writes as it parses first, then id, local, group, learning, dstport), so our
// requests are byte-for-byte what `ip` sends for the same options.
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <sys/socket.h>

#include "common/address.h"
#include "rtnl/link_kind.h"

namespace np {
namespace {

void putU8Flag(MessageBuilder& b, uint16_t type, const Object& data, std::string_view key) {
  if (auto v = getBool(data, key)) b.putU8(type, *v ? 1 : 0);
}

// IPv4 and IPv6 addresses go in different attributes.
void putAddress(MessageBuilder& b, uint16_t v4, uint16_t v6, const IpAddress& ip) {
  b.put(ip.family == AF_INET ? v4 : v6, ip.bytes, ip.size());
}

void encode(const Object& args, const Object& data, MessageBuilder& b, RequestContext&) {
  auto vni = getUint(data, "vni", 0xffffff);
  auto remote = getString(data, "remote");
  auto group = getString(data, "group");
  if (remote && group) throw ArgumentError("vxlan: remote and group exclude each other");
  std::optional<IpAddress> peer, local;
  if (remote) peer = parseIp(*remote, "remote");
  if (group) peer = parseIp(*group, "group");
  if (auto l = getString(data, "local")) local = parseIp(*l, "local");
  if (peer && local && peer->family != local->family) throw ArgumentError("vxlan: local is not the same family as remote/group");

  if (auto dev = getUint(args, "vxlanLink", INT32_MAX)) b.putU32(IFLA_VXLAN_LINK, static_cast<uint32_t>(*dev));
  if (auto v = getUint(data, "ttl", 255)) b.putU8(IFLA_VXLAN_TTL, static_cast<uint8_t>(*v));
  if (auto v = getUint(data, "tos", 255)) b.putU8(IFLA_VXLAN_TOS, static_cast<uint8_t>(*v));
  auto low = getUint(data, "srcPortMin", UINT16_MAX);
  auto high = getUint(data, "srcPortMax", UINT16_MAX);
  if (low || high) {
    if (!low || !high || *low > *high) throw ArgumentError("vxlan: srcPortMin and srcPortMax go together, min <= max");
    ifla_vxlan_port_range range{htons(static_cast<uint16_t>(*low)), htons(static_cast<uint16_t>(*high))};
    b.put(IFLA_VXLAN_PORT_RANGE, &range, sizeof range);
  }
  putU8Flag(b, IFLA_VXLAN_UDP_CSUM, data, "udpCsum");
  if (auto v = getUint(data, "ageing", UINT32_MAX)) b.putU32(IFLA_VXLAN_AGEING, static_cast<uint32_t>(*v));
  if (auto v = getUint(data, "limit", UINT32_MAX)) b.putU32(IFLA_VXLAN_LIMIT, static_cast<uint32_t>(*v));
  putU8Flag(b, IFLA_VXLAN_PROXY, data, "proxy");
  putU8Flag(b, IFLA_VXLAN_L2MISS, data, "l2miss");
  putU8Flag(b, IFLA_VXLAN_L3MISS, data, "l3miss");

  if (vni) b.putU32(IFLA_VXLAN_ID, static_cast<uint32_t>(*vni));
  if (local) putAddress(b, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, *local);
  if (peer) putAddress(b, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, *peer);
  putU8Flag(b, IFLA_VXLAN_LEARNING, data, "learning");
  if (auto v = getUint(data, "port", UINT16_MAX)) b.putBe16(IFLA_VXLAN_PORT, static_cast<uint16_t>(*v));
}

bool isMulticast(const Attr& a) {
  return a.len == 4 ? (a.data[0] & 0xf0) == 0xe0 : a.len == 16 && a.data[0] == 0xff;
}

bool isZero(const Attr& a) {
  for (size_t i = 0; i < a.len; i++)
    if (a.data[i]) return false;
  return true;
}

Object parse(const AttrTable& t) {
  Object o;
  if (auto a = t.get(IFLA_VXLAN_ID)) o["vni"] = Value(a->u32());
  // The kernel reports an unset address as all zeroes (or not at all).
  for (auto [type, family] : {std::pair{IFLA_VXLAN_GROUP, AF_INET}, std::pair{IFLA_VXLAN_GROUP6, AF_INET6}})
    if (auto a = t.get(type); a && a->len == (family == AF_INET ? 4u : 16u) && !isZero(*a))
      o[isMulticast(*a) ? "group" : "remote"] = Value(formatIp(family, a->data));
  for (auto [type, family] : {std::pair{IFLA_VXLAN_LOCAL, AF_INET}, std::pair{IFLA_VXLAN_LOCAL6, AF_INET6}})
    if (auto a = t.get(type); a && a->len == (family == AF_INET ? 4u : 16u) && !isZero(*a))
      o["local"] = Value(formatIp(family, a->data));
  if (auto a = t.get(IFLA_VXLAN_LINK)) o["link"] = Value(a->u32());
  if (auto a = t.get(IFLA_VXLAN_PORT)) o["port"] = Value(a->be16());
  if (auto a = t.get(IFLA_VXLAN_TTL)) o["ttl"] = Value(a->u8());
  if (auto a = t.get(IFLA_VXLAN_TOS)) o["tos"] = Value(a->u8());
  if (auto a = t.get(IFLA_VXLAN_LEARNING)) o["learning"] = Value(a->u8() != 0);
  if (auto a = t.get(IFLA_VXLAN_AGEING)) o["ageing"] = Value(a->u32());
  if (auto a = t.get(IFLA_VXLAN_LIMIT)) o["limit"] = Value(a->u32());
  if (auto a = t.get(IFLA_VXLAN_PORT_RANGE)) {
    auto range = a->as<ifla_vxlan_port_range>();
    o["srcPortMin"] = Value(ntohs(range.low));
    o["srcPortMax"] = Value(ntohs(range.high));
  }
  if (auto a = t.get(IFLA_VXLAN_UDP_CSUM)) o["udpCsum"] = Value(a->u8() != 0);
  if (auto a = t.get(IFLA_VXLAN_PROXY)) o["proxy"] = Value(a->u8() != 0);
  if (auto a = t.get(IFLA_VXLAN_L2MISS)) o["l2miss"] = Value(a->u8() != 0);
  if (auto a = t.get(IFLA_VXLAN_L3MISS)) o["l3miss"] = Value(a->u8() != 0);
  return o;
}

const LinkKind kVxlan{"vxlan", encode, parse};
const LinkKindRegistration registration(kVxlan);

}  // namespace
}  // namespace np
