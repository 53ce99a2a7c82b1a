// limit: matches while the rate stays under `rate` per `unit` seconds
// (`limit rate 10/second burst 5 packets`), or over it with invert.
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kTypes = {{"packets", NFT_LIMIT_PKTS}, {"bytes", NFT_LIMIT_PKT_BYTES}};

// args: rate, unit (seconds), [burst, type, invert]
void encode(const Object& args, MessageBuilder& b) {
  uint64_t rate = requireUint(args, "rate", UINT64_MAX >> 11);
  uint64_t unit = requireUint(args, "unit", UINT64_MAX >> 11);
  if (rate == 0 || unit == 0) throw ArgumentError("rate and unit: must be positive");
  b.putBe64(NFTA_LIMIT_RATE, rate);
  b.putBe64(NFTA_LIMIT_UNIT, unit);
  b.putBe32(NFTA_LIMIT_BURST, static_cast<uint32_t>(getUint(args, "burst", UINT32_MAX).value_or(5)));
  b.putBe32(NFTA_LIMIT_TYPE, getName(args, "type", kTypes).value_or(NFT_LIMIT_PKTS));
  b.putBe32(NFTA_LIMIT_FLAGS, getBool(args, "invert").value_or(false) ? NFT_LIMIT_F_INV : 0);
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_LIMIT_RATE)) out["rate"] = Value(a->be64());
  if (const Attr* a = t.get(NFTA_LIMIT_UNIT)) out["unit"] = Value(a->be64());
  if (const Attr* a = t.get(NFTA_LIMIT_BURST)) out["burst"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_LIMIT_TYPE)) out["type"] = nameOf(kTypes, a->be32());
  if (const Attr* a = t.get(NFTA_LIMIT_FLAGS)) out["invert"] = Value((a->be32() & NFT_LIMIT_F_INV) != 0);
}

const ExprCodec kCodec{"limit", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
