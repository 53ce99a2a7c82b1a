// veth: a pair; the peer is a whole link description nested in VETH_INFO_PEER,
// so it can be born directly inside another namespace (args.peer.netns).
#include <linux/veth.h>

#include "rtnl/link_kind.h"

namespace np {
namespace {

void encode(const Object& args, const Object&, MessageBuilder& b, RequestContext& ctx) {
  const Object* peer = getObject(args, "peer");
  if (!peer) return;
  MessageBuilder::Nest nest(b, VETH_INFO_PEER);
  encodeLinkBody(*peer, b, ctx, true);
}

const LinkKind kVeth{"veth", encode, nullptr};
const LinkKindRegistration registration(kVeth);

}  // namespace
}  // namespace np
