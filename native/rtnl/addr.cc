// Addresses: RTM_NEWADDR (add, replace), RTM_DELADDR, RTM_GETADDR (dump).
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "common/address.h"
#include "nl/attrs.h"
#include "nl/registry.h"

namespace np {
namespace {

// args: index, address, prefixlen, [peer, broadcast, label, scope, noprefixroute, nodad, validLft, preferredLft]
void encodeAddr(const Object& args, MessageBuilder& b, RequestContext& ctx, uint16_t type, uint16_t flags) {
  std::string text = requireString(args, "address");
  IpAddress local = parseIp(text, "address");
  auto maxPrefix = static_cast<uint64_t>(local.size() * 8);
  uint8_t prefixlen = static_cast<uint8_t>(getUint(args, "prefixlen", maxPrefix).value_or(maxPrefix));
  ctx.object = text + "/" + std::to_string(prefixlen);
  b.beginMessage(type, flags);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(local.family);
  ifa.ifa_prefixlen = prefixlen;
  ifa.ifa_index = static_cast<uint32_t>(requireUint(args, "index", INT32_MAX));
  ifa.ifa_scope = static_cast<uint8_t>(getUint(args, "scope", 255).value_or(0));
  uint32_t extFlags = 0;
  if (getBool(args, "noprefixroute").value_or(false)) extFlags |= IFA_F_NOPREFIXROUTE;
  if (getBool(args, "nodad").value_or(false)) extFlags |= IFA_F_NODAD;
  // As iproute2 does: flags that fit go in ifa_flags, wider ones only in IFA_FLAGS.
  if (extFlags <= 0xff) ifa.ifa_flags = static_cast<uint8_t>(extFlags);
  b.putHeader(ifa);
  b.put(IFA_LOCAL, local.bytes, local.size());
  if (auto peer = getString(args, "peer")) {
    IpAddress p = parseIp(*peer, "peer");
    if (p.family != local.family) throw ArgumentError("peer: not the same family as the address");
    b.put(IFA_ADDRESS, p.bytes, p.size());
  } else {
    b.put(IFA_ADDRESS, local.bytes, local.size());
  }
  if (auto brd = getString(args, "broadcast")) {
    IpAddress p = parseIp(*brd, "broadcast");
    if (p.family != AF_INET) throw ArgumentError("broadcast: IPv4 only");
    b.put(IFA_BROADCAST, p.bytes, p.size());
  }
  if (auto label = getString(args, "label")) b.putString(IFA_LABEL, *label);
  if (extFlags > 0xff) b.putU32(IFA_FLAGS, extFlags);
  auto valid = getUint(args, "validLft", UINT32_MAX);
  auto preferred = getUint(args, "preferredLft", UINT32_MAX);
  if (valid || preferred) {
    ifa_cacheinfo ci{};
    ci.ifa_valid = static_cast<uint32_t>(valid.value_or(UINT32_MAX));
    ci.ifa_prefered = static_cast<uint32_t>(preferred.value_or(ci.ifa_valid));
    b.put(IFA_CACHEINFO, &ci, sizeof ci);
  }
  b.endMessage();
}

void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "add address";
  encodeAddr(args, b, ctx, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
}

void encodeReplace(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "replace address";
  encodeAddr(args, b, ctx, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
}

void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete address";
  encodeAddr(args, b, ctx, RTM_DELADDR, 0);
}

// args: [family, index]; the kernel filters by index under strict checking.
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list addresses";
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<uint8_t>(getUint(args, "family", 255).value_or(AF_UNSPEC));
  ifa.ifa_index = static_cast<uint32_t>(getUint(args, "index", INT32_MAX).value_or(0));
  beginDumpRequest(b, ctx, RTM_GETADDR, ifa);
  b.endMessage();
}

Value parseAddr(const nlmsghdr* nlh) {
  auto ifa = messageHeader<ifaddrmsg>(nlh);
  AttrTable attrs = messageAttrs(nlh, sizeof(ifaddrmsg));
  Object out;
  out["family"] = Value(ifa.ifa_family);
  out["prefixlen"] = Value(ifa.ifa_prefixlen);
  out["scope"] = Value(ifa.ifa_scope);
  out["index"] = Value(ifa.ifa_index);
  uint32_t flags = ifa.ifa_flags;
  size_t size = ifa.ifa_family == AF_INET6 ? 16 : 4;
  auto ip = [&](const Attr& a) {
    if (a.len < size) throw ParseError("address attribute too short");
    return Value(formatIp(ifa.ifa_family, a.data));
  };
  for (const Attr& a : attrs.all()) {
    switch (a.type) {
      case IFA_ADDRESS: out["peer"] = ip(a); break;
      case IFA_LOCAL: out["local"] = ip(a); break;
      case IFA_BROADCAST: out["broadcast"] = ip(a); break;
      case IFA_LABEL: out["label"] = Value(a.str()); break;
      case IFA_FLAGS: flags = a.u32(); break;
      case IFA_CACHEINFO: {
        auto ci = a.as<ifa_cacheinfo>();
        out["validLft"] = Value(ci.ifa_valid);
        out["preferredLft"] = Value(ci.ifa_prefered);
        break;
      }
      default: break;
    }
  }
  // IPv6 addresses carry only IFA_ADDRESS; point-to-point ones carry both.
  if (!out.count("local") && out.count("peer")) {
    out["local"] = out["peer"];
    out.erase("peer");
  } else if (out.count("peer") && out["peer"].as<std::string>() && out["local"].as<std::string>() &&
             *out["peer"].as<std::string>() == *out["local"].as<std::string>()) {
    out.erase("peer");
  }
  out["flags"] = Value(flags);
  out["permanent"] = Value((flags & IFA_F_PERMANENT) != 0);
  out["tentative"] = Value((flags & IFA_F_TENTATIVE) != 0);
  out["noprefixroute"] = Value((flags & IFA_F_NOPREFIXROUTE) != 0);
  keepUnknown(out, attrs, IFA_MAX);
  return Value(std::move(out));
}

const RequestCodec kAdd{"addr.add", NETLINK_ROUTE, encodeAdd};
const RequestCodec kReplace{"addr.replace", NETLINK_ROUTE, encodeReplace};
const RequestCodec kDelete{"addr.delete", NETLINK_ROUTE, encodeDelete};
const RequestCodec kDump{"addr.dump", NETLINK_ROUTE, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kReplace), Registration(kDelete), Registration(kDump),
    Registration(NETLINK_ROUTE, RTM_NEWADDR, "RTM_NEWADDR", parseAddr),
    Registration(NETLINK_ROUTE, RTM_DELADDR, "RTM_DELADDR", parseAddr),
    Registration(NETLINK_ROUTE, RTM_GETADDR, "RTM_GETADDR", nullptr),
};

}  // namespace
}  // namespace np
