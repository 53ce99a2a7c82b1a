// ct: connection tracking state into a register (`ct state`, `ct original
// ip daddr`, `ct mark`), or a register into it (`ct mark set`).
#include "nft/nft.h"

#include <linux/netfilter/nf_conntrack_tuple_common.h>

namespace np::nft {
namespace {

const Names kKeys = {
    {"state", NFT_CT_STATE},         {"direction", NFT_CT_DIRECTION}, {"status", NFT_CT_STATUS},
    {"mark", NFT_CT_MARK},           {"secmark", NFT_CT_SECMARK},     {"expiration", NFT_CT_EXPIRATION},
    {"helper", NFT_CT_HELPER},       {"l3proto", NFT_CT_L3PROTOCOL},  {"protocol", NFT_CT_PROTOCOL},
    {"proto-src", NFT_CT_PROTO_SRC}, {"proto-dst", NFT_CT_PROTO_DST}, {"label", NFT_CT_LABELS},
    {"packets", NFT_CT_PKTS},        {"bytes", NFT_CT_BYTES},         {"avgpkt", NFT_CT_AVGPKT},
    {"zone", NFT_CT_ZONE},           {"event", NFT_CT_EVENTMASK},     {"ip-saddr", NFT_CT_SRC_IP},
    {"ip-daddr", NFT_CT_DST_IP},     {"ip6-saddr", NFT_CT_SRC_IP6},   {"ip6-daddr", NFT_CT_DST_IP6},
    {"id", NFT_CT_ID},               {"saddr", NFT_CT_SRC},           {"daddr", NFT_CT_DST},
};
// IP_CT_DIR_ORIGINAL and IP_CT_DIR_REPLY (linux/netfilter/nf_conntrack_tuple_common.h).
const Names kDirections = {{"original", IP_CT_DIR_ORIGINAL}, {"reply", IP_CT_DIR_REPLY}};

// args: key, dreg (load) or sreg (set), [direction]
void encode(const Object& args, MessageBuilder& b) {
  auto dreg = getRegister(args, "dreg");
  auto sreg = getRegister(args, "sreg");
  if (dreg.has_value() == sreg.has_value()) throw ArgumentError("give dreg (load) or sreg (set)");
  b.putBe32(NFTA_CT_KEY, requireName(args, "key", kKeys));
  if (dreg) b.putBe32(NFTA_CT_DREG, *dreg);
  if (auto dir = getName(args, "direction", kDirections)) b.putU8(NFTA_CT_DIRECTION, static_cast<uint8_t>(*dir));
  if (sreg) b.putBe32(NFTA_CT_SREG, *sreg);
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_CT_KEY)) out["key"] = nameOf(kKeys, a->be32());
  if (const Attr* a = t.get(NFTA_CT_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_CT_SREG)) out["sreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_CT_DIRECTION)) out["direction"] = nameOf(kDirections, a->u8());
}

const ExprCodec kCodec{"ct", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
