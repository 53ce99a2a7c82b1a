#include "nl/socket.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "nl/attrs.h"
#include "nl/netns_thread.h"

namespace np {

namespace {
constexpr int kSocketBuffer = 32 << 20;     // large dumps (10,000 links) and ack floods
constexpr size_t kRecvBuffer = 1 << 20;     // one datagram; the kernel's dump skbs are smaller
constexpr size_t kChunkBytes = 256 << 10;   // non-transactional streams go out in pieces at most this big
constexpr size_t kAckTruesize = 1024;       // what one queued ack (an skb) costs the receive buffer, generously
constexpr int kReplyTimeoutSeconds = 30;

void setOption(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) throwErrno(errno, "setsockopt", "configure", what);
}

struct Encoded {
  MessageBuilder builder;
  std::vector<size_t> offsets;        // per message
  std::vector<int> requestOf;         // message -> request index (-1: transaction marker)
  std::vector<RequestContext> contexts;  // per request
  std::vector<RequestContext> markers;   // begin/end
};

void encodeOne(MessageBuilder& b, RequestContext& ctx, void (*fn)(const Object&, MessageBuilder&, RequestContext&),
               const Object& args, std::vector<size_t>& offsets) {
  size_t before = b.messageCount();
  size_t start = b.size();
  fn(args, b, ctx);
  if (b.messageCount() != before + 1) throw std::logic_error("codec must build exactly one message");
  offsets.push_back(NLMSG_ALIGN(start));
}

// A transaction's begin or end marker: no request of the caller's, and no reply expected.
void appendMarker(Encoded& e, void (*encodeMarker)(MessageBuilder&, RequestContext&)) {
  RequestContext ctx;
  ctx.expectReply = false;
  size_t start = e.builder.size();
  encodeMarker(e.builder, ctx);
  e.offsets.push_back(start);
  e.requestOf.push_back(-1);
  e.markers.push_back(std::move(ctx));
}

Encoded encodeStream(const std::vector<Request>& requests, bool transaction, int protocol) {
  Encoded e;
  const TransactionCodec* tx = nullptr;
  if (transaction) {
    tx = findTransactionCodec(protocol);
    if (!tx) throw ArgumentError("this protocol has no transactions");
    appendMarker(e, tx->begin);
  }
  e.contexts.resize(requests.size());
  for (size_t i = 0; i < requests.size(); i++) {
    const Request& r = requests[i];
    if (r.codec->protocol != protocol)
      throw ArgumentError(std::string(r.codec->name) + " does not belong on this socket's protocol");
    try {
      encodeOne(e.builder, e.contexts[i], r.codec->encode, r.args, e.offsets);
    } catch (const SystemError& err) {
      // e.g. a namespace named in the request does not exist: nothing is sent.
      ErrorInfo info = err.info();
      info.index = static_cast<int>(i);
      if (info.action.empty()) info.action = e.contexts[i].action;
      throw SystemError(std::move(info));
    } catch (const ArgumentError& err) {
      if (requests.size() == 1) throw;
      throw ArgumentError("request " + std::to_string(i) + " (" + std::string(r.codec->name) + "): " + err.what());
    }
    e.requestOf.push_back(static_cast<int>(i));
    nlmsghdr* h = e.builder.headerAt(e.offsets.back());
    h->nlmsg_flags |= NLM_F_REQUEST;
    if (e.contexts[i].dump)
      h->nlmsg_flags |= NLM_F_DUMP;
    else
      h->nlmsg_flags |= NLM_F_ACK;
  }
  if (tx) {
    appendMarker(e, tx->end);
  }
  return e;
}
}  // namespace

void readExtendedAck(const nlmsghdr* nlh, size_t fixedLen, ErrorInfo& info) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return;
  AttrTable tlvs = messageAttrs(nlh, fixedLen);
  if (const Attr* msg = tlvs.get(NLMSGERR_ATTR_MSG)) info.kernelMessage = msg->str();
  if (const Attr* miss = tlvs.get(NLMSGERR_ATTR_MISS_TYPE))
    info.detail = "missing attribute type " + std::to_string(miss->u32());
  else if (const Attr* offs = tlvs.get(NLMSGERR_ATTR_OFFS))
    info.detail = "rejected attribute at offset " + std::to_string(offs->u32());
}

