// redir: destination NAT to the local machine (`redirect to :5353`), the
// port range held in registers.
#include "nft/nft.h"

namespace np::nft {
namespace {

// args: [regProtoMin, regProtoMax, flags]
void encode(const Object& args, MessageBuilder& b) {
  if (auto r = getRegister(args, "regProtoMin")) b.putBe32(NFTA_REDIR_REG_PROTO_MIN, *r);
  if (auto r = getRegister(args, "regProtoMax")) b.putBe32(NFTA_REDIR_REG_PROTO_MAX, *r);
  if (uint32_t flags = getFlags(args, "flags", natRangeFlags())) b.putBe32(NFTA_REDIR_FLAGS, flags);
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_REDIR_REG_PROTO_MIN)) out["regProtoMin"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_REDIR_REG_PROTO_MAX)) out["regProtoMax"] = Value(a->be32());
  out["flags"] = flagNames(natRangeFlags(), t.get(NFTA_REDIR_FLAGS) ? t.get(NFTA_REDIR_FLAGS)->be32() : 0);
}

const ExprCodec kCodec{"redir", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
