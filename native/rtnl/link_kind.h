// A link kind (veth, bridge, vxlan ...) or a port kind (bridge_slave) knows how
// to encode and parse its IFLA_INFO_DATA / IFLA_INFO_SLAVE_DATA. Each kind is a
// file in rtnl/kinds/ that registers itself here.
#pragma once

#include <string_view>

#include "common/value.h"
#include "nl/attrs.h"
#include "nl/builder.h"
#include "nl/registry.h"

namespace np {

struct LinkKind {
  std::string_view name;  // IFLA_INFO_KIND: "veth", "bridge" ...
  // Writes the attributes inside IFLA_INFO_DATA (or SLAVE_DATA); the nest is
  // opened by the caller. args is the whole request, data its "data" object.
  void (*encode)(const Object& args, const Object& data, MessageBuilder& b, RequestContext& ctx);
  // Reads the attributes of IFLA_INFO_DATA (or SLAVE_DATA).
  Object (*parse)(const AttrTable& data);
};

struct LinkKindRegistration {
  // port = false: IFLA_INFO_KIND kinds; port = true: IFLA_INFO_SLAVE_KIND kinds.
  LinkKindRegistration(const LinkKind& kind, bool port = false);
};

const LinkKind* findLinkKind(std::string_view name);
const LinkKind* findPortKind(std::string_view name);

// Shared by link.cc and kinds that nest a whole link (veth's peer): writes
// ifinfomsg and the generic link attributes of args.
void encodeLinkBody(const Object& args, MessageBuilder& b, RequestContext& ctx, bool create);
Value parseLinkMessage(const nlmsghdr* nlh);

}  // namespace np
