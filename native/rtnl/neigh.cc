// Neighbours (ARP/NDP entries) and bridge FDB entries: RTM_NEWNEIGH,
// RTM_DELNEIGH, RTM_GETNEIGH. The FDB is the same message with AF_BRIDGE.
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "common/address.h"
#include "nl/attrs.h"
#include "nl/registry.h"

namespace np {
namespace {

// args: index, [address (IP), lladdr (MAC), state, flags] for neighbours;
//       index, lladdr, [state, flags, vlan, dst, vni, port, master] for the FDB (bridge: true).
void encodeNeigh(const Object& args, MessageBuilder& b, RequestContext& ctx, uint16_t type, uint16_t flags,
                 bool bridge) {
  ndmsg ndm{};
  ndm.ndm_ifindex = static_cast<int>(requireUint(args, "index", INT32_MAX));
  ndm.ndm_state = static_cast<uint16_t>(getUint(args, "state", UINT16_MAX).value_or(NUD_PERMANENT));
  ndm.ndm_flags = static_cast<uint8_t>(getUint(args, "flags", 255).value_or(0));
  IpAddress ip;
  if (bridge) {
    ndm.ndm_family = AF_BRIDGE;
    ctx.object = requireString(args, "lladdr");
  } else {
    ip = parseIp(requireString(args, "address"), "address");
    ndm.ndm_family = static_cast<uint8_t>(ip.family);
    ctx.object = requireString(args, "address");
  }
  b.beginMessage(type, flags);
  b.putHeader(ndm);
  if (!bridge) b.put(NDA_DST, ip.bytes, ip.size());
  if (auto ll = getString(args, "lladdr")) b.putBytes(NDA_LLADDR, parseMac(*ll, "lladdr"));
  if (bridge) {
    if (auto dst = getString(args, "dst")) {
      IpAddress d = parseIp(*dst, "dst");
      b.put(NDA_DST, d.bytes, d.size());
    }
    if (auto vlan = getUint(args, "vlan", 4094)) b.putU16(NDA_VLAN, static_cast<uint16_t>(*vlan));
    if (auto port = getUint(args, "port", UINT16_MAX)) b.putBe16(NDA_PORT, static_cast<uint16_t>(*port));
    if (auto vni = getUint(args, "vni", 0xffffff)) b.putU32(NDA_VNI, static_cast<uint32_t>(*vni));
    if (auto master = getUint(args, "master", INT32_MAX)) b.putU32(NDA_MASTER, static_cast<uint32_t>(*master));
  }
  b.endMessage();
}

void neighAdd(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "add neighbour";
  encodeNeigh(a, b, c, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, false);
}
void neighReplace(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "replace neighbour";
  encodeNeigh(a, b, c, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, false);
}
void neighDelete(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "delete neighbour";
  encodeNeigh(a, b, c, RTM_DELNEIGH, 0, false);
}
void fdbAdd(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "add fdb entry";
  encodeNeigh(a, b, c, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, true);
}
void fdbReplace(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "replace fdb entry";
  encodeNeigh(a, b, c, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, true);
}
void fdbDelete(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "delete fdb entry";
  encodeNeigh(a, b, c, RTM_DELNEIGH, 0, true);
}

// args: [family, index, master]
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx, uint8_t family) {
  ndmsg ndm{};
  ndm.ndm_family = family;
  auto index = getUint(args, "index", INT32_MAX);
  // Under strict checking an IP neighbour dump takes the device as NDA_IFINDEX
  // and refuses one in the header; a bridge FDB dump takes it in the header.
  if (family == AF_BRIDGE && index) ndm.ndm_ifindex = static_cast<int>(*index);
  beginDumpRequest(b, ctx, RTM_GETNEIGH, ndm);
  if (family != AF_BRIDGE && index) b.putU32(NDA_IFINDEX, static_cast<uint32_t>(*index));
  if (auto master = getUint(args, "master", INT32_MAX)) b.putU32(NDA_MASTER, static_cast<uint32_t>(*master));
  b.endMessage();
}
void neighDump(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "list neighbours";
  encodeDump(a, b, c, static_cast<uint8_t>(getUint(a, "family", 255).value_or(AF_UNSPEC)));
}
void fdbDump(const Object& a, MessageBuilder& b, RequestContext& c) {
  c.action = "list fdb entries";
  encodeDump(a, b, c, AF_BRIDGE);
}

Value parseNeigh(const nlmsghdr* nlh) {
  auto ndm = messageHeader<ndmsg>(nlh);
  AttrTable attrs = messageAttrs(nlh, sizeof(ndmsg));
  Object out;
  out["family"] = Value(ndm.ndm_family);
  out["index"] = Value(ndm.ndm_ifindex);
  out["state"] = Value(ndm.ndm_state);
  out["flags"] = Value(ndm.ndm_flags);
  out["type"] = Value(ndm.ndm_type);
  for (const Attr& a : attrs.all()) {
    switch (a.type) {
      case NDA_DST:
        if (a.len == 4) out["address"] = Value(formatIp(AF_INET, a.data));
        else if (a.len == 16) out["address"] = Value(formatIp(AF_INET6, a.data));
        break;
      case NDA_LLADDR: out["lladdr"] = Value(formatMac(a.data, a.len)); break;
      case NDA_VLAN: out["vlan"] = Value(a.u16()); break;
      case NDA_PORT: out["port"] = Value(a.be16()); break;
      case NDA_VNI: out["vni"] = Value(a.u32()); break;
      case NDA_MASTER: out["master"] = Value(a.u32()); break;
      case NDA_IFINDEX: out["via"] = Value(a.u32()); break;
      default: break;
    }
  }
  keepUnknown(out, attrs, NDA_MAX);
  return Value(std::move(out));
}

const RequestCodec kNeighAdd{"neigh.add", NETLINK_ROUTE, neighAdd};
const RequestCodec kNeighReplace{"neigh.replace", NETLINK_ROUTE, neighReplace};
const RequestCodec kNeighDelete{"neigh.delete", NETLINK_ROUTE, neighDelete};
const RequestCodec kNeighDump{"neigh.dump", NETLINK_ROUTE, neighDump};
const RequestCodec kFdbAdd{"fdb.add", NETLINK_ROUTE, fdbAdd};
const RequestCodec kFdbReplace{"fdb.replace", NETLINK_ROUTE, fdbReplace};
const RequestCodec kFdbDelete{"fdb.delete", NETLINK_ROUTE, fdbDelete};
const RequestCodec kFdbDump{"fdb.dump", NETLINK_ROUTE, fdbDump};
const Registration registrations[] = {
    Registration(kNeighAdd), Registration(kNeighReplace), Registration(kNeighDelete), Registration(kNeighDump),
    Registration(kFdbAdd), Registration(kFdbReplace), Registration(kFdbDelete), Registration(kFdbDump),
    Registration(NETLINK_ROUTE, RTM_NEWNEIGH, "RTM_NEWNEIGH", parseNeigh),
    Registration(NETLINK_ROUTE, RTM_DELNEIGH, "RTM_DELNEIGH", parseNeigh),
    Registration(NETLINK_ROUTE, RTM_GETNEIGH, "RTM_GETNEIGH", nullptr),
};

}  // namespace
}  // namespace np