int errnoOfStatus(int32_t status) {
  constexpr int32_t kMaxErrno = 4095;  // the kernel's MAX_ERRNO
  if (status == 0) return 0;
  return status < 0 && status >= -kMaxErrno ? -status : EPROTO;
}

UniqueFd NetlinkSocket::createFd(int protocol) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
  if (!fd.valid()) throwErrno(errno, "socket", "open netlink socket", "protocol " + std::to_string(protocol));
  return fd;
}

std::shared_ptr<NetlinkSocket> NetlinkSocket::open(int protocol, int nsFd, uint32_t groups) {
  UniqueFd fd;
  runInNetns(nsFd, [&] { fd = createFd(protocol); });
  return adopt(std::move(fd), protocol, groups);
}

std::shared_ptr<NetlinkSocket> NetlinkSocket::adopt(UniqueFd fd, int protocol, uint32_t groups) {
  // Bigger buffers: the force variants need CAP_NET_ADMIN; fall back quietly.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
  setOption(fd.get(), SOL_NETLINK, NETLINK_EXT_ACK, 1, "NETLINK_EXT_ACK");
  setOption(fd.get(), SOL_NETLINK, NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK");
  // Strict checking is rtnetlink's; other protocols accept it harmlessly.
  setOption(fd.get(), SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1, "NETLINK_GET_STRICT_CHK");
  timeval timeout{kReplyTimeoutSeconds, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = groups;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    throwErrno(errno, "bind", "bind netlink socket", "protocol " + std::to_string(protocol));
  auto sock = std::shared_ptr<NetlinkSocket>(new NetlinkSocket(std::move(fd), protocol));
  sock->recvBuf_.reset(new uint8_t[kRecvBuffer]);  // not zero-filled: opening stays cheap
  sock->recvSize_ = kRecvBuffer;
  // What the buffers really are (the kernel reports twice the usable size):
  // without CAP_NET_ADMIN they stay small, and a send bigger than the send
  // buffer fails with EMSGSIZE, or acks overflow the receive buffer (ENOBUFS).
  int sndbuf = 0, rcvbuf = 0;
  socklen_t optLen = sizeof sndbuf;
  ::getsockopt(sock->fd_.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, &optLen);
  optLen = sizeof rcvbuf;
  ::getsockopt(sock->fd_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optLen);
  sock->pieceBytes_ = std::clamp<size_t>(static_cast<size_t>(sndbuf) / 4, 4096, kChunkBytes);
  sock->pieceMessages_ = std::max<size_t>(static_cast<size_t>(rcvbuf) / kAckTruesize, 16);
  return sock;
}

std::vector<uint8_t> NetlinkSocket::encode(const std::vector<Request>& requests, bool transaction, int protocol) {
  Encoded e = encodeStream(requests, transaction, protocol);
  for (size_t m = 0; m < e.offsets.size(); m++) e.builder.headerAt(e.offsets[m])->nlmsg_seq = static_cast<uint32_t>(m + 1);
  return e.builder.data();
}

void NetlinkSocket::sendAll(const uint8_t* data, size_t len) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = ::sendto(fd_.get(), data, len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n == static_cast<ssize_t>(len)) return;
    if (n < 0 && errno == EINTR) continue;
    throwErrno(n < 0 ? errno : EMSGSIZE, "sendto", "send netlink request", std::to_string(len) + " bytes");
  }
}

size_t NetlinkSocket::receive() {
  for (;;) {
    sockaddr_nl from{};
    socklen_t fromLen = sizeof from;
    ssize_t n = ::recvfrom(fd_.get(), recvBuf_.get(), recvSize_, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromLen);
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno(errno == EAGAIN ? ETIMEDOUT : errno, "recv", "read netlink reply", "");
    }
    if (static_cast<size_t>(n) > recvSize_) throwErrno(EMSGSIZE, "recv", "read netlink reply", "truncated");
    if (from.nl_pid != 0) continue;  // only the kernel answers requests; drop anything else
    return static_cast<size_t>(n);
  }
}

MessageBlock MessageBlock::withCapacity(size_t capacity) {
  MessageBlock b;
  b.data.reset(new uint8_t[capacity]);  // default-initialised: not zero-filled
  b.capacity = capacity;
  return b;
}

