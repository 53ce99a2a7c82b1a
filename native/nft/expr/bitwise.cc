// bitwise: dreg = (sreg & mask) ^ xor over len bytes (prefixes, flag tests),
// or a shift by data bits.
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kOps = {{"mask-xor", NFT_BITWISE_MASK_XOR}, {"lshift", NFT_BITWISE_LSHIFT}, {"rshift", NFT_BITWISE_RSHIFT}};

// args: sreg, dreg, len, mask and xor (Buffers of len bytes) or op lshift/rshift with data;
//       [op: 'mask-xor' sent explicitly, as nft does for some expressions]
void encode(const Object& args, MessageBuilder& b) {
  b.putBe32(NFTA_BITWISE_SREG, requireRegister(args, "sreg"));
  b.putBe32(NFTA_BITWISE_DREG, requireRegister(args, "dreg"));
  auto op = getName(args, "op", kOps);
  if (op) b.putBe32(NFTA_BITWISE_OP, *op);
  uint64_t len = requireUint(args, "len", NFT_DATA_VALUE_MAXLEN);
  b.putBe32(NFTA_BITWISE_LEN, static_cast<uint32_t>(len));
  if (!op || *op == NFT_BITWISE_MASK_XOR) {
    auto mask = getBytes(args, "mask");
    auto xorValue = getBytes(args, "xor");
    if (!mask || !xorValue || mask->size() != len || xorValue->size() != len)
      throw ArgumentError("mask and xor: required, len bytes each");
    putData(b, NFTA_BITWISE_MASK, Object{{"value", Value(*mask)}});
    putData(b, NFTA_BITWISE_XOR, Object{{"value", Value(*xorValue)}});
  } else {
    auto data = getBytes(args, "data");
    if (!data) throw ArgumentError("data: the shift in bits is required");
    putData(b, NFTA_BITWISE_DATA, Object{{"value", Value(*data)}});
  }
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_BITWISE_SREG)) out["sreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_BITWISE_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_BITWISE_OP)) out["op"] = nameOf(kOps, a->be32());
  if (const Attr* a = t.get(NFTA_BITWISE_LEN)) out["len"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_BITWISE_MASK)) out["mask"] = Value(dataValue(*a));
  if (const Attr* a = t.get(NFTA_BITWISE_XOR)) out["xor"] = Value(dataValue(*a));
  if (const Attr* a = t.get(NFTA_BITWISE_DATA)) out["data"] = Value(dataValue(*a));
}

const ExprCodec kCodec{"bitwise", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
