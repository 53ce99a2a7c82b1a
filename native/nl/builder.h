// Builds a stream of netlink messages with aligned attributes. A nest closes
// itself when its guard leaves scope; an attribute, nest or message that does
// not fit its length field is an error, never a truncation.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace np {

class MessageBuilder {
 public:
  class Nest {
   public:
    // keepEmpty = false: a nest that ends up with nothing in it is removed.
    Nest(MessageBuilder& b, uint16_t type, bool keepEmpty = true);
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;
    ~Nest();

   private:
    MessageBuilder& builder_;
    size_t offset_;
    bool keepEmpty_;
  };

  // Starts a message; returns its header's offset. Sequence numbers are set by
  // the socket when the stream is sent.
  size_t beginMessage(uint16_t type, uint16_t flags);
  // Closes the current message (patches nlmsg_len). Throws on overflow.
  void endMessage();

  // Appends the fixed family header (ifinfomsg, rtmsg ...) right after nlmsghdr.
  template <typename T>
  void putHeader(const T& header) {
    putRaw(&header, sizeof header);
  }
  void put(uint16_t type, const void* data, size_t len);
  void putFlag(uint16_t type) { put(type, nullptr, 0); }
  void putU8(uint16_t type, uint8_t v) { put(type, &v, 1); }
  void putU16(uint16_t type, uint16_t v) { put(type, &v, 2); }
  void putU32(uint16_t type, uint32_t v) { put(type, &v, 4); }
  void putU64(uint16_t type, uint64_t v) { put(type, &v, 8); }
  void putS32(uint16_t type, int32_t v) { put(type, &v, 4); }
  // Big-endian (network order) values; no NLA_F_NET_BYTEORDER flag, as iproute2 and nft send them.
  void putBe16(uint16_t type, uint16_t v);
  void putBe32(uint16_t type, uint32_t v);
  void putBe64(uint16_t type, uint64_t v);
  // NUL-terminated string, as the kernel's NLA_STRING/NLA_NUL_STRING expect.
  void putString(uint16_t type, std::string_view s);
  void putBytes(uint16_t type, const std::vector<uint8_t>& bytes) { put(type, bytes.data(), bytes.size()); }

  const std::vector<uint8_t>& data() const { return buf_; }
  std::vector<uint8_t>& data() { return buf_; }
  size_t size() const { return buf_.size(); }
  size_t messageCount() const { return messages_; }
  // Header of the message that starts at offset (valid until the next append).
  nlmsghdr* headerAt(size_t offset) { return reinterpret_cast<nlmsghdr*>(buf_.data() + offset); }

 private:
  void putRaw(const void* data, size_t len);
  void align();

  std::vector<uint8_t> buf_;
  size_t current_ = SIZE_MAX;  // offset of the open message
  size_t messages_ = 0;
  int openNests_ = 0;
  bool overflow_ = false;
  std::string overflowWhat_;
};

}  // namespace np
