// sock_diag for inet sockets: SOCK_DIAG_BY_FAMILY dumps of TCP, UDP and SCTP
// sockets of one address family, filtered by state in the kernel (`ss -ltn`,
// `ss -uan`). netplumb reads it to refuse publishing a host port that a
// listening socket already holds.
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "common/address.h"
#include "nl/attrs.h"
#include "nl/registry.h"

namespace np {
namespace {

// args: family (AF_INET | AF_INET6), protocol (IPPROTO_TCP | IPPROTO_UDP | IPPROTO_SCTP),
//       [states: bit mask of 1 << TCP_* states; default all]
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  uint64_t family = requireUint(args, "family", 255);
  if (family != AF_INET && family != AF_INET6) throw ArgumentError("family: AF_INET or AF_INET6");
  uint64_t protocol = requireUint(args, "protocol", 255);
  if (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP && protocol != IPPROTO_SCTP)
    throw ArgumentError("protocol: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP");
  ctx.action = "list sockets";
  ctx.object = std::string(family == AF_INET ? "inet" : "inet6") + " " +
               (protocol == IPPROTO_TCP ? "tcp" : protocol == IPPROTO_UDP ? "udp" : "sctp");
  inet_diag_req_v2 req{};
  req.sdiag_family = static_cast<uint8_t>(family);
  req.sdiag_protocol = static_cast<uint8_t>(protocol);
  req.idiag_states = static_cast<uint32_t>(getUint(args, "states", UINT32_MAX).value_or(UINT32_MAX));
  beginDumpRequest(b, ctx, SOCK_DIAG_BY_FAMILY, req);
  b.endMessage();
}

// One socket: its family, state, local and remote address and port, interface
// binding, inode, and whether an IPv6 socket refuses IPv4 (v6only).
Value parseSocket(const nlmsghdr* nlh) {
  auto msg = messageHeader<inet_diag_msg>(nlh);
  AttrTable attrs = messageAttrs(nlh, sizeof(inet_diag_msg));
  Object out;
  int family = msg.idiag_family;
  if (family != AF_INET && family != AF_INET6) throw ParseError("inet_diag_msg of unknown family " + std::to_string(family));
  out["family"] = Value(family);
  out["state"] = Value(msg.idiag_state);
  out["localAddress"] = Value(formatIp(family, msg.id.idiag_src));
  out["localPort"] = Value(ntohs(msg.id.idiag_sport));
  out["remoteAddress"] = Value(formatIp(family, msg.id.idiag_dst));
  out["remotePort"] = Value(ntohs(msg.id.idiag_dport));
  out["boundInterface"] = Value(msg.id.idiag_if);
  out["inode"] = Value(msg.idiag_inode);
  out["uid"] = Value(msg.idiag_uid);
  if (const Attr* a = attrs.get(INET_DIAG_SKV6ONLY)) out["v6only"] = Value(a->u8() != 0);
  if (const Attr* a = attrs.get(INET_DIAG_PROTOCOL)) out["protocol"] = Value(a->u8());
  return Value(std::move(out));
}

const RequestCodec kDump{"diag.inet.dump", NETLINK_SOCK_DIAG, encodeDump};
const Registration registrations[] = {
    Registration(kDump),
    Registration(NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, "SOCK_DIAG_BY_FAMILY", parseSocket),
};

}  // namespace
}  // namespace np
