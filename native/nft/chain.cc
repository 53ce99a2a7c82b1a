// nf_tables chains: NFT_MSG_NEWCHAIN (regular, or base chains with a hook,
// priority, type and policy), NFT_MSG_DELCHAIN, NFT_MSG_GETCHAIN (dump), and
// flushing a chain's rules (NFT_MSG_DELRULE naming only the chain).
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kPolicies = {{"accept", NF_ACCEPT}, {"drop", NF_DROP}};

// args: family, table, name, [hook: {hook, priority, device}, type, policy, userdata]
void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "add chain";
  uint8_t family = beginTableObject(args, b, ctx, NFT_MSG_NEWCHAIN, NLM_F_CREATE, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME);
  const Object* hook = getObject(args, "hook");
  auto type = getString(args, "type");
  auto policy = getName(args, "policy", kPolicies);
  if (!hook && (type || policy)) throw ArgumentError("type and policy belong to base chains: give a hook");
  if (hook && !type) throw ArgumentError("type: a base chain needs a type (filter, nat, route)");
  if (hook) {
    b.putString(NFTA_CHAIN_TYPE, *type);
    if (policy) b.putBe32(NFTA_CHAIN_POLICY, *policy);
    MessageBuilder::Nest nest(b, NFTA_CHAIN_HOOK);
    b.putBe32(NFTA_HOOK_HOOKNUM, requireHook(*hook, "hook", family));
    auto priority = getInt(*hook, "priority", INT32_MIN, INT32_MAX);
    if (!priority) throw ArgumentError("hook.priority: required");
    b.putBe32(NFTA_HOOK_PRIORITY, static_cast<uint32_t>(static_cast<int32_t>(*priority)));
    if (auto device = getString(*hook, "device")) b.putString(NFTA_HOOK_DEV, *device);
  }
  if (auto userdata = getBytes(args, "userdata")) b.putBytes(NFTA_CHAIN_USERDATA, *userdata);
  b.endMessage();
}

// args: family, table, name
void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete chain";
  beginTableObject(args, b, ctx, NFT_MSG_DELCHAIN, 0, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME);
  b.endMessage();
}

// args: family, table, name: removes every rule of the chain (`nft flush chain`).
void encodeFlush(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "flush chain";
  beginTableObject(args, b, ctx, NFT_MSG_DELRULE, 0, NFTA_RULE_TABLE, NFTA_RULE_CHAIN);
  b.endMessage();
}

// args: [family]
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list chains";
  beginDump(args, b, ctx, NFT_MSG_GETCHAIN);
  b.endMessage();
}

Value parseChain(const nlmsghdr* nlh) {
  Message m = parseMessage(nlh);
  Object out;
  out["family"] = familyName(m.family);
  out["table"] = Value(stringAttr(m.attrs, NFTA_CHAIN_TABLE));
  out["name"] = Value(stringAttr(m.attrs, NFTA_CHAIN_NAME));
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_HANDLE)) out["handle"] = Value(a->be64());
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_HOOK)) {
    AttrTable h(*a);
    Object hook;
    if (const Attr* n = h.get(NFTA_HOOK_HOOKNUM)) hook["hook"] = hookName(m.family, n->be32());
    if (const Attr* p = h.get(NFTA_HOOK_PRIORITY)) hook["priority"] = Value(static_cast<int32_t>(p->be32()));
    if (const Attr* d = h.get(NFTA_HOOK_DEV)) hook["device"] = Value(d->str());
    out["hook"] = Value(std::move(hook));
  }
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_TYPE)) out["type"] = Value(a->str());
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_POLICY)) out["policy"] = nameOf(kPolicies, a->be32());
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_USE)) out["use"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_FLAGS)) out["flags"] = Value(a->be32());
  if (const Attr* a = m.attrs.get(NFTA_CHAIN_USERDATA)) out["userdata"] = Value(a->bytes());
  keepUnknown(out, m.attrs, NFTA_CHAIN_MAX);
  return Value(std::move(out));
}

const RequestCodec kAdd{"nft.chain.add", NETLINK_NETFILTER, encodeAdd};
const RequestCodec kDelete{"nft.chain.delete", NETLINK_NETFILTER, encodeDelete};
const RequestCodec kFlush{"nft.chain.flush", NETLINK_NETFILTER, encodeFlush};
const RequestCodec kDump{"nft.chain.dump", NETLINK_NETFILTER, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kDelete), Registration(kFlush), Registration(kDump),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_NEWCHAIN), "NFT_MSG_NEWCHAIN", parseChain),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_DELCHAIN), "NFT_MSG_DELCHAIN", parseChain),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_GETCHAIN), "NFT_MSG_GETCHAIN", nullptr),
};

}  // namespace
}  // namespace np::nft
