// Tables of request encoders (by operation name, e.g. "link.create") and reply
// parsers (by protocol and message type). Each object's codec file registers
// its entries with a static Registration, so adding one is adding a file.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"
#include "common/value.h"
#include "nl/builder.h"

namespace np {

// What an encoder tells the engine about the request it built.
struct RequestContext {
  std::string action;             // for errors: "create link"
  std::string object;             // for errors: "veth-a"
  std::vector<UniqueFd> fds;      // descriptors the message refers to (IFLA_NET_NS_FD): kept open until sent
  bool dump = false;              // a dump: ends with NLMSG_DONE, no ack asked
  bool expectReply = true;        // false for transaction markers (NFNL_MSG_BATCH_BEGIN/END)
};

struct RequestCodec {
  std::string_view name;  // "link.create"
  int protocol;           // NETLINK_ROUTE, NETLINK_NETFILTER
  // Builds exactly one message with builder.beginMessage()/endMessage(). The
  // engine adds NLM_F_REQUEST, NLM_F_ACK (unless a dump) and the sequence number.
  void (*encode)(const Object& args, MessageBuilder& builder, RequestContext& ctx);
};

// Starts a dump request: marks ctx a dump (the engine then adds NLM_F_DUMP and
// asks no ack) and writes nlmsghdr and the family's fixed header, whose fields
// are the filters the kernel reads there. The caller adds filter attributes
// and ends the message.
template <typename Header>
void beginDumpRequest(MessageBuilder& b, RequestContext& ctx, uint16_t type, const Header& header) {
  ctx.dump = true;
  b.beginMessage(type, 0);
  b.putHeader(header);
}

// Turns one reply message into a plain object.
using ReplyParser = Value (*)(const nlmsghdr* nlh);

// Wraps a request stream in a transaction (nf_tables batches): appends the
// begin marker before and the end marker after.
struct TransactionCodec {
  int protocol;
  void (*begin)(MessageBuilder& builder, RequestContext& ctx);
  void (*end)(MessageBuilder& builder, RequestContext& ctx);
};

struct Registration {
  explicit Registration(const RequestCodec& codec);
  Registration(int protocol, uint16_t type, std::string_view typeName, ReplyParser parser);
  explicit Registration(const TransactionCodec& codec);
};

const RequestCodec* findRequestCodec(std::string_view name);
ReplyParser findReplyParser(int protocol, uint16_t type);
const TransactionCodec* findTransactionCodec(int protocol);
// 'RTM_NEWLINK' for (NETLINK_ROUTE, 16); a number as text when unknown.
std::string messageTypeName(int protocol, uint16_t type);
// Names the registered request operations (for tests and error messages).
std::vector<std::string> requestCodecNames();

}  // namespace np
