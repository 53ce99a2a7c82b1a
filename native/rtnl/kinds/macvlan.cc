// macvlan and macvtap: `ip link add NAME link PARENT type macvlan|macvtap
// [mode private|vepa|bridge|passthru|source] [nopromisc]`. Both kinds share
// IFLA_MACVLAN_*; macvtap adds a character device (/dev/tapN) on top.
#include <linux/if_link.h>

#include "rtnl/link_kind.h"

namespace np {
namespace {

struct ModeName {
  std::string_view name;
  uint32_t mode;
};
constexpr ModeName kModes[] = {
    {"private", MACVLAN_MODE_PRIVATE}, {"vepa", MACVLAN_MODE_VEPA},     {"bridge", MACVLAN_MODE_BRIDGE},
    {"passthru", MACVLAN_MODE_PASSTHRU}, {"source", MACVLAN_MODE_SOURCE},
};

void encode(const Object&, const Object& data, MessageBuilder& b, RequestContext&) {
  if (auto mode = getString(data, "mode")) {
    const ModeName* found = nullptr;
    for (const auto& m : kModes)
      if (m.name == *mode) found = &m;
    if (!found) throw ArgumentError("mode: unknown macvlan mode '" + *mode + "'");
    b.putU32(IFLA_MACVLAN_MODE, found->mode);
  }
  if (auto nopromisc = getBool(data, "nopromisc")) b.putU16(IFLA_MACVLAN_FLAGS, *nopromisc ? MACVLAN_FLAG_NOPROMISC : 0);
}

Object parse(const AttrTable& t) {
  Object o;
  if (auto a = t.get(IFLA_MACVLAN_MODE)) {
    uint32_t mode = a->u32();
    o["mode"] = Value(std::to_string(mode));
    for (const auto& m : kModes)
      if (m.mode == mode) o["mode"] = Value(m.name);
  }
  if (auto a = t.get(IFLA_MACVLAN_FLAGS)) o["nopromisc"] = Value((a->u16() & MACVLAN_FLAG_NOPROMISC) != 0);
  return o;
}

const LinkKind kMacvlan{"macvlan", encode, parse};
const LinkKind kMacvtap{"macvtap", encode, parse};
const LinkKindRegistration registrations[] = {LinkKindRegistration(kMacvlan), LinkKindRegistration(kMacvtap)};

}  // namespace
}  // namespace np
