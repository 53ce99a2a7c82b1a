// macvlan: a MAC-based child of a parent device (IFLA_LINK), in one of the
// modes private, vepa, bridge, passthru, source (IFLA_MACVLAN_MODE).
#include <linux/if_link.h>

#include <string>

#include "rtnl/link_kind.h"

namespace np {
namespace {

uint32_t modeFromName(const std::string& name) {
  if (name == "private") return MACVLAN_MODE_PRIVATE;
  if (name == "vepa") return MACVLAN_MODE_VEPA;
  if (name == "bridge") return MACVLAN_MODE_BRIDGE;
  if (name == "passthru") return MACVLAN_MODE_PASSTHRU;
  if (name == "source") return MACVLAN_MODE_SOURCE;
  throw ArgumentError("mode: unknown macvlan mode '" + name + "' (private, vepa, bridge, passthru, source)");
}

const char* modeName(uint32_t mode) {
  switch (mode) {
    case MACVLAN_MODE_PRIVATE: return "private";
    case MACVLAN_MODE_VEPA: return "vepa";
    case MACVLAN_MODE_BRIDGE: return "bridge";
    case MACVLAN_MODE_PASSTHRU: return "passthru";
    case MACVLAN_MODE_SOURCE: return "source";
    default: return "unknown";
  }
}

void encode(const Object&, const Object& data, MessageBuilder& b, RequestContext&) {
  if (auto mode = getString(data, "mode")) b.putU32(IFLA_MACVLAN_MODE, modeFromName(*mode));
}

Object parse(const AttrTable& t) {
  Object o;
  if (auto a = t.get(IFLA_MACVLAN_MODE)) o["mode"] = Value(modeName(a->u32()));
  return o;
}

const LinkKind kMacvlan{"macvlan", encode, parse};
const LinkKindRegistration registration(kMacvlan);

}  // namespace
}  // namespace np
