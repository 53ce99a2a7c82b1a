// nf_tables transactions: NFNL_MSG_BATCH_BEGIN ... NFNL_MSG_BATCH_END around
// the changes, addressed to the nf_tables subsystem (res_id). The kernel
// applies the messages between them all together or not at all.
#include <arpa/inet.h>

#include "nft/nft.h"

namespace np::nft {
namespace {

void putMarker(MessageBuilder& b, uint16_t type) {
  // Markers carry NLM_F_REQUEST (the kernel rejects a batch message without
  // it) but no NLM_F_ACK: the kernel answers them only when the whole batch
  // is refused (no CAP_NET_ADMIN, a malformed batch, a failed commit).
  b.beginMessage(type, NLM_F_REQUEST);
  nfgenmsg gen{};
  gen.nfgen_family = AF_UNSPEC;
  gen.version = NFNETLINK_V0;
  gen.res_id = htons(NFNL_SUBSYS_NFTABLES);
  b.putHeader(gen);
  b.endMessage();
}

void begin(MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "commit nf_tables transaction";
  putMarker(b, NFNL_MSG_BATCH_BEGIN);
}

void end(MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "end nf_tables transaction";
  putMarker(b, NFNL_MSG_BATCH_END);
}

const TransactionCodec kTransaction{NETLINK_NETFILTER, begin, end};
const Registration registrations[] = {
    Registration(kTransaction),
    Registration(NETLINK_NETFILTER, NFNL_MSG_BATCH_BEGIN, "NFNL_MSG_BATCH_BEGIN", nullptr),
    Registration(NETLINK_NETFILTER, NFNL_MSG_BATCH_END, "NFNL_MSG_BATCH_END", nullptr),
};

}  // namespace
}  // namespace np::nft
