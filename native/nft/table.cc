// nf_tables tables: NFT_MSG_NEWTABLE (add, create), NFT_MSG_DELTABLE,
// NFT_MSG_GETTABLE (one, or a dump).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kTableFlags = {{"dormant", NFT_TABLE_F_DORMANT}, {"owner", NFT_TABLE_F_OWNER}};

// args: family, name, [flags, userdata, exclusive]
void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  uint8_t family = requireFamily(args);
  std::string name = requireString(args, "name");
  ctx.action = "add table";
  ctx.object = name;
  // Like `nft add table`: an existing table is kept (and its flags updated);
  // exclusive is `nft create table`, which fails with EEXIST instead.
  bool exclusive = getBool(args, "exclusive").value_or(false);
  beginMessage(b, NFT_MSG_NEWTABLE, exclusive ? NLM_F_CREATE | NLM_F_EXCL : 0, family);
  b.putString(NFTA_TABLE_NAME, name);
  b.putBe32(NFTA_TABLE_FLAGS, getFlags(args, "flags", kTableFlags));
  if (auto userdata = getBytes(args, "userdata")) b.putBytes(NFTA_TABLE_USERDATA, *userdata);
  b.endMessage();
}

void encodeNamed(const Object& args, MessageBuilder& b, int msg, uint16_t flags) {
  uint8_t family = requireFamily(args);
  beginMessage(b, msg, flags, family);
  b.putString(NFTA_TABLE_NAME, requireString(args, "name"));
  b.endMessage();
}

// args: family, name
void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete table";
  ctx.object = requireString(args, "name");
  encodeNamed(args, b, NFT_MSG_DELTABLE, 0);
}

// args: family, name
void encodeGet(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "get table";
  ctx.object = requireString(args, "name");
  encodeNamed(args, b, NFT_MSG_GETTABLE, 0);
}

// args: [family] (all families when absent)
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list tables";
  beginDump(args, b, ctx, NFT_MSG_GETTABLE);
  b.endMessage();
}

Value parseTable(const nlmsghdr* nlh) {
  Message m = parseMessage(nlh);
  Object out;
  out["family"] = familyName(m.family);
  out["name"] = Value(stringAttr(m.attrs, NFTA_TABLE_NAME));
  if (const Attr* a = m.attrs.get(NFTA_TABLE_FLAGS)) out["flags"] = flagNames(kTableFlags, a->be32());
  if (const Attr* a = m.attrs.get(NFTA_TABLE_USE)) out["use"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_TABLE_HANDLE)) out["handle"] = Value(a->be64());
  if (const Attr* a = m.attrs.get(NFTA_TABLE_USERDATA)) out["userdata"] = Value(a->bytes());
  if (const Attr* a = m.attrs.get(NFTA_TABLE_OWNER)) out["owner"] = Value(a->be32());
  keepUnknown(out, m.attrs, NFTA_TABLE_MAX);
  return Value(std::move(out));
}

const RequestCodec kAdd{"nft.table.add", NETLINK_NETFILTER, encodeAdd};
const RequestCodec kDelete{"nft.table.delete", NETLINK_NETFILTER, encodeDelete};
const RequestCodec kGet{"nft.table.get", NETLINK_NETFILTER, encodeGet};
const RequestCodec kDump{"nft.table.dump", NETLINK_NETFILTER, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kDelete), Registration(kGet), Registration(kDump),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_NEWTABLE), "NFT_MSG_NEWTABLE", parseTable),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_DELTABLE), "NFT_MSG_DELTABLE", parseTable),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_GETTABLE), "NFT_MSG_GETTABLE", nullptr),
};

}  // namespace
}  // namespace np::nft
