// nat: snat or dnat to the address and port range held in registers (from
// immediates, or from a map lookup: `dnat to meta l4proto . th dport map @ports`).
#include "nft/nft.h"

#include <linux/netfilter/nf_nat.h>

namespace np::nft {
namespace {

const Names kTypes = {{"snat", NFT_NAT_SNAT}, {"dnat", NFT_NAT_DNAT}};
const Names kFamilies = {{"ip", NFPROTO_IPV4}, {"ip6", NFPROTO_IPV6}};

// args: type, family, [regAddrMin, regAddrMax, regProtoMin, regProtoMax, flags]
void encode(const Object& args, MessageBuilder& b) {
  b.putBe32(NFTA_NAT_TYPE, requireName(args, "type", kTypes));
  b.putBe32(NFTA_NAT_FAMILY, requireName(args, "family", kFamilies));
  if (auto r = getRegister(args, "regAddrMin")) b.putBe32(NFTA_NAT_REG_ADDR_MIN, *r);
  if (auto r = getRegister(args, "regAddrMax")) b.putBe32(NFTA_NAT_REG_ADDR_MAX, *r);
  if (auto r = getRegister(args, "regProtoMin")) b.putBe32(NFTA_NAT_REG_PROTO_MIN, *r);
  if (auto r = getRegister(args, "regProtoMax")) b.putBe32(NFTA_NAT_REG_PROTO_MAX, *r);
  if (uint32_t flags = getFlags(args, "flags", natRangeFlags())) b.putBe32(NFTA_NAT_FLAGS, flags);
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_NAT_TYPE)) out["type"] = nameOf(kTypes, a->be32());
  if (const Attr* a = t.get(NFTA_NAT_FAMILY)) out["family"] = nameOf(kFamilies, a->be32());
  if (const Attr* a = t.get(NFTA_NAT_REG_ADDR_MIN)) out["regAddrMin"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_NAT_REG_ADDR_MAX)) out["regAddrMax"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_NAT_REG_PROTO_MIN)) out["regProtoMin"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_NAT_REG_PROTO_MAX)) out["regProtoMax"] = Value(a->be32());
  out["flags"] = flagNames(natRangeFlags(), t.get(NFTA_NAT_FLAGS) ? t.get(NFTA_NAT_FLAGS)->be32() : 0);
}

const ExprCodec kCodec{"nat", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace

const Names& natRangeFlags() {
  static const Names names = {{"map-ips", NF_NAT_RANGE_MAP_IPS},
                              {"proto-specified", NF_NAT_RANGE_PROTO_SPECIFIED},
                              {"random", NF_NAT_RANGE_PROTO_RANDOM},
                              {"persistent", NF_NAT_RANGE_PERSISTENT},
                              {"fully-random", NF_NAT_RANGE_PROTO_RANDOM_FULLY},
                              {"proto-offset", NF_NAT_RANGE_PROTO_OFFSET},
                              {"netmap", NF_NAT_RANGE_NETMAP}};
  return names;
}

}  // namespace np::nft
