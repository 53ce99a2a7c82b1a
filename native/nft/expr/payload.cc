// payload: loads bytes of a packet header into a register (`ip saddr`,
// `tcp dport`), or writes a register into the packet (with checksum fix-up).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kBases = {{"link", NFT_PAYLOAD_LL_HEADER}, {"network", NFT_PAYLOAD_NETWORK_HEADER},
                      {"transport", NFT_PAYLOAD_TRANSPORT_HEADER}, {"inner", NFT_PAYLOAD_INNER_HEADER}};
const Names kCsumTypes = {{"none", NFT_PAYLOAD_CSUM_NONE}, {"inet", NFT_PAYLOAD_CSUM_INET}, {"sctp", NFT_PAYLOAD_CSUM_SCTP}};

// args: base, offset, len, and dreg (load) or sreg (write) with [csumType, csumOffset, csumFlags]
void encode(const Object& args, MessageBuilder& b) {
  auto dreg = getRegister(args, "dreg");
  auto sreg = getRegister(args, "sreg");
  if (dreg.has_value() == sreg.has_value()) throw ArgumentError("give dreg (load) or sreg (write)");
  if (dreg) b.putBe32(NFTA_PAYLOAD_DREG, *dreg);
  b.putBe32(NFTA_PAYLOAD_BASE, requireName(args, "base", kBases));
  b.putBe32(NFTA_PAYLOAD_OFFSET, static_cast<uint32_t>(requireUint(args, "offset", UINT16_MAX)));
  b.putBe32(NFTA_PAYLOAD_LEN, static_cast<uint32_t>(requireUint(args, "len", NFT_DATA_VALUE_MAXLEN)));
  if (sreg) {
    b.putBe32(NFTA_PAYLOAD_SREG, *sreg);
    if (auto t = getName(args, "csumType", kCsumTypes)) b.putBe32(NFTA_PAYLOAD_CSUM_TYPE, *t);
    if (auto o = getUint(args, "csumOffset", UINT16_MAX)) b.putBe32(NFTA_PAYLOAD_CSUM_OFFSET, static_cast<uint32_t>(*o));
    if (auto f = getUint(args, "csumFlags", UINT32_MAX)) b.putBe32(NFTA_PAYLOAD_CSUM_FLAGS, static_cast<uint32_t>(*f));
  }
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_PAYLOAD_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_SREG)) out["sreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_BASE)) out["base"] = nameOf(kBases, a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_OFFSET)) out["offset"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_LEN)) out["len"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_CSUM_TYPE)) out["csumType"] = nameOf(kCsumTypes, a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_CSUM_OFFSET)) out["csumOffset"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_PAYLOAD_CSUM_FLAGS)) out["csumFlags"] = Value(a->be32());
}

const ExprCodec kCodec{"payload", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
