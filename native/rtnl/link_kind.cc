#include "rtnl/link_kind.h"

#include <map>
#include <string>

namespace np {

namespace {
using KindTable = std::map<std::string, const LinkKind*, std::less<>>;
KindTable& kinds() {
  static KindTable t;
  return t;
}
KindTable& portKinds() {
  static KindTable t;
  return t;
}
const LinkKind* find(KindTable& t, std::string_view name) {
  auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}
}  // namespace

LinkKindRegistration::LinkKindRegistration(const LinkKind& kind, bool port) {
  (port ? portKinds() : kinds())[std::string(kind.name)] = &kind;
}

const LinkKind* findLinkKind(std::string_view name) { return find(kinds(), name); }
const LinkKind* findPortKind(std::string_view name) { return find(portKinds(), name); }

}  // namespace np
