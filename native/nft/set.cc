// nf_tables sets and maps: NFT_MSG_NEWSET (named or anonymous sets, maps and
// verdict maps, concatenated keys, intervals, timeouts), NFT_MSG_DELSET,
// NFT_MSG_GETSET (dump of a table's sets).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kSetFlags = {{"anonymous", NFT_SET_ANONYMOUS}, {"constant", NFT_SET_CONSTANT},
                         {"interval", NFT_SET_INTERVAL},   {"map", NFT_SET_MAP},
                         {"timeout", NFT_SET_TIMEOUT},     {"dynamic", NFT_SET_EVAL},
                         {"object", NFT_SET_OBJECT},       {"concat", NFT_SET_CONCAT},
                         {"expr", NFT_SET_EXPR}};
const Names kPolicies = {{"performance", NFT_SET_POL_PERFORMANCE}, {"memory", NFT_SET_POL_MEMORY}};

uint32_t u32Arg(const Object& args, std::string_view key) {
  return static_cast<uint32_t>(requireUint(args, key, UINT32_MAX));
}

// args: family, table, name, keyType, keyLen, [flags, dataType, dataLen, policy,
//        id, size, fields (lengths of concatenated key fields), timeout, gcInterval, userdata]
void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "add set";
  bool exclusive = getBool(args, "exclusive").value_or(false);
  beginTableObject(args, b, ctx, NFT_MSG_NEWSET, exclusive ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE, NFTA_SET_TABLE,
                   NFTA_SET_NAME);
  uint32_t flags = getFlags(args, "flags", kSetFlags);
  auto dataType = getUint(args, "dataType", UINT32_MAX);
  if (((flags & NFT_SET_MAP) != 0) != dataType.has_value())
    throw ArgumentError("dataType: a map (flags 'map') needs dataType and dataLen, a set has neither");
  b.putBe32(NFTA_SET_FLAGS, flags);
  b.putBe32(NFTA_SET_KEY_TYPE, u32Arg(args, "keyType"));
  b.putBe32(NFTA_SET_KEY_LEN, u32Arg(args, "keyLen"));
  if (dataType) {
    b.putBe32(NFTA_SET_DATA_TYPE, static_cast<uint32_t>(*dataType));
    b.putBe32(NFTA_SET_DATA_LEN, u32Arg(args, "dataLen"));
  }
  if (auto policy = getName(args, "policy", kPolicies)) b.putBe32(NFTA_SET_POLICY, *policy);
  if (auto timeout = getUint(args, "timeout", UINT64_MAX >> 11)) b.putBe64(NFTA_SET_TIMEOUT, *timeout);
  if (auto gc = getUint(args, "gcInterval", UINT32_MAX)) b.putBe32(NFTA_SET_GC_INTERVAL, static_cast<uint32_t>(*gc));
  if (auto id = getUint(args, "id", UINT32_MAX)) b.putBe32(NFTA_SET_ID, static_cast<uint32_t>(*id));
  auto size = getUint(args, "size", UINT32_MAX);
  const Array* fields = getArray(args, "fields");
  if (size || fields) {
    MessageBuilder::Nest desc(b, NFTA_SET_DESC);
    if (size) b.putBe32(NFTA_SET_DESC_SIZE, static_cast<uint32_t>(*size));
    if (fields) {
      MessageBuilder::Nest concat(b, NFTA_SET_DESC_CONCAT);
      for (const Value& f : *fields) {
        Object one{{"fields", f}};
        MessageBuilder::Nest elem(b, NFTA_LIST_ELEM);
        b.putBe32(NFTA_SET_FIELD_LEN, u32Arg(one, "fields"));
      }
    }
  }
  if (auto userdata = getBytes(args, "userdata")) b.putBytes(NFTA_SET_USERDATA, *userdata);
  b.endMessage();
}

// args: family, table, name
void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete set";
  beginTableObject(args, b, ctx, NFT_MSG_DELSET, 0, NFTA_SET_TABLE, NFTA_SET_NAME);
  b.endMessage();
}

// args: family, [table]
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list sets";
  beginDump(args, b, ctx, NFT_MSG_GETSET);
  if (auto table = getString(args, "table")) {
    ctx.object = *table;
    b.putString(NFTA_SET_TABLE, *table);
  }
  b.endMessage();
}

Value parseSet(const nlmsghdr* nlh) {
  Message m = parseMessage(nlh);
  Object out;
  out["family"] = familyName(m.family);
  out["table"] = Value(stringAttr(m.attrs, NFTA_SET_TABLE));
  out["name"] = Value(stringAttr(m.attrs, NFTA_SET_NAME));
  if (const Attr* a = m.attrs.get(NFTA_SET_HANDLE)) out["handle"] = Value(a->be64());
  out["flags"] = flagNames(kSetFlags, m.attrs.get(NFTA_SET_FLAGS) ? m.attrs.get(NFTA_SET_FLAGS)->be32() : 0);
  if (const Attr* a = m.attrs.get(NFTA_SET_KEY_TYPE)) out["keyType"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_SET_KEY_LEN)) out["keyLen"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_SET_DATA_TYPE)) out["dataType"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_SET_DATA_LEN)) out["dataLen"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_SET_POLICY)) out["policy"] = nameOf(kPolicies, a->be32());
  if (const Attr* a = m.attrs.get(NFTA_SET_TIMEOUT)) out["timeout"] = Value(a->be64());
  if (const Attr* a = m.attrs.get(NFTA_SET_GC_INTERVAL)) out["gcInterval"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_SET_DESC)) {
    AttrTable desc(*a);
    if (const Attr* s = desc.get(NFTA_SET_DESC_SIZE)) out["size"] = Value(s->be32());
    if (const Attr* c = desc.get(NFTA_SET_DESC_CONCAT)) {
      Array fields;
      AttrTable items(*c);
      for (const Attr& elem : items.all()) {
        AttrTable field(elem);
        if (const Attr* len = field.get(NFTA_SET_FIELD_LEN)) fields.push_back(Value(len->be32()));
      }
      out["fields"] = Value(std::move(fields));
    }
  }
  if (const Attr* a = m.attrs.get(NFTA_SET_USERDATA)) out["userdata"] = Value(a->bytes());
  keepUnknown(out, m.attrs, NFTA_SET_MAX);
  return Value(std::move(out));
}

const RequestCodec kAdd{"nft.set.add", NETLINK_NETFILTER, encodeAdd};
const RequestCodec kDelete{"nft.set.delete", NETLINK_NETFILTER, encodeDelete};
const RequestCodec kDump{"nft.set.dump", NETLINK_NETFILTER, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kDelete), Registration(kDump),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_NEWSET), "NFT_MSG_NEWSET", parseSet),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_DELSET), "NFT_MSG_DELSET", parseSet),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_GETSET), "NFT_MSG_GETSET", nullptr),
};

}  // namespace
}  // namespace np::nft
