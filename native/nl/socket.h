// One netlink socket of one protocol, bound to the network namespace it was
// created in. execute() sends many requests at once and checks every reply.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "common/value.h"
#include "nl/registry.h"

namespace np {

struct Request {
  const RequestCodec* codec = nullptr;
  Object args;
};

struct RequestResult {
  bool ok = true;
  ErrorInfo error;  // when !ok
  Array objects;    // parsed replies: dump entries, or the object a get returned
  Bytes raw;        // raw mode: the reply messages themselves, back to back, each NLMSG_ALIGNed
};

// Reply messages back to back, each NLMSG_ALIGNed, in memory that was not
// zero-filled first (the kernel writes what is read).
struct MessageBlock {
  std::unique_ptr<uint8_t[]> data;
  size_t size = 0;      // bytes of messages
  size_t capacity = 0;  // bytes allocated
  static MessageBlock withCapacity(size_t capacity);
};

// Memory for a streamed dump's blocks. A consumer that is done with a block
// gives it back, and the dump takes it again for a later receive: a listing
// of 10,000 links then cycles through a few blocks instead of allocating
// (and faulting in, and later freeing on the JS thread) one per 128 KiB.
class BlockPool {
 public:
  // A block given back that holds at least capacity bytes, or a new one; its size is 0.
  MessageBlock take(size_t capacity);
  void give(MessageBlock&& block);

 private:
  std::mutex mutex_;
  std::vector<MessageBlock> free_;
};

class NetlinkSocket {
 public:
  // Creates the socket inside the namespace nsFd (< 0: the process's own) on a
  // dedicated thread; it stays bound to that namespace for life.
  static std::shared_ptr<NetlinkSocket> open(int protocol, int nsFd, uint32_t groups = 0);

  // The two halves of open(), for a caller already on a thread inside the
  // target namespace (e.g. the one that just created it): createFd makes the
  // bare socket in the calling thread's namespace; adopt configures and binds
  // it, which may happen on any thread.
  static UniqueFd createFd(int protocol);
  static std::shared_ptr<NetlinkSocket> adopt(UniqueFd fd, int protocol, uint32_t groups = 0);

  // Encodes, sends and awaits every request. With transaction set, the stream
  // is wrapped in the protocol's transaction markers and sent in one piece.
  // A kernel error on one request is reported in its result; socket-level
  // failures throw SystemError. In raw mode replies are kept as bytes, not
  // parsed: for callers that decode them where the result is needed (the JS
  // thread builds large link listings faster from bytes than from parsed trees).
  std::vector<RequestResult> execute(const std::vector<Request>& requests, bool transaction, bool raw = false);

  // Sends one dump request and hands its reply messages to onBlock as they
  // arrive, in blocks of whole messages of about blockBytes (several
  // receives each), so that the caller can decode a large listing while the
  // kernel is still producing the rest of it. The kernel writes each
  // datagram straight into the block (no copy); blocks come from pool, and
  // each becomes the caller's (who may give it back to the pool). Kernel errors come back in the result, as
  // execute's; socket-level failures throw.
  RequestResult dumpStream(const std::vector<Request>& oneDump, size_t blockBytes, BlockPool& pool,
                           const std::function<void(MessageBlock&&)>& onBlock);

  // Encodes without sending (record mode): the bytes a request stream would be.
  static std::vector<uint8_t> encode(const std::vector<Request>& requests, bool transaction, int protocol);

  int fd() const { return fd_.get(); }
  int protocol() const { return protocol_; }

 private:
  NetlinkSocket(UniqueFd fd, int protocol) : fd_(std::move(fd)), protocol_(protocol) {}
  void sendAll(const uint8_t* data, size_t len);
  // Receives one datagram into recvBuf_; returns its length. Only the kernel's datagrams count.
  size_t receive();
  // Reserves count sequence numbers; returns the first. Never 0 (the kernel's
  // notifications carry 0) and never wrapping inside one exchange.
  uint32_t reserveSequence(size_t count);

  UniqueFd fd_;
  int protocol_;
  uint32_t nextSeq_ = 1;
  size_t pieceBytes_ = 0;     // most bytes per send: what the send buffer takes
  size_t pieceMessages_ = 0;  // most requests per send: acks must fit the receive buffer
  std::mutex mutex_;  // one execute at a time: replies are matched by sequence
  // Not value-initialised: zero-filling 1 MiB cost ~0.6 ms per open; the kernel writes what we read.
  std::unique_ptr<uint8_t[]> recvBuf_;
  size_t recvSize_ = 0;
};

// Fills error details from an NLMSG_ERROR or NLMSG_DONE payload's extended ack.
void readExtendedAck(const nlmsghdr* nlh, size_t fixedLen, ErrorInfo& info);

// The positive errno of an NLMSG_ERROR / NLMSG_DONE status (0: success). The
// kernel sends -errno; anything else (a positive value, or one past -4095,
// where negating INT_MIN would overflow) is a malformed reply: EPROTO.
int errnoOfStatus(int32_t status);

}  // namespace np
