#include "nl/message_reader.h"

#include <linux/netlink.h>

#include <cstdint>
#include <vector>

#include "nl/attrs.h"
#include "nl/registry.h"
#include "nl/socket.h"

namespace np {

Array readMessages(int protocol, const uint8_t* data, size_t len) {
  // Message headers are read in place, so they need their alignment; a
  // Buffer from JS can start anywhere (a slice of Node's buffer pool).
  std::vector<uint8_t> aligned;
  if (reinterpret_cast<uintptr_t>(data) % alignof(nlmsghdr) != 0) {
    aligned.assign(data, data + len);
    data = aligned.data();
  }
  Array out;
  for (const nlmsghdr* nlh : splitMessages(data, len)) {
    Object msg;
    msg["type"] = Value(messageTypeName(protocol, nlh->nlmsg_type));
    msg["flags"] = Value(nlh->nlmsg_flags);
    msg["seq"] = Value(nlh->nlmsg_seq);
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      ErrorInfo err;
      err.errnum = errnoOfStatus(messageHeader<nlmsgerr>(nlh).error);
      readExtendedAck(nlh, sizeof(nlmsgerr), err);
      msg["type"] = Value("NLMSG_ERROR");
      msg["error"] = Value(err.errnum);
      if (!err.kernelMessage.empty()) msg["kernelMessage"] = Value(err.kernelMessage);
    } else if (ReplyParser parser = findReplyParser(protocol, nlh->nlmsg_type)) {
      msg["object"] = parser(nlh);
    }
    out.push_back(Value(std::move(msg)));
  }
  return out;
}

}  // namespace np
