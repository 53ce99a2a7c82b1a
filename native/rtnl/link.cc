// Links: RTM_NEWLINK (create and change), RTM_DELLINK, RTM_GETLINK (get and dump).
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "rtnl/link.h"

#include "common/address.h"
#include "nl/netns_thread.h"
#include "rtnl/link_kind.h"

namespace np {

namespace {

std::string describe(const Object& args) {
  if (auto name = getString(args, "name")) return *name;
  if (auto index = getUint(args, "index", INT32_MAX)) return "index " + std::to_string(*index);
  return "";
}

// IFLA_INFO_KIND and IFLA_INFO_SLAVE_KIND go without a NUL, as iproute2 sends them.
void putKind(MessageBuilder& b, uint16_t type, std::string_view kind) { b.put(type, kind.data(), kind.size()); }

void encodeLinkInfo(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  auto kindName = getString(args, "kind");
  const Object* port = getObject(args, "port");
  if (!kindName && !port) return;
  MessageBuilder::Nest info(b, IFLA_LINKINFO);
  static const Object kEmpty;
  if (kindName) {
    // A kind with no codec here is still sent: the kernel knows best what it
    // supports, and says "Unknown device type" when it does not.
    const LinkKind* kind = findLinkKind(*kindName);
    const Object* data = getObject(args, "data");
    if ((!kind || !kind->encode) && data && !data->empty())
      throw ArgumentError("kind: netplumb cannot encode options for link kind '" + *kindName + "'");
    putKind(b, IFLA_INFO_KIND, *kindName);
    if (kind && kind->encode) {
      MessageBuilder::Nest nest(b, IFLA_INFO_DATA, false);
      kind->encode(args, data ? *data : kEmpty, b, ctx);
    }
  }
  if (port) {
    std::string portKindName = requireString(*port, "kind");
    const LinkKind* kind = findPortKind(portKindName);
    if (!kind) throw ArgumentError("port.kind: unknown port kind '" + portKindName + "'");
    putKind(b, IFLA_INFO_SLAVE_KIND, portKindName);
    MessageBuilder::Nest nest(b, IFLA_INFO_SLAVE_DATA);
    kind->encode(args, *port, b, ctx);
  }
}

}  // namespace

void encodeLinkBody(const Object& args, MessageBuilder& b, RequestContext& ctx, bool create) {
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(getUint(args, "index", INT32_MAX).value_or(0));
  if (auto up = getBool(args, "up")) {
    ifi.ifi_change |= IFF_UP;
    if (*up) ifi.ifi_flags |= IFF_UP;
  }
  if (auto promisc = getBool(args, "promisc")) {
    ifi.ifi_change |= IFF_PROMISC;
    if (*promisc) ifi.ifi_flags |= IFF_PROMISC;
  }
  if (auto noarp = getBool(args, "noarp")) {
    ifi.ifi_change |= IFF_NOARP;
    if (*noarp) ifi.ifi_flags |= IFF_NOARP;
  }
  b.putHeader(ifi);
  auto name = getString(args, "name");
  if (name && (name->empty() || name->size() >= IFNAMSIZ))
    throw ArgumentError("name: '" + *name + "' must be 1 to " + std::to_string(IFNAMSIZ - 1) + " bytes");
  if (auto link = getUint(args, "link", INT32_MAX)) b.putU32(IFLA_LINK, static_cast<uint32_t>(*link));
  if (auto mtu = getUint(args, "mtu", UINT32_MAX)) b.putU32(IFLA_MTU, static_cast<uint32_t>(*mtu));
  if (auto mac = getString(args, "address")) b.putBytes(IFLA_ADDRESS, parseMac(*mac, "address"));
  if (auto brd = getString(args, "broadcast")) b.putBytes(IFLA_BROADCAST, parseMac(*brd, "broadcast"));
  if (auto txqlen = getUint(args, "txqlen", UINT32_MAX)) b.putU32(IFLA_TXQLEN, static_cast<uint32_t>(*txqlen));
  if (auto group = getUint(args, "group", UINT32_MAX)) b.putU32(IFLA_GROUP, static_cast<uint32_t>(*group));
  if (auto alias = getString(args, "alias")) b.put(IFLA_IFALIAS, alias->data(), alias->size());
  if (auto master = getUint(args, "master", INT32_MAX)) b.putU32(IFLA_MASTER, static_cast<uint32_t>(*master));
  if (create) {
    if (auto q = getUint(args, "numTxQueues", UINT32_MAX)) b.putU32(IFLA_NUM_TX_QUEUES, static_cast<uint32_t>(*q));
    if (auto q = getUint(args, "numRxQueues", UINT32_MAX)) b.putU32(IFLA_NUM_RX_QUEUES, static_cast<uint32_t>(*q));
  }
  if (auto path = getString(args, "netns")) {
    ctx.fds.push_back(openNamespaceFile(*path));
    b.putU32(IFLA_NET_NS_FD, static_cast<uint32_t>(ctx.fds.back().get()));
  }
  if (auto pid = getUint(args, "netnsPid", INT32_MAX)) b.putU32(IFLA_NET_NS_PID, static_cast<uint32_t>(*pid));
  // The name goes after the generic attributes and before IFLA_LINKINFO, where
  // iproute2 puts it, so that our requests compare byte for byte with `ip`'s.
  if (name) b.putString(IFLA_IFNAME, *name);
  encodeLinkInfo(args, b, ctx);
}

namespace {

void encodeCreate(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "create " + getString(args, "kind").value_or("link");
  ctx.object = describe(args);
  b.beginMessage(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  encodeLinkBody(args, b, ctx, true);
  b.endMessage();
}

void encodeChange(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "change link";
  ctx.object = describe(args);
  b.beginMessage(RTM_NEWLINK, 0);
  encodeLinkBody(args, b, ctx, false);
  b.endMessage();
}

void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "delete link";
  ctx.object = describe(args);
  b.beginMessage(RTM_DELLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_index = static_cast<int>(getUint(args, "index", INT32_MAX).value_or(0));
  b.putHeader(ifi);
  if (auto name = getString(args, "name")) b.putString(IFLA_IFNAME, *name);
  b.endMessage();
}

void encodeGet(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "find link";
  ctx.object = describe(args);
  b.beginMessage(RTM_GETLINK, 0);
  ifinfomsg ifi{};
  ifi.ifi_index = static_cast<int>(getUint(args, "index", INT32_MAX).value_or(0));
  b.putHeader(ifi);
  if (auto name = getString(args, "name")) b.putString(IFLA_IFNAME, *name);
  b.endMessage();
}

void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list links";
  ctx.dump = true;
  b.beginMessage(RTM_GETLINK, 0);
  ifinfomsg ifi{};
  b.putHeader(ifi);
  if (auto master = getUint(args, "master", INT32_MAX)) b.putU32(IFLA_MASTER, static_cast<uint32_t>(*master));
  if (auto kind = getString(args, "kind")) {
    MessageBuilder::Nest info(b, IFLA_LINKINFO);
    putKind(b, IFLA_INFO_KIND, *kind);
  }
  b.endMessage();
}

const char* operstateName(uint8_t state) {
  static const char* names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"};
  return state < sizeof names / sizeof *names ? names[state] : "UNKNOWN";
}

Object parseStats(const rtnl_link_stats64& s) {
  Object o;
  o["rxPackets"] = Value(s.rx_packets);
  o["txPackets"] = Value(s.tx_packets);
  o["rxBytes"] = Value(s.rx_bytes);
  o["txBytes"] = Value(s.tx_bytes);
  o["rxErrors"] = Value(s.rx_errors);
  o["txErrors"] = Value(s.tx_errors);
  o["rxDropped"] = Value(s.rx_dropped);
  o["txDropped"] = Value(s.tx_dropped);
  o["multicast"] = Value(s.multicast);
  o["collisions"] = Value(s.collisions);
  o["rxOverErrors"] = Value(s.rx_over_errors);
  o["rxCrcErrors"] = Value(s.rx_crc_errors);
  o["rxFrameErrors"] = Value(s.rx_frame_errors);
  o["rxFifoErrors"] = Value(s.rx_fifo_errors);
  o["rxMissedErrors"] = Value(s.rx_missed_errors);
  o["txAbortedErrors"] = Value(s.tx_aborted_errors);
  o["txCarrierErrors"] = Value(s.tx_carrier_errors);
  o["txFifoErrors"] = Value(s.tx_fifo_errors);
  o["rxNohandler"] = Value(s.rx_nohandler);
  return o;
}

void parseLinkInfo(const Attr& attr, Object& out) {
  AttrTable info(attr);
  const LinkKind* kind = nullptr;
  if (const Attr* k = info.get(IFLA_INFO_KIND)) {
    out["kind"] = Value(k->str());
    kind = findLinkKind(k->str());
  }
  if (const Attr* data = info.get(IFLA_INFO_DATA); data && kind && kind->parse)
    out["data"] = Value(kind->parse(AttrTable(*data)));
  if (const Attr* k = info.get(IFLA_INFO_SLAVE_KIND)) {
    Object port;
    port["kind"] = Value(k->str());
    const LinkKind* portKind = findPortKind(k->str());
    if (const Attr* data = info.get(IFLA_INFO_SLAVE_DATA); data && portKind && portKind->parse)
      for (auto& [key, value] : portKind->parse(AttrTable(*data))) port[key] = value;
    out["port"] = Value(std::move(port));
  }
}

}  // namespace

Object parseLinkInfoNest(const uint8_t* data, size_t len) {
  Object out;
  parseLinkInfo(Attr{IFLA_LINKINFO, data, len}, out);
  return out;
}

Value parseLinkMessage(const nlmsghdr* nlh) {
  auto ifi = messageHeader<ifinfomsg>(nlh);
  AttrTable attrs = messageAttrs(nlh, sizeof(ifinfomsg));
  Object out;
  out["index"] = Value(ifi.ifi_index);
  // AF_BRIDGE for the bridge's own notices about its ports (a port leaving
  // its bridge is an AF_BRIDGE RTM_DELLINK, not a deleted link).
  out["family"] = Value(ifi.ifi_family);
  out["type"] = Value(ifi.ifi_type);
  out["flags"] = Value(ifi.ifi_flags);
  out["up"] = Value((ifi.ifi_flags & IFF_UP) != 0);
  for (const Attr& a : attrs.all()) {
    switch (a.type) {
      case IFLA_IFNAME: out["name"] = Value(a.str()); break;
      case IFLA_MTU: out["mtu"] = Value(a.u32()); break;
      case IFLA_MIN_MTU: out["minMtu"] = Value(a.u32()); break;
      case IFLA_MAX_MTU: out["maxMtu"] = Value(a.u32()); break;
      case IFLA_ADDRESS: out["address"] = Value(formatMac(a.data, a.len)); break;
      case IFLA_BROADCAST: out["broadcast"] = Value(formatMac(a.data, a.len)); break;
      case IFLA_PERM_ADDRESS: out["permAddress"] = Value(formatMac(a.data, a.len)); break;
      case IFLA_MASTER: out["master"] = Value(a.u32()); break;
      case IFLA_LINK: out["link"] = Value(a.u32()); break;
      case IFLA_LINK_NETNSID: out["linkNetnsId"] = Value(a.s32()); break;
      case IFLA_TXQLEN: out["txqlen"] = Value(a.u32()); break;
      case IFLA_IFALIAS: out["alias"] = Value(a.str()); break;
      case IFLA_OPERSTATE: out["operstate"] = Value(operstateName(a.u8())); break;
      case IFLA_CARRIER: out["carrier"] = Value(a.u8() != 0); break;
      case IFLA_GROUP: out["group"] = Value(a.u32()); break;
      case IFLA_PROMISCUITY: out["promiscuity"] = Value(a.u32()); break;
      case IFLA_NUM_TX_QUEUES: out["numTxQueues"] = Value(a.u32()); break;
      case IFLA_NUM_RX_QUEUES: out["numRxQueues"] = Value(a.u32()); break;
      case IFLA_STATS64: out["stats"] = Value(parseStats(a.as<rtnl_link_stats64>())); break;
      case IFLA_LINKINFO: parseLinkInfo(a, out); break;
      default: break;
    }
  }
  keepUnknown(out, attrs, IFLA_MAX);
  return Value(std::move(out));
}

namespace {
const RequestCodec kCreate{"link.create", NETLINK_ROUTE, encodeCreate};
const RequestCodec kChange{"link.change", NETLINK_ROUTE, encodeChange};
const RequestCodec kDelete{"link.delete", NETLINK_ROUTE, encodeDelete};
const RequestCodec kGet{"link.get", NETLINK_ROUTE, encodeGet};
const RequestCodec kDump{"link.dump", NETLINK_ROUTE, encodeDump};
const Registration registrations[] = {
    Registration(kCreate), Registration(kChange), Registration(kDelete), Registration(kGet), Registration(kDump),
    Registration(NETLINK_ROUTE, RTM_NEWLINK, "RTM_NEWLINK", parseLinkMessage),
    Registration(NETLINK_ROUTE, RTM_DELLINK, "RTM_DELLINK", parseLinkMessage),
    Registration(NETLINK_ROUTE, RTM_GETLINK, "RTM_GETLINK", nullptr),
    Registration(NETLINK_ROUTE, RTM_SETLINK, "RTM_SETLINK", nullptr),
};
}  // namespace

}  // namespace np
