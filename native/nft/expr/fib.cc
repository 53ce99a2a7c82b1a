// fib: a routing lookup into a register (`fib daddr type local`: the type of
// the destination address; `fib saddr . iif oif`: reverse path check).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kResults = {{"oif", NFT_FIB_RESULT_OIF}, {"oifname", NFT_FIB_RESULT_OIFNAME}, {"type", NFT_FIB_RESULT_ADDRTYPE}};
const Names kFlags = {{"saddr", NFTA_FIB_F_SADDR}, {"daddr", NFTA_FIB_F_DADDR}, {"mark", NFTA_FIB_F_MARK},
                      {"iif", NFTA_FIB_F_IIF},     {"oif", NFTA_FIB_F_OIF},     {"present", NFTA_FIB_F_PRESENT}};

// args: dreg, result, flags
void encode(const Object& args, MessageBuilder& b) {
  uint32_t flags = getFlags(args, "flags", kFlags);
  if (!(flags & (NFTA_FIB_F_SADDR | NFTA_FIB_F_DADDR))) throw ArgumentError("flags: saddr or daddr required");
  b.putBe32(NFTA_FIB_FLAGS, flags);
  b.putBe32(NFTA_FIB_RESULT, requireName(args, "result", kResults));
  b.putBe32(NFTA_FIB_DREG, requireRegister(args, "dreg"));
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_FIB_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_FIB_RESULT)) out["result"] = nameOf(kResults, a->be32());
  if (const Attr* a = t.get(NFTA_FIB_FLAGS)) out["flags"] = flagNames(kFlags, a->be32());
}

const ExprCodec kCodec{"fib", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
