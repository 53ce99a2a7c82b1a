// vlan: `ip link add NAME link PARENT type vlan id ID [protocol 802.1Q|802.1ad]
// [reorder_hdr on|off] [gvrp on|off] [mvrp on|off] [loose_binding on|off]
// [bridge_binding on|off]`. Each flag given goes into both flags and mask, so
// flags not given keep the kernel's defaults.
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_vlan.h>

#include "rtnl/link_kind.h"

namespace np {
namespace {

struct FlagName {
  std::string_view key;
  uint32_t flag;
};
constexpr FlagName kFlags[] = {
    {"reorderHdr", VLAN_FLAG_REORDER_HDR},     {"gvrp", VLAN_FLAG_GVRP}, {"looseBinding", VLAN_FLAG_LOOSE_BINDING},
    {"mvrp", VLAN_FLAG_MVRP}, {"bridgeBinding", VLAN_FLAG_BRIDGE_BINDING},
};

void encode(const Object&, const Object& data, MessageBuilder& b, RequestContext&) {
  if (auto id = getUint(data, "id", 4094)) {
    if (*id == 0) throw ArgumentError("id: VLAN id must be 1 to 4094");
    b.putU16(IFLA_VLAN_ID, static_cast<uint16_t>(*id));
  }
  if (auto protocol = getString(data, "protocol")) {
    if (*protocol == "802.1Q") b.putBe16(IFLA_VLAN_PROTOCOL, ETH_P_8021Q);
    else if (*protocol == "802.1ad") b.putBe16(IFLA_VLAN_PROTOCOL, ETH_P_8021AD);
    else throw ArgumentError("protocol: expected 802.1Q or 802.1ad, got '" + *protocol + "'");
  }
  ifla_vlan_flags flags{0, 0};
  for (const auto& f : kFlags) {
    if (auto on = getBool(data, f.key)) {
      flags.mask |= f.flag;
      if (*on) flags.flags |= f.flag;
    }
  }
  if (flags.mask) b.put(IFLA_VLAN_FLAGS, &flags, sizeof flags);
}

Object parse(const AttrTable& t) {
  Object o;
  if (auto a = t.get(IFLA_VLAN_ID)) o["id"] = Value(a->u16());
  if (auto a = t.get(IFLA_VLAN_PROTOCOL)) {
    uint16_t p = a->be16();
    o["protocol"] = p == ETH_P_8021Q ? Value("802.1Q") : p == ETH_P_8021AD ? Value("802.1ad") : Value(p);
  }
  if (auto a = t.get(IFLA_VLAN_FLAGS)) {
    auto flags = a->as<ifla_vlan_flags>();
    for (const auto& f : kFlags) o[std::string(f.key)] = Value((flags.flags & f.flag) != 0);
  }
  return o;
}

const LinkKind kVlan{"vlan", encode, parse};
const LinkKindRegistration registration(kVlan);

}  // namespace
}  // namespace np
