// Reads a buffer of netlink messages the way replies and events are read:
// each message through the reply parser registered for its (protocol, type),
// an NLMSG_ERROR as its errno and extended ack. Behind the addon's parse()
// export, and the input of the reply-parser fuzzer (native/fuzz/).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/value.h"

namespace np {

// [{type, flags, seq, object? | error, kernelMessage?}]. Malformed input
// throws ParseError; nothing else is thrown for any input.
Array readMessages(int protocol, const uint8_t* data, size_t len);

}  // namespace np
