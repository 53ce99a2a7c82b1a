// Connection tracking entries over ctnetlink (NETLINK_NETFILTER,
// NFNL_SUBSYS_CTNETLINK): the dump `conntrack -L` reads, and the table's
// global counters `conntrack -C` reads. Entries exist only in a namespace
// where something needs conntrack (a NAT rule, a ct match): the kernel
// registers its conntrack hooks per namespace on demand.
#include <linux/in.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_sctp.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "common/address.h"
#include "nl/attrs.h"
#include "nl/registry.h"

namespace np {
namespace {

constexpr uint16_t ctType(uint16_t msg) { return static_cast<uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | msg); }

const char* familyName(uint8_t family) {
  switch (family) {
    case AF_INET: return "ipv4";
    case AF_INET6: return "ipv6";
    default: return "unknown";
  }
}

// conntrack(8) prints these names; they follow the IPPROTO_* constants.
const char* protocolName(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_ICMP: return "icmp";
    case IPPROTO_ICMPV6: return "icmpv6";
    case IPPROTO_SCTP: return "sctp";
    case IPPROTO_UDPLITE: return "udplite";
    case IPPROTO_DCCP: return "dccp";
    case IPPROTO_GRE: return "gre";
    default: return nullptr;
  }
}

// The names of enum tcp_conntrack without their prefix, as conntrack(8) prints them.
const char* tcpStateName(uint8_t state) {
  switch (state) {
    case TCP_CONNTRACK_NONE: return "NONE";
    case TCP_CONNTRACK_SYN_SENT: return "SYN_SENT";
    case TCP_CONNTRACK_SYN_RECV: return "SYN_RECV";
    case TCP_CONNTRACK_ESTABLISHED: return "ESTABLISHED";
    case TCP_CONNTRACK_FIN_WAIT: return "FIN_WAIT";
    case TCP_CONNTRACK_CLOSE_WAIT: return "CLOSE_WAIT";
    case TCP_CONNTRACK_LAST_ACK: return "LAST_ACK";
    case TCP_CONNTRACK_TIME_WAIT: return "TIME_WAIT";
    case TCP_CONNTRACK_CLOSE: return "CLOSE";
    case TCP_CONNTRACK_SYN_SENT2: return "SYN_SENT2";
    default: return nullptr;
  }
}

const char* sctpStateName(uint8_t state) {
  switch (state) {
    case SCTP_CONNTRACK_NONE: return "NONE";
    case SCTP_CONNTRACK_CLOSED: return "CLOSED";
    case SCTP_CONNTRACK_COOKIE_WAIT: return "COOKIE_WAIT";
    case SCTP_CONNTRACK_COOKIE_ECHOED: return "COOKIE_ECHOED";
    case SCTP_CONNTRACK_ESTABLISHED: return "ESTABLISHED";
    case SCTP_CONNTRACK_SHUTDOWN_SENT: return "SHUTDOWN_SENT";
    case SCTP_CONNTRACK_SHUTDOWN_RECD: return "SHUTDOWN_RECD";
    case SCTP_CONNTRACK_SHUTDOWN_ACK_SENT: return "SHUTDOWN_ACK_SENT";
    case SCTP_CONNTRACK_HEARTBEAT_SENT: return "HEARTBEAT_SENT";
    default: return nullptr;
  }
}

struct StatusBit {
  uint32_t mask;
  const char* name;
};
const StatusBit kStatusBits[] = {
    {IPS_EXPECTED, "EXPECTED"},       {IPS_SEEN_REPLY, "SEEN_REPLY"},     {IPS_ASSURED, "ASSURED"},
    {IPS_CONFIRMED, "CONFIRMED"},     {IPS_SRC_NAT, "SRC_NAT"},           {IPS_DST_NAT, "DST_NAT"},
    {IPS_SEQ_ADJUST, "SEQ_ADJUST"},   {IPS_SRC_NAT_DONE, "SRC_NAT_DONE"}, {IPS_DST_NAT_DONE, "DST_NAT_DONE"},
    {IPS_DYING, "DYING"},             {IPS_FIXED_TIMEOUT, "FIXED_TIMEOUT"}, {IPS_TEMPLATE, "TEMPLATE"},
    {IPS_UNTRACKED, "UNTRACKED"},     {IPS_HELPER, "HELPER"},             {IPS_OFFLOAD, "OFFLOAD"},
    {IPS_HW_OFFLOAD, "HW_OFFLOAD"},
};

