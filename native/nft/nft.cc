#include "nft/nft.h"

#include <arpa/inet.h>

#include <linux/netfilter_arp.h>

#include <map>

namespace np::nft {

void beginMessage(MessageBuilder& b, int msg, uint16_t flags, uint8_t family) {
  b.beginMessage(messageType(msg), flags);
  nfgenmsg gen{};
  gen.nfgen_family = family;
  gen.version = NFNETLINK_V0;
  gen.res_id = htons(0);
  b.putHeader(gen);
}

uint8_t beginTableObject(const Object& args, MessageBuilder& b, RequestContext& ctx, int msg, uint16_t flags,
                         uint16_t tableAttr, uint16_t nameAttr, std::string_view nameKey) {
  uint8_t family = requireFamily(args);
  std::string table = requireString(args, "table"), name = requireString(args, nameKey);
  ctx.object = table + "/" + name;
  beginMessage(b, msg, flags, family);
  b.putString(tableAttr, table);
  b.putString(nameAttr, name);
  return family;
}

void beginDump(const Object& args, MessageBuilder& b, RequestContext& ctx, int msg) {
  ctx.dump = true;
  beginMessage(b, msg, 0, findField(args, "family") ? requireFamily(args) : static_cast<uint8_t>(NFPROTO_UNSPEC));
}

namespace {
std::string listNames(const Names& names) {
  std::string out;
  for (const Name& n : names) out += (out.empty() ? "" : ", ") + std::string(n.name);
  return out;
}
}  // namespace

std::optional<uint32_t> getName(const Object& args, std::string_view key, const Names& names) {
  auto s = getString(args, key);
  if (!s) return std::nullopt;
  for (const Name& n : names)
    if (n.name == *s) return n.value;
  throw ArgumentError(std::string(key) + ": unknown value '" + *s + "' (expected one of " + listNames(names) + ")");
}

uint32_t requireName(const Object& args, std::string_view key, const Names& names) {
  auto v = getName(args, key, names);
  if (!v) throw ArgumentError(std::string(key) + ": required (one of " + listNames(names) + ")");
  return *v;
}

Value nameOf(const Names& names, uint32_t value) {
  for (const Name& n : names)
    if (n.value == value) return Value(n.name);
  return Value(value);
}

uint32_t getFlags(const Object& args, std::string_view key, const Names& names) {
  const Array* list = getArray(args, key);
  if (!list) return 0;
  uint32_t flags = 0;
  for (const Value& item : *list) {
    Object one;
    one[std::string(key)] = item;
    flags |= requireName(one, key, names);
  }
  return flags;
}

Value flagNames(const Names& names, uint32_t flags) {
  Array out;
  for (const Name& n : names) {
    if (n.value != 0 && (flags & n.value) == n.value) {
      out.push_back(Value(n.name));
      flags &= ~n.value;
    }
  }
  // Bits this codec has no name for stay visible as a number.
  if (flags) out.push_back(Value(flags));
  return Value(std::move(out));
}

namespace {
const Names kFamilies = {{"ip", NFPROTO_IPV4},     {"ip6", NFPROTO_IPV6},     {"inet", NFPROTO_INET},
                         {"arp", NFPROTO_ARP},     {"bridge", NFPROTO_BRIDGE}, {"netdev", NFPROTO_NETDEV}};
const Names kInetHooks = {{"prerouting", NF_INET_PRE_ROUTING}, {"input", NF_INET_LOCAL_IN},
                          {"forward", NF_INET_FORWARD},        {"output", NF_INET_LOCAL_OUT},
                          {"postrouting", NF_INET_POST_ROUTING}, {"ingress", NF_INET_INGRESS}};
const Names kNetdevHooks = {{"ingress", NF_NETDEV_INGRESS}, {"egress", NF_NETDEV_EGRESS}};
const Names kArpHooks = {{"input", NF_ARP_IN}, {"output", NF_ARP_OUT}};
const Names& hooksOf(uint8_t family) {
  if (family == NFPROTO_NETDEV) return kNetdevHooks;
  if (family == NFPROTO_ARP) return kArpHooks;
  return kInetHooks;
}
const Names kVerdicts = {{"accept", NF_ACCEPT},         {"drop", NF_DROP},     {"continue", static_cast<uint32_t>(NFT_CONTINUE)},
                         {"break", static_cast<uint32_t>(NFT_BREAK)}, {"return", static_cast<uint32_t>(NFT_RETURN)},
                         {"jump", static_cast<uint32_t>(NFT_JUMP)},   {"goto", static_cast<uint32_t>(NFT_GOTO)}};
}  // namespace

uint8_t requireFamily(const Object& args) { return static_cast<uint8_t>(requireName(args, "family", kFamilies)); }
Value familyName(uint8_t family) { return nameOf(kFamilies, family); }
uint32_t requireHook(const Object& args, std::string_view key, uint8_t family) {
  return requireName(args, key, hooksOf(family));
}
Value hookName(uint8_t family, uint32_t hook) { return nameOf(hooksOf(family), hook); }
const Names& verdictNames() { return kVerdicts; }

std::optional<uint32_t> getRegister(const Object& args, std::string_view key) {
  auto reg = getUint(args, key, NFT_REG32_15);
  if (!reg) return std::nullopt;
  if (*reg >= __NFT_REG_MAX && *reg < NFT_REG32_00)
    throw ArgumentError(std::string(key) + ": " + std::to_string(*reg) + " is not a register");
  return static_cast<uint32_t>(*reg);
}

uint32_t requireRegister(const Object& args, std::string_view key) {
  auto reg = getRegister(args, key);
  if (!reg) throw ArgumentError(std::string(key) + ": register required");
  return *reg;
}

void putData(MessageBuilder& b, uint16_t type, const Object& data) {
  MessageBuilder::Nest nest(b, type);
  if (auto value = getBytes(data, "value")) {
    if (value->empty() || value->size() > NFT_DATA_VALUE_MAXLEN)
      throw ArgumentError("value: 1 to " + std::to_string(NFT_DATA_VALUE_MAXLEN) + " bytes");
    b.putBytes(NFTA_DATA_VALUE, *value);
    return;
  }
  auto code = getName(data, "verdict", kVerdicts);
  if (!code) throw ArgumentError("data: expected {value} or {verdict}");
  MessageBuilder::Nest verdict(b, NFTA_DATA_VERDICT);
  b.putBe32(NFTA_VERDICT_CODE, *code);
  auto chain = getString(data, "chain");
  if (*code == static_cast<uint32_t>(NFT_JUMP) || *code == static_cast<uint32_t>(NFT_GOTO)) {
    if (!chain || chain->empty()) throw ArgumentError("verdict: jump and goto need a chain");
    b.putString(NFTA_VERDICT_CHAIN, *chain);
  } else if (chain) {
    throw ArgumentError("verdict: only jump and goto take a chain");
  }
}

Value parseData(const Attr& nest) {
  AttrTable t(nest);
  Object out;
  if (const Attr* v = t.get(NFTA_DATA_VALUE)) {
    out["value"] = Value(v->bytes());
  } else if (const Attr* v = t.get(NFTA_DATA_VERDICT)) {
    AttrTable vt(*v);
    const Attr* code = vt.get(NFTA_VERDICT_CODE);
    if (!code) throw ParseError("verdict without a code");
    out["verdict"] = nameOf(kVerdicts, code->be32());
    if (const Attr* chain = vt.get(NFTA_VERDICT_CHAIN)) out["chain"] = Value(chain->str());
  } else {
    throw ParseError("nft_data with neither value nor verdict");
  }
  return Value(std::move(out));
}

Bytes dataValue(const Attr& nest) {
  AttrTable t(nest);  // named: the Attr it returns lives in the table
  const Attr* v = t.get(NFTA_DATA_VALUE);
  if (!v) throw ParseError("nft_data without a value");
  return v->bytes();
}

std::string stringAttr(const AttrTable& t, uint16_t type) {
  const Attr* a = t.get(type);
  if (!a) throw ParseError("nf_tables message without attribute " + std::to_string(type));
  return a->str();
}

Message parseMessage(const nlmsghdr* nlh) {
  auto gen = messageHeader<nfgenmsg>(nlh);
  return Message{gen.nfgen_family, messageAttrs(nlh, sizeof(nfgenmsg))};
}

namespace {
std::map<std::string, const ExprCodec*, std::less<>>& exprCodecs() {
  static std::map<std::string, const ExprCodec*, std::less<>> codecs;
  return codecs;
}
}  // namespace

ExprRegistration::ExprRegistration(const ExprCodec& codec) { exprCodecs()[std::string(codec.name)] = &codec; }

void encodeExpressions(MessageBuilder& b, uint16_t listType, const Array& exprs) {
  MessageBuilder::Nest list(b, listType);
  for (size_t i = 0; i < exprs.size(); i++) {
    const Object* expr = exprs[i].as<Object>();
    if (!expr) throw ArgumentError("expressions[" + std::to_string(i) + "]: expected an object");
    std::string type = requireString(*expr, "expr");
    auto it = exprCodecs().find(type);
    if (it == exprCodecs().end()) throw ArgumentError("expressions[" + std::to_string(i) + "]: unknown expression '" + type + "'");
    MessageBuilder::Nest elem(b, NFTA_LIST_ELEM);
    b.putString(NFTA_EXPR_NAME, type);
    // Kept even when empty (counter, masq): nft sends it so, and the kernel accepts both.
    MessageBuilder::Nest data(b, NFTA_EXPR_DATA);
    try {
      it->second->encode(*expr, b);
    } catch (const ArgumentError& e) {
      throw ArgumentError("expressions[" + std::to_string(i) + "] (" + type + "): " + e.what());
    }
  }
}

Array parseExpressions(const Attr& list) {
  Array out;
  AttrTable items(list);
  for (const Attr& elem : items.all()) {
    if (elem.type != NFTA_LIST_ELEM) continue;
    AttrTable t(elem);
    Object expr;
    std::string name = stringAttr(t, NFTA_EXPR_NAME);
    expr["expr"] = Value(name);
    AttrTable data;
    if (const Attr* d = t.get(NFTA_EXPR_DATA)) data = AttrTable(*d);
    auto it = exprCodecs().find(name);
    if (it != exprCodecs().end()) {
      it->second->parse(data, expr);
    } else {
      // An expression netplumb has no codec for (another tool's rule): keep its raw attributes.
      if (const Attr* d = t.get(NFTA_EXPR_DATA)) expr["raw"] = Value(d->bytes());
    }
    out.push_back(Value(std::move(expr)));
  }
  return out;
}

}  // namespace np::nft
