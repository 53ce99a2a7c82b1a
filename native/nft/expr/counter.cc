// counter: counts the packets and bytes that reach it (`counter`).
#include "nft/nft.h"

namespace np::nft {
namespace {

// args: [packets, bytes] (starting values; nft sends none)
void encode(const Object& args, MessageBuilder& b) {
  if (auto v = getUint(args, "bytes", UINT64_MAX >> 11)) b.putBe64(NFTA_COUNTER_BYTES, *v);
  if (auto v = getUint(args, "packets", UINT64_MAX >> 11)) b.putBe64(NFTA_COUNTER_PACKETS, *v);
}

void parse(const AttrTable& t, Object& out) {
  out["bytes"] = Value(t.get(NFTA_COUNTER_BYTES) ? t.get(NFTA_COUNTER_BYTES)->be64() : 0);
  out["packets"] = Value(t.get(NFTA_COUNTER_PACKETS) ? t.get(NFTA_COUNTER_PACKETS)->be64() : 0);
}

const ExprCodec kCodec{"counter", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
