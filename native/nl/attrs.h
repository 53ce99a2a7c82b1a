// Parses netlink messages and attributes. Malformed input (a length that runs
// past its buffer, a value of the wrong size) is an error; attributes the
// parser's caller does not know are kept, not dropped.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/value.h"

namespace np {

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Attr {
  uint16_t type = 0;  // without the NESTED / NET_BYTEORDER flags
  const uint8_t* data = nullptr;
  size_t len = 0;

  uint8_t u8() const;
  uint16_t u16() const;
  uint32_t u32() const;
  uint64_t u64() const;
  int32_t s32() const;
  uint16_t be16() const;
  uint32_t be32() const;
  uint64_t be64() const;
  std::string str() const;  // up to the first NUL
  Bytes bytes() const { return Bytes(data, data + len); }
  // Interprets the payload as a fixed struct; the payload must be at least that big.
  template <typename T>
  T as() const {
    if (len < sizeof(T)) throw ParseError("attribute " + std::to_string(type) + " too short");
    T out;
    std::memcpy(&out, data, sizeof(T));
    return out;
  }
};

// Attributes of one level, in order, with lookup by type (the last one wins,
// as in the kernel's nla_parse).
class AttrTable {
 public:
  AttrTable() = default;
  AttrTable(const uint8_t* data, size_t len);
  explicit AttrTable(const Attr& nest) : AttrTable(nest.data, nest.len) {}

  const Attr* get(uint16_t type) const;
  bool has(uint16_t type) const { return get(type) != nullptr; }
  const std::vector<Attr>& all() const { return attrs_; }

 private:
  std::vector<Attr> attrs_;
};

// Walks the messages of one receive buffer, checking every length.
std::vector<const nlmsghdr*> splitMessages(const uint8_t* data, size_t len);

// The payload of a message after its fixed header of `headerLen` bytes.
template <typename T>
T messageHeader(const nlmsghdr* nlh) {
  if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(T))) throw ParseError("message too short for its header");
  T out;
  std::memcpy(&out, NLMSG_DATA(nlh), sizeof(T));
  return out;
}
AttrTable messageAttrs(const nlmsghdr* nlh, size_t familyHeaderLen);

// Unknown attributes are kept as {type: bytes} under "unknown" for callers
// who need them (and for tests that the parser keeps them).
void keepUnknown(Object& out, const AttrTable& table, uint16_t knownMax);

}  // namespace np
