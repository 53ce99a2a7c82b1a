// log: logs the packet (`log prefix "..." level warn`, or to an nflog group).
#include "nft/nft.h"

#include <linux/netfilter/nf_log.h>

namespace np::nft {
namespace {

// args: [prefix, group, snaplen, qthreshold, level, flags]
void encode(const Object& args, MessageBuilder& b) {
  if (auto prefix = getString(args, "prefix")) {
    if (prefix->size() >= NF_LOG_PREFIXLEN) throw ArgumentError("prefix: at most 127 bytes");
    b.putString(NFTA_LOG_PREFIX, *prefix);
  }
  if (auto v = getUint(args, "group", UINT16_MAX)) b.putBe16(NFTA_LOG_GROUP, static_cast<uint16_t>(*v));
  if (auto v = getUint(args, "snaplen", UINT32_MAX)) b.putBe32(NFTA_LOG_SNAPLEN, static_cast<uint32_t>(*v));
  if (auto v = getUint(args, "qthreshold", UINT16_MAX)) b.putBe16(NFTA_LOG_QTHRESHOLD, static_cast<uint16_t>(*v));
  if (auto v = getUint(args, "level", 8)) b.putBe32(NFTA_LOG_LEVEL, static_cast<uint32_t>(*v));
  if (auto v = getUint(args, "flags", UINT32_MAX)) b.putBe32(NFTA_LOG_FLAGS, static_cast<uint32_t>(*v));
}

void parse(const AttrTable& t, Object& out) {
  if (const Attr* a = t.get(NFTA_LOG_PREFIX)) out["prefix"] = Value(a->str());
  if (const Attr* a = t.get(NFTA_LOG_GROUP)) out["group"] = Value(a->be16());
  if (const Attr* a = t.get(NFTA_LOG_SNAPLEN)) out["snaplen"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_LOG_QTHRESHOLD)) out["qthreshold"] = Value(a->be16());
  if (const Attr* a = t.get(NFTA_LOG_LEVEL)) out["level"] = Value(a->be32());
  if (const Attr* a = t.get(NFTA_LOG_FLAGS)) out["flags"] = Value(a->be32());
}

const ExprCodec kCodec{"log", encode, parse};
const ExprRegistration registration(kCodec);

}  // namespace
}  // namespace np::nft
