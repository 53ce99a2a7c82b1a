// cmp: compares a register with a constant (eq, neq, lt, lte, gt, gte); a
// failed comparison ends the rule.
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kOps = {{"eq", NFT_CMP_EQ}, {"neq", NFT_CMP_NEQ}, {"lt", NFT_CMP_LT},
                    {"lte", NFT_CMP_LTE}, {"gt", NFT_CMP_GT}, {"gte", NFT_CMP_GTE}};

// args: sreg, op, data (Buffer)
void encode(const Object& args, MessageBuilder& b) {
  b.putBe32(NFTA_CMP_SREG, requireRegister(args, "sreg"));
  b.putBe32(NFTA_CMP_OP, requireName(args, "op", kOps));
  auto data = getBytes(args, "data");
  if (!data) throw ArgumentError("data: required");
  putData(b, NFTA_CMP_DATA, Object{{"value", Value(*data)}});
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_CMP_SREG)) out["sreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_CMP_OP)) out["op"] = nameOf(kOps, a->be32());
  if (const Attr* a = t.get(NFTA_CMP_DATA)) out["data"] = Value(dataValue(*a));
}

const ExprCodec kCodec{"cmp", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
