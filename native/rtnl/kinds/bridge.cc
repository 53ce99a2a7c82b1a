// bridge: STP, VLAN filtering, ageing and forward delay, multicast snooping.
#include <linux/if_link.h>

#include "rtnl/link_kind.h"

namespace np {
namespace {

void encode(const Object&, const Object& data, MessageBuilder& b, RequestContext&) {
  if (auto stp = getBool(data, "stp")) b.putU32(IFLA_BR_STP_STATE, *stp ? 1 : 0);
  if (auto v = getUint(data, "forwardDelay", UINT32_MAX)) b.putU32(IFLA_BR_FORWARD_DELAY, static_cast<uint32_t>(*v));
  if (auto v = getUint(data, "helloTime", UINT32_MAX)) b.putU32(IFLA_BR_HELLO_TIME, static_cast<uint32_t>(*v));
  if (auto v = getUint(data, "maxAge", UINT32_MAX)) b.putU32(IFLA_BR_MAX_AGE, static_cast<uint32_t>(*v));
  if (auto v = getUint(data, "ageingTime", UINT32_MAX)) b.putU32(IFLA_BR_AGEING_TIME, static_cast<uint32_t>(*v));
  if (auto v = getUint(data, "priority", UINT16_MAX)) b.putU16(IFLA_BR_PRIORITY, static_cast<uint16_t>(*v));
  if (auto v = getBool(data, "vlanFiltering")) b.putU8(IFLA_BR_VLAN_FILTERING, *v ? 1 : 0);
  if (auto v = getUint(data, "vlanDefaultPvid", UINT16_MAX))
    b.putU16(IFLA_BR_VLAN_DEFAULT_PVID, static_cast<uint16_t>(*v));
  if (auto v = getBool(data, "multicastSnooping")) b.putU8(IFLA_BR_MCAST_SNOOPING, *v ? 1 : 0);
}

Object parse(const AttrTable& t) {
  Object o;
  if (auto a = t.get(IFLA_BR_STP_STATE)) o["stp"] = Value(a->u32() != 0);
  if (auto a = t.get(IFLA_BR_FORWARD_DELAY)) o["forwardDelay"] = Value(a->u32());
  if (auto a = t.get(IFLA_BR_HELLO_TIME)) o["helloTime"] = Value(a->u32());
  if (auto a = t.get(IFLA_BR_MAX_AGE)) o["maxAge"] = Value(a->u32());
  if (auto a = t.get(IFLA_BR_AGEING_TIME)) o["ageingTime"] = Value(a->u32());
  if (auto a = t.get(IFLA_BR_PRIORITY)) o["priority"] = Value(a->u16());
  if (auto a = t.get(IFLA_BR_VLAN_FILTERING)) o["vlanFiltering"] = Value(a->u8() != 0);
  if (auto a = t.get(IFLA_BR_VLAN_DEFAULT_PVID)) o["vlanDefaultPvid"] = Value(a->u16());
  if (auto a = t.get(IFLA_BR_MCAST_SNOOPING)) o["multicastSnooping"] = Value(a->u8() != 0);
  return o;
}

const LinkKind kBridge{"bridge", encode, parse};
const LinkKindRegistration registration(kBridge);

}  // namespace
}  // namespace np