MessageBlock BlockPool::take(size_t capacity) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->capacity < capacity) continue;
      MessageBlock b = std::move(*it);
      free_.erase(it);
      b.size = 0;
      return b;
    }
  }
  return MessageBlock::withCapacity(capacity);
}

void BlockPool::give(MessageBlock&& block) {
  if (!block.data) return;
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(block));
}

RequestResult NetlinkSocket::dumpStream(const std::vector<Request>& oneDump, size_t blockBytes, BlockPool& pool,
                                        const std::function<void(MessageBlock&&)>& onBlock) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!fd_.valid()) throwErrno(EBADF, "dump", "use netlink socket", "closed handle");
  if (oneDump.size() != 1) throw ArgumentError("a streamed dump takes exactly one request");
  Encoded e = encodeStream(oneDump, false, protocol_);
  RequestContext& ctx = e.contexts[0];
  if (!ctx.dump) throw ArgumentError(std::string(oneDump[0].codec->name) + " is not a dump");
  nlmsghdr* request = e.builder.headerAt(e.offsets[0]);
  const uint16_t requestType = request->nlmsg_type;
  const uint32_t seq = reserveSequence(1);
  request->nlmsg_seq = seq;
  request->nlmsg_pid = 0;
  sendAll(e.builder.data().data(), e.builder.size());

  RequestResult result;
  auto describeFailure = [&](int err) {
    result.ok = false;
    result.error.errnum = err;
    result.error.op = messageTypeName(protocol_, requestType);
    result.error.action = ctx.action;
    result.error.object = ctx.object;
  };
  // A block holds blockBytes of messages and room for one more datagram of
  // the usual size (the kernel's dump datagrams are at most 32 KiB unless one
  // message needs more), so that it is handed on before a receive spills.
  constexpr size_t kDatagramRoom = 64 << 10;
  constexpr size_t kPad = NLMSG_ALIGNTO;  // a last message's alignment padding may pass the datagram's end
  const size_t capacity = blockBytes + kDatagramRoom;
  MessageBlock block = pool.take(capacity + kPad);
  for (bool done = false; !done;) {
    // The datagram lands at the block's end; a bigger one than the room left
    // goes on into recvBuf_ (never truncated), and then moves to a block of its own.
    const size_t room = capacity - block.size;
    sockaddr_nl from{};
    iovec iov[2] = {{block.data.get() + block.size, room}, {recvBuf_.get(), recvSize_}};
    msghdr mh{};
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    mh.msg_iov = iov;
    mh.msg_iovlen = 2;
    ssize_t got = ::recvmsg(fd_.get(), &mh, MSG_TRUNC);
    if (got < 0) {
      if (errno == EINTR) continue;
      throwErrno(errno == EAGAIN ? ETIMEDOUT : errno, "recv", "read netlink reply", "");
    }
    const size_t n = static_cast<size_t>(got);
    if (n > room + recvSize_) throwErrno(EMSGSIZE, "recv", "read netlink reply", "truncated");
    if (from.nl_pid != 0) continue;  // only the kernel answers requests; drop anything else
    if (n > room) {
      MessageBlock spill = pool.take(std::max(capacity, n) + kPad);
      std::memcpy(spill.data.get(), block.data.get() + block.size, room);
      std::memcpy(spill.data.get() + room, recvBuf_.get(), n - room);
      if (block.size > 0)
        onBlock(std::move(block));
      else
        pool.give(std::move(block));
      block = std::move(spill);
    }
    // Keep the dump's own data messages, in place; drop the rest (the end
    // marker, leftovers of an earlier exchange) by moving later ones down.
    uint8_t* datagram = block.data.get() + block.size;
    size_t keep = block.size;
    for (const nlmsghdr* nlh : splitMessages(datagram, n)) {
      if (nlh->nlmsg_seq != seq) continue;  // left over from an earlier exchange
      if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) result.error.interrupted = true;
      if (nlh->nlmsg_type == NLMSG_ERROR) {
        auto err = messageHeader<nlmsgerr>(nlh);
        if (err.error != 0) {
          describeFailure(-err.error);
          readExtendedAck(nlh, sizeof(nlmsgerr), result.error);
        }
        done = true;
      } else if (nlh->nlmsg_type == NLMSG_DONE) {
        int status = 0;
        if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) status = messageHeader<int>(nlh);
        if (status < 0) {
          describeFailure(-status);
          readExtendedAck(nlh, sizeof(int), result.error);
        }
        done = true;
      } else {
        const uint32_t len = nlh->nlmsg_len;
        uint8_t* at = block.data.get() + keep;
        if (reinterpret_cast<const uint8_t*>(nlh) != at) std::memmove(at, nlh, len);
        std::memset(at + len, 0, NLMSG_ALIGN(len) - len);
        keep += NLMSG_ALIGN(len);
      }
    }
    block.size = keep;
    if (block.size >= blockBytes || (done && block.size > 0)) {
      onBlock(std::move(block));
      if (!done) block = pool.take(capacity + kPad);
    }
  }
  if (result.ok && result.error.interrupted) {
    describeFailure(EINTR);
    result.error.detail = "the dump was interrupted by a concurrent change; retry";
  }
  return result;
}

