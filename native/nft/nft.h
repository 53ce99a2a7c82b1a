// Shared pieces of the nf_tables codecs: the nfgenmsg message header, family
// and hook names, nft_data (values and verdicts), registers, symbolic names
// for the kernel's enums, and the table of expression codecs (one file per
// expression in nft/expr/, each registering itself).
#pragma once

// netinet/in.h before the UAPI headers, so linux/in.h defers to libc's definitions.
#include <netinet/in.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/value.h"
#include "nl/attrs.h"
#include "nl/builder.h"
#include "nl/registry.h"

namespace np::nft {

// The netlink message type of an nf_tables message (NFT_MSG_*).
constexpr uint16_t messageType(int msg) { return static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg); }

// Starts an nf_tables message: nlmsghdr and nfgenmsg (version NFNETLINK_V0, res_id 0).
void beginMessage(MessageBuilder& b, int msg, uint16_t flags, uint8_t family);

// Starts a request about one named object of a table (a chain, a set, a
// chain's rules): args "family", "table" and args[nameKey] become the
// nfgenmsg family and the attributes tableAttr and nameAttr, in that order,
// and ctx.object "table/name". Returns the family; the caller adds the rest
// and ends the message.
uint8_t beginTableObject(const Object& args, MessageBuilder& b, RequestContext& ctx, int msg, uint16_t flags,
                         uint16_t tableAttr, uint16_t nameAttr, std::string_view nameKey = "name");

// Starts a dump request (NFT_MSG_GET*): of one family when args has "family",
// of all of them (NFPROTO_UNSPEC) when not. The caller adds any filter
// attributes and ends the message.
void beginDump(const Object& args, MessageBuilder& b, RequestContext& ctx, int msg);

// A kernel value and the name nft gives it.
struct Name {
  std::string_view name;
  uint32_t value;
};
using Names = std::vector<Name>;

// Reads args[key] as one of the names; throws ArgumentError listing them.
uint32_t requireName(const Object& args, std::string_view key, const Names& names);
std::optional<uint32_t> getName(const Object& args, std::string_view key, const Names& names);
// The name of a kernel value, or the number when this codec does not know it.
Value nameOf(const Names& names, uint32_t value);
// Flag words: args[key] is an array of names, OR-ed together.
uint32_t getFlags(const Object& args, std::string_view key, const Names& names);
Value flagNames(const Names& names, uint32_t flags);

// "family": ip, ip6, inet, arp, bridge, netdev (NFPROTO_*).
uint8_t requireFamily(const Object& args);
Value familyName(uint8_t family);
// Chain hooks by family: prerouting ... postrouting for ip/ip6/inet/bridge, ingress/egress for netdev.
uint32_t requireHook(const Object& args, std::string_view key, uint8_t family);
Value hookName(uint8_t family, uint32_t hook);

// Registers: the kernel's numbering (NFT_REG_VERDICT, NFT_REG_1..4, NFT_REG32_00..15),
// chosen by the TypeScript rule builder.
uint32_t requireRegister(const Object& args, std::string_view key);
std::optional<uint32_t> getRegister(const Object& args, std::string_view key);

// nft_data: {value: Buffer} or {verdict: 'accept'|'drop'|'continue'|'break'|'return'|'jump'|'goto', chain}.
void putData(MessageBuilder& b, uint16_t type, const Object& data);
Value parseData(const Attr& nest);
// The bytes of an nft_data that must hold a value (not a verdict).
Bytes dataValue(const Attr& nest);
const Names& verdictNames();
// NF_NAT_RANGE_* flags of nat, masq and redir, by nft's names.
const Names& natRangeFlags();

// A required string attribute's value in a parsed message.
std::string stringAttr(const AttrTable& t, uint16_t type);

// The common fields of a parsed nf_tables object: family and attributes.
struct Message {
  uint8_t family;
  AttrTable attrs;
};
Message parseMessage(const nlmsghdr* nlh);

// An expression codec: the kernel's expression name ("payload", "cmp" ...),
// how to write its NFTA_EXPR_DATA attributes, and how to read them back.
struct ExprCodec {
  std::string_view name;
  void (*encode)(const Object& args, MessageBuilder& b);
  void (*parse)(const AttrTable& data, Object& out);
};

struct ExprRegistration {
  explicit ExprRegistration(const ExprCodec& codec);
};

// Writes a list of expressions ({expr: name, ...args}) as NFTA_LIST_ELEM nests
// inside the attribute `listType` (NFTA_RULE_EXPRESSIONS ...).
void encodeExpressions(MessageBuilder& b, uint16_t listType, const Array& exprs);
Array parseExpressions(const Attr& list);

}  // namespace np::nft
