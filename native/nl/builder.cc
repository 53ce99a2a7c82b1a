#include "nl/builder.h"

#include <arpa/inet.h>
#include <endian.h>

#include "common/value.h"

namespace np {

namespace {
constexpr size_t kMaxAttrLen = 0xffff;
}

MessageBuilder::Nest::Nest(MessageBuilder& b, uint16_t type, bool keepEmpty)
    : builder_(b), offset_(b.buf_.size()), keepEmpty_(keepEmpty) {
  nlattr header{0, static_cast<uint16_t>(type | NLA_F_NESTED)};
  builder_.putRaw(&header, sizeof header);
  builder_.openNests_++;
}

MessageBuilder::Nest::~Nest() {
  size_t len = builder_.buf_.size() - offset_;
  builder_.openNests_--;
  if (!keepEmpty_ && len == NLA_HDRLEN) {
    builder_.buf_.resize(offset_);
    return;
  }
  if (len > kMaxAttrLen) {
    // Destructors must not throw; endMessage() reports it.
    builder_.overflow_ = true;
    builder_.overflowWhat_ = "nested attribute of " + std::to_string(len) + " bytes";
    return;
  }
  reinterpret_cast<nlattr*>(builder_.buf_.data() + offset_)->nla_len = static_cast<uint16_t>(len);
}

size_t MessageBuilder::beginMessage(uint16_t type, uint16_t flags) {
  if (current_ != SIZE_MAX) throw std::logic_error("netlink builder: message already open");
  align();
  current_ = buf_.size();
  nlmsghdr header{};
  header.nlmsg_type = type;
  header.nlmsg_flags = flags;
  putRaw(&header, sizeof header);
  return current_;
}

void MessageBuilder::endMessage() {
  if (current_ == SIZE_MAX) throw std::logic_error("netlink builder: no open message");
  if (openNests_ != 0) throw std::logic_error("netlink builder: message closed with an open nest");
  if (overflow_) throw ArgumentError("netlink message too large: " + overflowWhat_);
  align();
  size_t len = buf_.size() - current_;
  if (len > UINT32_MAX) throw ArgumentError("netlink message too large");
  headerAt(current_)->nlmsg_len = static_cast<uint32_t>(len);
  current_ = SIZE_MAX;
  messages_++;
}

void MessageBuilder::put(uint16_t type, const void* data, size_t len) {
  if (len + NLA_HDRLEN > kMaxAttrLen)
    throw ArgumentError("netlink attribute " + std::to_string(type) + " too large: " + std::to_string(len) +
                        " bytes");
  nlattr header{static_cast<uint16_t>(NLA_HDRLEN + len), type};
  putRaw(&header, sizeof header);
  if (len) putRaw(data, len);
  align();
}

void MessageBuilder::putBe16(uint16_t type, uint16_t v) {
  uint16_t be = htons(v);
  put(type, &be, 2);
}

void MessageBuilder::putBe32(uint16_t type, uint32_t v) {
  uint32_t be = htonl(v);
  put(type, &be, 4);
}

void MessageBuilder::putBe64(uint16_t type, uint64_t v) {
  uint64_t be = htobe64(v);
  put(type, &be, 8);
}

void MessageBuilder::putString(uint16_t type, std::string_view s) {
  if (s.find('\0') != std::string_view::npos) throw ArgumentError("string attribute contains a NUL byte");
  std::vector<uint8_t> bytes(s.begin(), s.end());
  bytes.push_back(0);
  put(type, bytes.data(), bytes.size());
}

void MessageBuilder::putRaw(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  buf_.insert(buf_.end(), p, p + len);
}

void MessageBuilder::align() { buf_.resize(NLMSG_ALIGN(buf_.size()), 0); }

}  // namespace np