uint32_t NetlinkSocket::reserveSequence(size_t count) {
  if (count >= UINT32_MAX / 2) throw ArgumentError("too many requests in one exchange");
  if (nextSeq_ == 0 || nextSeq_ > UINT32_MAX - count) nextSeq_ = 1;
  uint32_t first = nextSeq_;
  nextSeq_ += static_cast<uint32_t>(count);
  return first;
}

std::vector<RequestResult> NetlinkSocket::execute(const std::vector<Request>& requests, bool transaction, bool raw) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!fd_.valid()) throwErrno(EBADF, "execute", "use netlink socket", "closed handle");
  Encoded e = encodeStream(requests, transaction, protocol_);
  std::vector<RequestResult> results(requests.size());
  const size_t messages = e.offsets.size();

  // Sequence numbers: message m gets firstSeq + m. Replies outside this
  // exchange's range (left over from an earlier exchange that failed part-way)
  // are dropped.
  const uint32_t firstSeq = reserveSequence(messages);
  for (size_t m = 0; m < messages; m++) {
    nlmsghdr* h = e.builder.headerAt(e.offsets[m]);
    h->nlmsg_seq = firstSeq + static_cast<uint32_t>(m);
    h->nlmsg_pid = 0;
  }
  auto endOf = [&](size_t m) { return m == messages ? e.builder.size() : e.offsets[m]; };
  auto isDump = [&](size_t m) { return e.requestOf[m] >= 0 && e.contexts[e.requestOf[m]].dump; };
  // Pieces to send: a transaction goes whole. Otherwise the stream is cut on
  // message boundaries so that each piece fits the socket's buffers, and right
  // after every dump: a socket runs one dump at a time (a second one started
  // meanwhile fails with EBUSY), and a change sent while a dump is still being
  // read would interrupt it (NLM_F_DUMP_INTR).
  std::vector<std::pair<size_t, size_t>> pieces;  // [first message, end message)
  if (transaction) {
    pieces.push_back({0, messages});
  } else {
    size_t first = 0;
    for (size_t m = 0; m < messages; m++) {
      bool last = m + 1 == messages;
      bool full = !last && (endOf(m + 2) - e.offsets[first] > pieceBytes_ || m + 1 - first >= pieceMessages_);
      if (last || full || isDump(m)) {
        pieces.push_back({first, m + 1});
        first = m + 1;
      }
    }
  }

  for (const auto& piece : pieces) {
    // Plain names, not a structured binding: the lambdas below capture them
    // (which clang before 16 refuses for bindings; the fuzz build uses clang 14).
    const size_t first = piece.first, end = piece.second;
    size_t awaiting = 0;
    std::vector<bool> done(end - first, false);
    for (size_t m = first; m < end; m++) {
      if (e.requestOf[m] >= 0)
        awaiting++;
      else
        done[m - first] = true;
    }
    sendAll(e.builder.data().data() + e.offsets[first], endOf(end) - e.offsets[first]);

    while (awaiting > 0) {
      sockaddr_nl from{};
      socklen_t fromLen = sizeof from;
      ssize_t n = ::recvfrom(fd_.get(), recvBuf_.get(), recvSize_, MSG_TRUNC,
                             reinterpret_cast<sockaddr*>(&from), &fromLen);
      if (n < 0) {
        if (errno == EINTR) continue;
        throwErrno(errno == EAGAIN ? ETIMEDOUT : errno, "recv", "read netlink reply", "");
      }
      if (static_cast<size_t>(n) > recvSize_) throwErrno(EMSGSIZE, "recv", "read netlink reply", "truncated");
      if (from.nl_pid != 0) continue;  // only the kernel answers requests; drop anything else
      for (const nlmsghdr* nlh : splitMessages(recvBuf_.get(), static_cast<size_t>(n))) {
        uint32_t seq = nlh->nlmsg_seq;
        if (seq < firstSeq + first || seq >= firstSeq + end) continue;  // not a reply to this piece
        size_t m = seq - firstSeq;
        int r = e.requestOf[m];
        if (r < 0 && nlh->nlmsg_type == NLMSG_ERROR && messageHeader<nlmsgerr>(nlh).error != 0) {
          // The transaction itself was refused: every request in it fails alike.
          ErrorInfo info;
          info.errnum = errnoOfStatus(messageHeader<nlmsgerr>(nlh).error);
          info.op = messageTypeName(protocol_, e.builder.headerAt(e.offsets[m])->nlmsg_type);
          info.action = "start transaction";
          readExtendedAck(nlh, sizeof(nlmsgerr), info);
          for (size_t k = first; k < end; k++) {
            if (done[k - first]) continue;
            results[e.requestOf[k]].ok = false;
            results[e.requestOf[k]].error = info;
            results[e.requestOf[k]].error.index = e.requestOf[k];
            done[k - first] = true;
          }
          awaiting = 0;
          break;
        }
        if (r < 0 || done[m - first]) continue;
        RequestResult& result = results[r];
        RequestContext& ctx = e.contexts[r];
        auto finish = [&] {
          done[m - first] = true;
          awaiting--;
        };
        auto describeFailure = [&](int err) {
          result.ok = false;
          result.error.errnum = err;
          result.error.op = messageTypeName(protocol_, e.builder.headerAt(e.offsets[m])->nlmsg_type);
          result.error.action = ctx.action;
          result.error.object = ctx.object;
          result.error.index = r;
        };
        if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) result.error.interrupted = true;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
          auto err = messageHeader<nlmsgerr>(nlh);
          if (err.error != 0) {
            describeFailure(errnoOfStatus(err.error));
            readExtendedAck(nlh, sizeof(nlmsgerr), result.error);
          }
          finish();
        } else if (nlh->nlmsg_type == NLMSG_DONE) {
          int status = 0;
          if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) status = messageHeader<int>(nlh);
          if (status < 0) {
            describeFailure(errnoOfStatus(status));
            readExtendedAck(nlh, sizeof(int), result.error);
          } else if (result.error.interrupted && result.ok) {
            describeFailure(EINTR);
            result.error.detail = "the dump was interrupted by a concurrent change; retry";
          }
          finish();
        } else if (raw) {
          const auto* bytes = reinterpret_cast<const uint8_t*>(nlh);
          result.raw.insert(result.raw.end(), bytes, bytes + nlh->nlmsg_len);
          result.raw.resize(NLMSG_ALIGN(result.raw.size()), 0);
        } else if (ReplyParser parse = findReplyParser(protocol_, nlh->nlmsg_type)) {
          // A reply we cannot read fails its own request only; the exchange
          // goes on so that the socket stays in step with the kernel.
          try {
            result.objects.push_back(parse(nlh));
          } catch (const ParseError& bad) {
            if (result.ok) {
              describeFailure(EBADMSG);
              result.error.detail = std::string("malformed reply: ") + bad.what();
            }
          }
        } else {
          Object unparsed;
          unparsed["messageType"] = Value(nlh->nlmsg_type);
          unparsed["payload"] = Value(Bytes(reinterpret_cast<const uint8_t*>(nlh) + NLMSG_HDRLEN,
                                       reinterpret_cast<const uint8_t*>(nlh) + nlh->nlmsg_len));
          result.objects.push_back(Value(std::move(unparsed)));
        }
      }
    }
  }
  return results;
}

}  // namespace np
