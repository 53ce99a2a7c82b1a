// immediate: a constant into a register (NAT addresses and ports), or a
// verdict into the verdict register (accept, drop, jump, goto, return ...).
#include "nft/nft.h"

namespace np::nft {
namespace {

// args: dreg, and data (Buffer) or verdict [+ chain]
void encode(const Object& args, MessageBuilder& b) {
  uint32_t dreg = requireRegister(args, "dreg");
  b.putBe32(NFTA_IMMEDIATE_DREG, dreg);
  if (auto data = getBytes(args, "data")) {
    if (dreg == NFT_REG_VERDICT) throw ArgumentError("data: the verdict register takes a verdict");
    putData(b, NFTA_IMMEDIATE_DATA, Object{{"value", Value(*data)}});
  } else {
    if (dreg != NFT_REG_VERDICT) throw ArgumentError("verdict: goes to the verdict register (dreg 0)");
    putData(b, NFTA_IMMEDIATE_DATA, args);
  }
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_IMMEDIATE_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_IMMEDIATE_DATA)) {
    Value data = parseData(*a);
    for (auto& [k, v] : *data.as<Object>()) out[k == "value" ? "data" : k] = v;
  }
}

const ExprCodec kCodec{"immediate", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