std::string ipOf(const Attr& a, int family, size_t size) {
  if (a.len != size) throw ParseError("conntrack address of " + std::to_string(a.len) + " bytes");
  return formatIp(family, a.data);
}

// CTA_TUPLE_ORIG / CTA_TUPLE_REPLY: {src, dst, protocol, sport, dport | icmp*, zone}.
Object parseTuple(const Attr& nest) {
  AttrTable tuple(nest);
  Object out;
  if (const Attr* ip = tuple.get(CTA_TUPLE_IP)) {
    AttrTable addrs(*ip);
    for (const Attr& a : addrs.all()) {
      switch (a.type) {
        case CTA_IP_V4_SRC: out["src"] = Value(ipOf(a, AF_INET, 4)); break;
        case CTA_IP_V4_DST: out["dst"] = Value(ipOf(a, AF_INET, 4)); break;
        case CTA_IP_V6_SRC: out["src"] = Value(ipOf(a, AF_INET6, 16)); break;
        case CTA_IP_V6_DST: out["dst"] = Value(ipOf(a, AF_INET6, 16)); break;
        default: break;
      }
    }
  }
  if (const Attr* proto = tuple.get(CTA_TUPLE_PROTO)) {
    AttrTable p(*proto);
    for (const Attr& a : p.all()) {
      switch (a.type) {
        case CTA_PROTO_NUM: out["protocolNumber"] = Value(a.u8()); break;
        case CTA_PROTO_SRC_PORT: out["sport"] = Value(a.be16()); break;
        case CTA_PROTO_DST_PORT: out["dport"] = Value(a.be16()); break;
        case CTA_PROTO_ICMP_ID:
        case CTA_PROTO_ICMPV6_ID: out["icmpId"] = Value(a.be16()); break;
        case CTA_PROTO_ICMP_TYPE:
        case CTA_PROTO_ICMPV6_TYPE: out["icmpType"] = Value(a.u8()); break;
        case CTA_PROTO_ICMP_CODE:
        case CTA_PROTO_ICMPV6_CODE: out["icmpCode"] = Value(a.u8()); break;
        default: break;
      }
    }
  }
  if (const Attr* zone = tuple.get(CTA_TUPLE_ZONE)) out["zone"] = Value(zone->be16());
  return out;
}

Object parseCounters(const Attr& nest) {
  AttrTable c(nest);
  Object out;
  if (const Attr* p = c.get(CTA_COUNTERS_PACKETS)) out["packets"] = Value(p->be64());
  if (const Attr* b = c.get(CTA_COUNTERS_BYTES)) out["bytes"] = Value(b->be64());
  return out;
}

