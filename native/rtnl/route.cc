// Routes: RTM_NEWROUTE (add, replace), RTM_DELROUTE, RTM_GETROUTE (dump).
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "common/address.h"
#include "nl/attrs.h"
#include "nl/registry.h"

namespace np {
namespace {

// args: family, [dst, dstLen, src, srcLen, gateway, index, metric, prefsrc, table,
//        protocol, scope, type, mtu, onlink]
void encodeRoute(const Object& args, MessageBuilder& b, RequestContext& ctx, uint16_t type, uint16_t flags,
                 bool deleting) {
  rtmsg rtm{};
  auto dst = getString(args, "dst");
  auto gateway = getString(args, "gateway");
  IpAddress dstIp, gwIp;
  int family = static_cast<int>(getUint(args, "family", 255).value_or(AF_UNSPEC));
  if (dst) {
    dstIp = parseIp(*dst, "dst");
    family = dstIp.family;
  }
  if (gateway) {
    gwIp = parseIp(*gateway, "gateway");
    if (family != AF_UNSPEC && family != gwIp.family) throw ArgumentError("gateway: not the same family as dst");
    family = gwIp.family;
  }
  if (family != AF_INET && family != AF_INET6) throw ArgumentError("family: IPv4 or IPv6 required");
  size_t bits = family == AF_INET6 ? 128 : 32;
  rtm.rtm_family = static_cast<uint8_t>(family);
  rtm.rtm_dst_len = static_cast<uint8_t>(getUint(args, "dstLen", bits).value_or(dst ? bits : 0));
  rtm.rtm_src_len = static_cast<uint8_t>(getUint(args, "srcLen", bits).value_or(0));
  uint32_t table = static_cast<uint32_t>(getUint(args, "table", UINT32_MAX).value_or(RT_TABLE_MAIN));
  rtm.rtm_table = table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC);
  rtm.rtm_protocol = static_cast<uint8_t>(getUint(args, "protocol", 255).value_or(deleting ? 0u : static_cast<unsigned>(RTPROT_BOOT)));
  // Deleting matches any type unless one is named (as `ip route del`), so a
  // blackhole or unreachable route can be deleted by its prefix alone.
  rtm.rtm_type = static_cast<uint8_t>(getUint(args, "type", 255).value_or(deleting ? RTN_UNSPEC : RTN_UNICAST));
  // iproute2's default scopes: host for local routes, link for a unicast route
  // with no gateway, universe otherwise; "nowhere" matches any on delete.
  uint8_t scope = RT_SCOPE_UNIVERSE;
  if (rtm.rtm_type == RTN_LOCAL || rtm.rtm_type == RTN_NAT)
    scope = RT_SCOPE_HOST;
  else if (rtm.rtm_type == RTN_BROADCAST || rtm.rtm_type == RTN_MULTICAST || rtm.rtm_type == RTN_ANYCAST)
    scope = RT_SCOPE_LINK;
  else if (rtm.rtm_type == RTN_UNICAST || rtm.rtm_type == RTN_UNSPEC)
    scope = deleting ? RT_SCOPE_NOWHERE : gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rtm.rtm_scope = static_cast<uint8_t>(getUint(args, "scope", 255).value_or(scope));
  if (getBool(args, "onlink").value_or(false)) rtm.rtm_flags |= RTNH_F_ONLINK;
  ctx.object = dst ? *dst + "/" + std::to_string(rtm.rtm_dst_len) : "default";
  b.beginMessage(type, flags);
  b.putHeader(rtm);
  if (table >= 256) b.putU32(RTA_TABLE, table);
  if (dst) b.put(RTA_DST, dstIp.bytes, dstIp.size());
  if (auto src = getString(args, "src")) {
    IpAddress s = parseIp(*src, "src");
    b.put(RTA_SRC, s.bytes, s.size());
  }
  if (auto prefsrc = getString(args, "prefsrc")) {
    IpAddress s = parseIp(*prefsrc, "prefsrc");
    b.put(RTA_PREFSRC, s.bytes, s.size());
  }
  if (gateway) b.put(RTA_GATEWAY, gwIp.bytes, gwIp.size());
  if (auto metric = getUint(args, "metric", UINT32_MAX)) b.putU32(RTA_PRIORITY, static_cast<uint32_t>(*metric));
  if (auto mtu = getUint(args, "mtu", UINT32_MAX)) {
    MessageBuilder::Nest metrics(b, RTA_METRICS);
    b.putU32(RTAX_MTU, static_cast<uint32_t>(*mtu));
  }
  if (auto oif = getUint(args, "index", INT32_MAX)) b.putU32(RTA_OIF, static_cast<uint32_t>(*oif));
  b.endMessage();
}

void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "add route";
  encodeRoute(args, b, ctx, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, false);
}

