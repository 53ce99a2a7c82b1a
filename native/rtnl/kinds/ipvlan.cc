// ipvlan: `ip link add NAME link PARENT type ipvlan [mode l2|l3|l3s]
// [bridge|private|vepa]`. bridge is the absence of the other two flags.
#include <linux/if_link.h>

#include "rtnl/link_kind.h"

namespace np {
namespace {

struct Named {
  std::string_view name;
  uint16_t value;
};
constexpr Named kModes[] = {{"l2", IPVLAN_MODE_L2}, {"l3", IPVLAN_MODE_L3}, {"l3s", IPVLAN_MODE_L3S}};
constexpr Named kFlags[] = {{"bridge", 0}, {"private", IPVLAN_F_PRIVATE}, {"vepa", IPVLAN_F_VEPA}};

template <size_t N>
const Named* lookup(const Named (&table)[N], const std::string& name) {
  for (const auto& n : table)
    if (n.name == name) return &n;
  return nullptr;
}

void encode(const Object&, const Object& data, MessageBuilder& b, RequestContext&) {
  if (auto mode = getString(data, "mode")) {
    const Named* m = lookup(kModes, *mode);
    if (!m) throw ArgumentError("mode: unknown ipvlan mode '" + *mode + "'");
    b.putU16(IFLA_IPVLAN_MODE, m->value);
  }
  if (auto flag = getString(data, "flag")) {
    const Named* f = lookup(kFlags, *flag);
    if (!f) throw ArgumentError("flag: unknown ipvlan flag '" + *flag + "'");
    b.putU16(IFLA_IPVLAN_FLAGS, f->value);
  }
}

Object parse(const AttrTable& t) {
  Object o;
  if (auto a = t.get(IFLA_IPVLAN_MODE)) {
    o["mode"] = Value(a->u16());
    for (const auto& m : kModes)
      if (m.value == a->u16()) o["mode"] = Value(m.name);
  }
  if (auto a = t.get(IFLA_IPVLAN_FLAGS)) {
    o["flag"] = Value(a->u16());
    for (const auto& f : kFlags)
      if (f.value == a->u16()) o["flag"] = Value(f.name);
  }
  return o;
}

const LinkKind kIpvlan{"ipvlan", encode, parse};
const LinkKindRegistration registration(kIpvlan);

}  // namespace
}  // namespace np