Value parseEntry(const nlmsghdr* nlh) {
  auto nfg = messageHeader<nfgenmsg>(nlh);
  AttrTable attrs = messageAttrs(nlh, sizeof(nfgenmsg));
  Object out;
  out["family"] = Value(familyName(nfg.nfgen_family));
  Object counters;
  for (const Attr& a : attrs.all()) {
    switch (a.type) {
      case CTA_TUPLE_ORIG: out["original"] = Value(parseTuple(a)); break;
      case CTA_TUPLE_REPLY: out["reply"] = Value(parseTuple(a)); break;
      case CTA_STATUS: {
        uint32_t status = a.be32();
        out["status"] = Value(status);
        Array flags;
        for (const StatusBit& bit : kStatusBits)
          if (status & bit.mask) flags.push_back(Value(bit.name));
        out["flags"] = Value(std::move(flags));
        break;
      }
      case CTA_PROTOINFO: {
        AttrTable info(a);
        if (const Attr* tcp = info.get(CTA_PROTOINFO_TCP)) {
          AttrTable t(*tcp);
          if (const Attr* s = t.get(CTA_PROTOINFO_TCP_STATE)) {
            const char* name = tcpStateName(s->u8());
            out["state"] = name ? Value(name) : Value(s->u8());
          }
        } else if (const Attr* sctp = info.get(CTA_PROTOINFO_SCTP)) {
          AttrTable t(*sctp);
          if (const Attr* s = t.get(CTA_PROTOINFO_SCTP_STATE)) {
            const char* name = sctpStateName(s->u8());
            out["state"] = name ? Value(name) : Value(s->u8());
          }
        }
        break;
      }
      case CTA_TIMEOUT: out["timeout"] = Value(a.be32()); break;
      case CTA_MARK: out["mark"] = Value(a.be32()); break;
      case CTA_ZONE: out["zone"] = Value(a.be16()); break;
      case CTA_USE: out["use"] = Value(a.be32()); break;
      case CTA_ID: out["id"] = Value(a.be32()); break;
      case CTA_COUNTERS_ORIG: counters["original"] = Value(parseCounters(a)); break;
      case CTA_COUNTERS_REPLY: counters["reply"] = Value(parseCounters(a)); break;
      case CTA_TIMESTAMP: {
        AttrTable ts(a);
        if (const Attr* start = ts.get(CTA_TIMESTAMP_START)) out["startNs"] = Value(start->be64());
        if (const Attr* stop = ts.get(CTA_TIMESTAMP_STOP)) out["stopNs"] = Value(stop->be64());
        break;
      }
      default: break;
    }
  }
  // Counters come only when accounting is on (net.netfilter.nf_conntrack_acct=1).
  if (!counters.empty()) out["counters"] = Value(std::move(counters));
  if (const Value* orig = findField(out, "original")) {
    if (const Object* o = orig->as<Object>()) {
      if (const Value* num = findField(*o, "protocolNumber")) {
        uint8_t proto = static_cast<uint8_t>(*num->as<double>());
        out["protocolNumber"] = Value(proto);
        const char* name = protocolName(proto);
        out["protocol"] = name ? Value(name) : Value("unknown");
      }
    }
  }
  keepUnknown(out, attrs, CTA_MAX);
  return Value(std::move(out));
}

Value parseStats(const nlmsghdr* nlh) {
  AttrTable attrs = messageAttrs(nlh, sizeof(nfgenmsg));
  Object out;
  if (const Attr* n = attrs.get(CTA_STATS_GLOBAL_ENTRIES)) out["entries"] = Value(n->be32());
  if (const Attr* m = attrs.get(CTA_STATS_GLOBAL_MAX_ENTRIES)) out["maxEntries"] = Value(m->be32());
  return Value(std::move(out));
}

void putNfgen(MessageBuilder& b, uint8_t family) {
  nfgenmsg nfg{};
  nfg.nfgen_family = family;
  nfg.version = NFNETLINK_V0;
  nfg.res_id = 0;
  b.putHeader(nfg);
}

// args: [family (AF_INET, AF_INET6; absent: both)]
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list conntrack entries";
  ctx.dump = true;
  uint64_t family = getUint(args, "family", 255).value_or(AF_UNSPEC);
  if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
    throw ArgumentError("family: expected AF_INET or AF_INET6");
  b.beginMessage(ctType(IPCTNL_MSG_CT_GET), 0);
  putNfgen(b, static_cast<uint8_t>(family));
  b.endMessage();
}

// args: none. The table's entry count and limit.
void encodeStats(const Object&, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "read conntrack table counters";
  b.beginMessage(ctType(IPCTNL_MSG_CT_GET_STATS), 0);
  putNfgen(b, AF_UNSPEC);
  b.endMessage();
}

const RequestCodec kDump{"ct.dump", NETLINK_NETFILTER, encodeDump};
const RequestCodec kStats{"ct.stats", NETLINK_NETFILTER, encodeStats};
const Registration registrations[] = {
    Registration(kDump),
    Registration(kStats),
    Registration(NETLINK_NETFILTER, ctType(IPCTNL_MSG_CT_NEW), "IPCTNL_MSG_CT_NEW", parseEntry),
    Registration(NETLINK_NETFILTER, ctType(IPCTNL_MSG_CT_GET), "IPCTNL_MSG_CT_GET", nullptr),
    Registration(NETLINK_NETFILTER, ctType(IPCTNL_MSG_CT_GET_STATS), "IPCTNL_MSG_CT_GET_STATS", parseStats),
};

}  // namespace
}  // namespace np
