// A bridge's port settings (IFLA_BRPORT_* in IFLA_INFO_SLAVE_DATA):
// `ip link set DEV type bridge_slave [hairpin on|off] [isolated on|off] ...`.
// Written in the order iproute2 writes them for the same options.
#include <linux/if_link.h>

#include "rtnl/link_kind.h"

namespace np {
namespace {

struct PortFlag {
  std::string_view key;
  uint16_t type;
};
// u8 on/off settings, in the order they are encoded.
constexpr PortFlag kFlags[] = {
    {"hairpin", IFLA_BRPORT_MODE},          {"isolated", IFLA_BRPORT_ISOLATED},
    {"learning", IFLA_BRPORT_LEARNING},     {"flood", IFLA_BRPORT_UNICAST_FLOOD},
    {"mcastFlood", IFLA_BRPORT_MCAST_FLOOD}, {"bcastFlood", IFLA_BRPORT_BCAST_FLOOD},
    {"proxyArp", IFLA_BRPORT_PROXYARP},     {"neighSuppress", IFLA_BRPORT_NEIGH_SUPPRESS},
    {"guard", IFLA_BRPORT_GUARD},
};

void encode(const Object&, const Object& port, MessageBuilder& b, RequestContext&) {
  for (const auto& f : kFlags)
    if (auto on = getBool(port, f.key)) b.putU8(f.type, *on ? 1 : 0);
  if (auto v = getUint(port, "cost", UINT32_MAX)) b.putU32(IFLA_BRPORT_COST, static_cast<uint32_t>(*v));
  if (auto v = getUint(port, "priority", UINT16_MAX)) b.putU16(IFLA_BRPORT_PRIORITY, static_cast<uint16_t>(*v));
  // BR_STATE_DISABLED .. BR_STATE_BLOCKING (linux/if_bridge.h).
  if (auto v = getUint(port, "state", 4)) b.putU8(IFLA_BRPORT_STATE, static_cast<uint8_t>(*v));
}

Object parse(const AttrTable& t) {
  Object o;
  for (const auto& f : kFlags)
    if (auto a = t.get(f.type)) o[std::string(f.key)] = Value(a->u8() != 0);
  if (auto a = t.get(IFLA_BRPORT_COST)) o["cost"] = Value(a->u32());
  if (auto a = t.get(IFLA_BRPORT_PRIORITY)) o["priority"] = Value(a->u16());
  if (auto a = t.get(IFLA_BRPORT_STATE)) o["state"] = Value(a->u8());
  return o;
}

const LinkKind kBridgePort{"bridge", encode, parse};
const LinkKindRegistration registration(kBridgePort, true);

}  // namespace
}  // namespace np
