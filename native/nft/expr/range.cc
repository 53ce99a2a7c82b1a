// range: is a register within [from, to] (eq) or outside it (neq).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kOps = {{"eq", NFT_RANGE_EQ}, {"neq", NFT_RANGE_NEQ}};

// args: sreg, op, from, to (Buffers of equal length)
void encode(const Object& args, MessageBuilder& b) {
  auto from = getBytes(args, "from");
  auto to = getBytes(args, "to");
  if (!from || !to || from->size() != to->size()) throw ArgumentError("from and to: required, of equal length");
  b.putBe32(NFTA_RANGE_SREG, requireRegister(args, "sreg"));
  b.putBe32(NFTA_RANGE_OP, requireName(args, "op", kOps));
  putData(b, NFTA_RANGE_FROM_DATA, Object{{"value", Value(*from)}});
  putData(b, NFTA_RANGE_TO_DATA, Object{{"value", Value(*to)}});
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_RANGE_SREG)) out["sreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_RANGE_OP)) out["op"] = nameOf(kOps, a->be32());
  if (const Attr* a = t.get(NFTA_RANGE_FROM_DATA)) out["from"] = Value(dataValue(*a));
  if (const Attr* a = t.get(NFTA_RANGE_TO_DATA)) out["to"] = Value(dataValue(*a));
}

const ExprCodec kCodec{"range", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
