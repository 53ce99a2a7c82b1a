// masq: source NAT to the outgoing interface's address (`masquerade`),
// optionally to a port range held in registers.
#include "nft/nft.h"

namespace np::nft {
namespace {

// args: [flags, regProtoMin, regProtoMax]
void encode(const Object& args, MessageBuilder& b) {
  if (uint32_t flags = getFlags(args, "flags", natRangeFlags())) b.putBe32(NFTA_MASQ_FLAGS, flags);
  if (auto r = getRegister(args, "regProtoMin")) b.putBe32(NFTA_MASQ_REG_PROTO_MIN, *r);
  if (auto r = getRegister(args, "regProtoMax")) b.putBe32(NFTA_MASQ_REG_PROTO_MAX, *r);
}

void parse(const AttrTable& t, Object& out) {
  out["flags"] = flagNames(natRangeFlags(), t.get(NFTA_MASQ_FLAGS) ? t.get(NFTA_MASQ_FLAGS)->be32() : 0);
  if (const Attr* a = t.get(NFTA_MASQ_REG_PROTO_MIN)) out["regProtoMin"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_MASQ_REG_PROTO_MAX)) out["regProtoMax"] = Value(a->be32());
}

const ExprCodec kCodec{"masq", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
