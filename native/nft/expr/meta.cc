// meta: packet metadata into a register (`meta l4proto`, `iifname`, `meta
// mark`), or a register into the metadata (`meta mark set ...`).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kKeys = {
    {"len", NFT_META_LEN},           {"protocol", NFT_META_PROTOCOL},   {"priority", NFT_META_PRIORITY},
    {"mark", NFT_META_MARK},         {"iif", NFT_META_IIF},             {"oif", NFT_META_OIF},
    {"iifname", NFT_META_IIFNAME},   {"oifname", NFT_META_OIFNAME},     {"iiftype", NFT_META_IIFTYPE},
    {"oiftype", NFT_META_OIFTYPE},   {"skuid", NFT_META_SKUID},         {"skgid", NFT_META_SKGID},
    {"nftrace", NFT_META_NFTRACE},   {"rtclassid", NFT_META_RTCLASSID}, {"secmark", NFT_META_SECMARK},
    {"nfproto", NFT_META_NFPROTO},   {"l4proto", NFT_META_L4PROTO},     {"ibrname", NFT_META_BRI_IIFNAME},
    {"obrname", NFT_META_BRI_OIFNAME}, {"pkttype", NFT_META_PKTTYPE},   {"cpu", NFT_META_CPU},
    {"iifgroup", NFT_META_IIFGROUP}, {"oifgroup", NFT_META_OIFGROUP},   {"cgroup", NFT_META_CGROUP},
    {"random", NFT_META_PRANDOM},    {"secpath", NFT_META_SECPATH},     {"iifkind", NFT_META_IIFKIND},
    {"oifkind", NFT_META_OIFKIND},   {"sdif", NFT_META_SDIF},           {"sdifname", NFT_META_SDIFNAME},
};

// args: key, and dreg (load) or sreg (set)
void encode(const Object& args, MessageBuilder& b) {
  auto dreg = getRegister(args, "dreg");
  auto sreg = getRegister(args, "sreg");
  if (dreg.has_value() == sreg.has_value()) throw ArgumentError("give dreg (load) or sreg (set)");
  b.putBe32(NFTA_META_KEY, requireName(args, "key", kKeys));
  if (dreg) b.putBe32(NFTA_META_DREG, *dreg);
  if (sreg) b.putBe32(NFTA_META_SREG, *sreg);
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_META_KEY)) out["key"] = nameOf(kKeys, a->be32());
  if (const Attr* a = t.get(NFTA_META_DREG)) out["dreg"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_META_SREG)) out["sreg"] = Value(a->be32());
}

const ExprCodec kCodec{"meta", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
