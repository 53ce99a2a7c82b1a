// reject: drops the packet and answers it (`reject with tcp reset`, an ICMP
// unreachable of some code, or icmpx for both IP versions in inet tables).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kTypes = {{"icmp-unreach", NFT_REJECT_ICMP_UNREACH}, {"tcp-rst", NFT_REJECT_TCP_RST},
                      {"icmpx-unreach", NFT_REJECT_ICMPX_UNREACH}};

// args: type, [code] (ICMP code; nft sends 0 for tcp-rst)
void encode(const Object& args, MessageBuilder& b) {
  b.putBe32(NFTA_REJECT_TYPE, requireName(args, "type", kTypes));
  b.putU8(NFTA_REJECT_ICMP_CODE, static_cast<uint8_t>(getUint(args, "code", UINT8_MAX).value_or(0)));
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_REJECT_TYPE)) out["type"] = nameOf(kTypes, a->be32());
  if (const Attr* a = t.get(NFTA_REJECT_ICMP_CODE)) out["code"] = Value(a->u8());
}

const ExprCodec kCodec{"reject", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
