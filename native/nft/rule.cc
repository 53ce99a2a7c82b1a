// nf_tables rules: NFT_MSG_NEWRULE (append, insert, replace), NFT_MSG_DELRULE
// (one rule by handle), NFT_MSG_GETRULE (dump of a table or chain). A rule
// is its list of expressions (nft/expr/) plus the userdata nft shows as its
// comment; netplumb writes its owner there.
#include "nft/nft.h"

namespace np::nft {
namespace {

// args: family, table, chain, expressions, [userdata, position (a rule handle),
//        insert (before position, or at the start), handle (replace that rule), echo]
void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  const Array* exprs = getArray(args, "expressions");
  if (!exprs) throw ArgumentError("expressions: required");
  auto handle = getUint(args, "handle", UINT64_MAX >> 11);
  auto position = getUint(args, "position", UINT64_MAX >> 11);
  bool insert = getBool(args, "insert").value_or(false);
  if (handle && (insert || position)) throw ArgumentError("handle (replace) excludes insert and position");
  ctx.action = handle ? "replace rule" : insert ? "insert rule" : "add rule";
  // `nft add rule` appends (after position when given); `nft insert rule`
  // goes before position, or first; `nft replace rule ... handle N`.
  uint16_t flags = handle ? NLM_F_REPLACE : insert ? NLM_F_CREATE : NLM_F_CREATE | NLM_F_APPEND;
  if (getBool(args, "echo").value_or(false)) flags |= NLM_F_ECHO;
  beginTableObject(args, b, ctx, NFT_MSG_NEWRULE, flags, NFTA_RULE_TABLE, NFTA_RULE_CHAIN, "chain");
  if (handle) b.putBe64(NFTA_RULE_HANDLE, *handle);
  if (position) b.putBe64(NFTA_RULE_POSITION, *position);
  encodeExpressions(b, NFTA_RULE_EXPRESSIONS, *exprs);
  if (auto userdata = getBytes(args, "userdata")) b.putBytes(NFTA_RULE_USERDATA, *userdata);
  b.endMessage();
}

// args: family, table, chain, handle
void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete rule";
  uint64_t handle = requireUint(args, "handle", UINT64_MAX >> 11);
  beginTableObject(args, b, ctx, NFT_MSG_DELRULE, 0, NFTA_RULE_TABLE, NFTA_RULE_CHAIN, "chain");
  ctx.object += " handle " + std::to_string(handle);
  b.putBe64(NFTA_RULE_HANDLE, handle);
  b.endMessage();
}

// args: family, [table, chain]: the kernel filters the dump by them.
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list rules";
  beginDump(args, b, ctx, NFT_MSG_GETRULE);
  auto table = getString(args, "table");
  auto chain = getString(args, "chain");
  if (chain && !table) throw ArgumentError("chain: give its table too");
  if (table) {
    ctx.object = *table;
    b.putString(NFTA_RULE_TABLE, *table);
  }
  if (chain) b.putString(NFTA_RULE_CHAIN, *chain);
  b.endMessage();
}

Value parseRule(const nlmsghdr* nlh) {
  Message m = parseMessage(nlh);
  Object out;
  out["family"] = familyName(m.family);
  out["table"] = Value(stringAttr(m.attrs, NFTA_RULE_TABLE));
  out["chain"] = Value(stringAttr(m.attrs, NFTA_RULE_CHAIN));
  if (const Attr* a = m.attrs.get(NFTA_RULE_HANDLE)) out["handle"] = Value(a->be64());
  if (const Attr* a = m.attrs.get(NFTA_RULE_POSITION)) out["position"] = Value(a->be64());
  if (const Attr* a = m.attrs.get(NFTA_RULE_EXPRESSIONS)) out["expressions"] = Value(parseExpressions(*a));
  if (const Attr* a = m.attrs.get(NFTA_RULE_USERDATA)) out["userdata"] = Value(a->bytes());
  keepUnknown(out, m.attrs, NFTA_RULE_MAX);
  return Value(std::move(out));
}

const RequestCodec kAdd{"nft.rule.add", NETLINK_NETFILTER, encodeAdd};
const RequestCodec kDelete{"nft.rule.delete", NETLINK_NETFILTER, encodeDelete};
const RequestCodec kDump{"nft.rule.dump", NETLINK_NETFILTER, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kDelete), Registration(kDump),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_NEWRULE), "NFT_MSG_NEWRULE", parseRule),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_DELRULE), "NFT_MSG_DELRULE", parseRule),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_GETRULE), "NFT_MSG_GETRULE", nullptr),
};

}  // namespace
}  // namespace np::nft