void encodeReplace(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "replace route";
  encodeRoute(args, b, ctx, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, false);
}

void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete route";
  encodeRoute(args, b, ctx, RTM_DELROUTE, 0, true);
}

// args: [family, table]; table filtering needs strict checking, which the socket has.
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list routes";
  rtmsg rtm{};
  rtm.rtm_family = static_cast<uint8_t>(getUint(args, "family", 255).value_or(AF_UNSPEC));
  auto table = getUint(args, "table", UINT32_MAX);
  if (table && *table < 256) rtm.rtm_table = static_cast<uint8_t>(*table);
  beginDumpRequest(b, ctx, RTM_GETROUTE, rtm);
  if (table && *table >= 256) b.putU32(RTA_TABLE, static_cast<uint32_t>(*table));
  b.endMessage();
}

Value parseRoute(const nlmsghdr* nlh) {
  auto rtm = messageHeader<rtmsg>(nlh);
  AttrTable attrs = messageAttrs(nlh, sizeof(rtmsg));
  Object out;
  out["family"] = Value(rtm.rtm_family);
  out["dstLen"] = Value(rtm.rtm_dst_len);
  out["srcLen"] = Value(rtm.rtm_src_len);
  out["tos"] = Value(rtm.rtm_tos);
  out["table"] = Value(rtm.rtm_table);
  out["protocol"] = Value(rtm.rtm_protocol);
  out["scope"] = Value(rtm.rtm_scope);
  out["type"] = Value(rtm.rtm_type);
  out["flags"] = Value(rtm.rtm_flags);
  size_t size = rtm.rtm_family == AF_INET6 ? 16 : 4;
  auto ip = [&](const Attr& a) {
    if (a.len < size) throw ParseError("route address attribute too short");
    return Value(formatIp(rtm.rtm_family, a.data));
  };
  for (const Attr& a : attrs.all()) {
    switch (a.type) {
      case RTA_DST: out["dst"] = ip(a); break;
      case RTA_SRC: out["src"] = ip(a); break;
      case RTA_GATEWAY: out["gateway"] = ip(a); break;
      case RTA_PREFSRC: out["prefsrc"] = ip(a); break;
      case RTA_OIF: out["index"] = Value(a.u32()); break;
      case RTA_PRIORITY: out["metric"] = Value(a.u32()); break;
      case RTA_TABLE: out["table"] = Value(a.u32()); break;
      case RTA_METRICS: {
        AttrTable metrics(a);
        if (const Attr* mtu = metrics.get(RTAX_MTU)) out["mtu"] = Value(mtu->u32());
        break;
      }
      default: break;
    }
  }
  keepUnknown(out, attrs, RTA_MAX);
  return Value(std::move(out));
}

const RequestCodec kAdd{"route.add", NETLINK_ROUTE, encodeAdd};
const RequestCodec kReplace{"route.replace", NETLINK_ROUTE, encodeReplace};
const RequestCodec kDelete{"route.delete", NETLINK_ROUTE, encodeDelete};
const RequestCodec kDump{"route.dump", NETLINK_ROUTE, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kReplace), Registration(kDelete), Registration(kDump),
    Registration(NETLINK_ROUTE, RTM_NEWROUTE, "RTM_NEWROUTE", parseRoute),
    Registration(NETLINK_ROUTE, RTM_DELROUTE, "RTM_DELROUTE", parseRoute),
    Registration(NETLINK_ROUTE, RTM_GETROUTE, "RTM_GETROUTE", nullptr),
};

}  // namespace
}  // namespace np
