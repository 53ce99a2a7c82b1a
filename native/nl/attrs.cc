#include "nl/attrs.h"

#include <arpa/inet.h>
#include <endian.h>

#include <cstdint>
#include <stdexcept>

namespace np {

namespace {
template <typename T>
T fixed(const Attr& a) {
  if (a.len < sizeof(T))
    throw ParseError("attribute " + std::to_string(a.type) + ": " + std::to_string(a.len) + " bytes, expected " +
                     std::to_string(sizeof(T)));
  T v;
  std::memcpy(&v, a.data, sizeof v);
  return v;
}
}  // namespace

uint8_t Attr::u8() const { return fixed<uint8_t>(*this); }
uint16_t Attr::u16() const { return fixed<uint16_t>(*this); }
uint32_t Attr::u32() const { return fixed<uint32_t>(*this); }
uint64_t Attr::u64() const { return fixed<uint64_t>(*this); }
int32_t Attr::s32() const { return fixed<int32_t>(*this); }
uint16_t Attr::be16() const { return ntohs(fixed<uint16_t>(*this)); }
uint32_t Attr::be32() const { return ntohl(fixed<uint32_t>(*this)); }
uint64_t Attr::be64() const { return be64toh(fixed<uint64_t>(*this)); }

std::string Attr::str() const {
  const auto* end = static_cast<const uint8_t*>(std::memchr(data, 0, len));
  return std::string(reinterpret_cast<const char*>(data), end ? static_cast<size_t>(end - data) : len);
}

AttrTable::AttrTable(const uint8_t* data, size_t len) {
  size_t off = 0;
  while (off + NLA_HDRLEN <= len) {
    nlattr header;
    std::memcpy(&header, data + off, sizeof header);
    if (header.nla_len < NLA_HDRLEN || off + header.nla_len > len)
      throw ParseError("malformed attribute: length " + std::to_string(header.nla_len) + " at offset " +
                       std::to_string(off) + " of " + std::to_string(len));
    attrs_.push_back(Attr{static_cast<uint16_t>(header.nla_type & NLA_TYPE_MASK), data + off + NLA_HDRLEN,
                          static_cast<size_t>(header.nla_len - NLA_HDRLEN)});
    off += NLA_ALIGN(header.nla_len);
  }
  if (off < len && len - off >= NLA_HDRLEN) throw ParseError("malformed attribute stream");
}

const Attr* AttrTable::get(uint16_t type) const {
  for (auto it = attrs_.rbegin(); it != attrs_.rend(); ++it)
    if (it->type == type) return &*it;
  return nullptr;
}

std::vector<const nlmsghdr*> splitMessages(const uint8_t* data, size_t len) {
  // Headers are read in place: a caller with a buffer of its own making (not a
  // receive buffer) copies it first, as readMessages() does.
  if (reinterpret_cast<uintptr_t>(data) % alignof(nlmsghdr) != 0)
    throw std::logic_error("netlink messages read from a misaligned buffer");
  std::vector<const nlmsghdr*> out;
  size_t off = 0;
  while (off < len) {
    if (len - off < sizeof(nlmsghdr)) throw ParseError("truncated netlink message header");
    const auto* nlh = reinterpret_cast<const nlmsghdr*>(data + off);
    if (nlh->nlmsg_len < sizeof(nlmsghdr) || nlh->nlmsg_len > len - off)
      throw ParseError("malformed netlink message: length " + std::to_string(nlh->nlmsg_len));
    out.push_back(nlh);
    off += NLMSG_ALIGN(nlh->nlmsg_len);
  }
  return out;
}

AttrTable messageAttrs(const nlmsghdr* nlh, size_t familyHeaderLen) {
  size_t start = NLMSG_LENGTH(NLMSG_ALIGN(familyHeaderLen));
  if (nlh->nlmsg_len < start) throw ParseError("message too short for its header");
  return AttrTable(reinterpret_cast<const uint8_t*>(nlh) + start, nlh->nlmsg_len - start);
}

void keepUnknown(Object& out, const AttrTable& table, uint16_t knownMax) {
  Object unknown;
  for (const Attr& a : table.all())
    if (a.type > knownMax) unknown[std::to_string(a.type)] = Value(a.bytes());
  if (!unknown.empty()) out["unknown"] = Value(std::move(unknown));
}

}  // namespace np
