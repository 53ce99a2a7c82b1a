// lookup: is the key in sreg an element of a set (`ip saddr @blocked`), and
// for maps, the element's data into dreg (`dnat to ... map @ports`; dreg 0,
// the verdict register, for verdict maps).
#include "nft/nft.h"

namespace np::nft {
namespace {

// args: sreg, set (name), [setId (a set made in the same transaction), dreg, invert]
void encode(const Object& args, MessageBuilder& b) {
  b.putBe32(NFTA_LOOKUP_SREG, requireRegister(args, "sreg"));
  if (auto dreg = getRegister(args, "dreg")) b.putBe32(NFTA_LOOKUP_DREG, *dreg);
  b.putString(NFTA_LOOKUP_SET, requireString(args, "set"));
  if (auto id = getUint(args, "setId", UINT32_MAX)) b.putBe32(NFTA_LOOKUP_SET_ID, static_cast<uint32_t>(*id));
  if (getBool(args, "invert").value_or(false)) b.putBe32(NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_LOOKUP_SREG)) out["sreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_LOOKUP_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_LOOKUP_SET)) out["set"] = Value(a->str());
  if (const Attr* a = t.get(NFTA_LOOKUP_SET_ID)) out["setId"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_LOOKUP_FLAGS)) out["invert"] = Value((a->be32() & NFT_LOOKUP_F_INV) != 0);
}

const ExprCodec kCodec{"lookup", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
