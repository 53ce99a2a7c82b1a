#include "nl/attr_index.h"

#include <linux/netlink.h>

#include <cstring>
#include <string>

#include "nl/attrs.h"

namespace np {

AttrIndexer::AttrIndexer(size_t familyHeaderLen, const std::vector<uint16_t>& wanted, uint16_t knownMax)
    : attrsStart_(NLMSG_LENGTH(NLMSG_ALIGN(familyHeaderLen))),
      slotOf_(knownMax + 1u, -1),
      wanted_(wanted.size()),
      stride_(kIndexHeader + 2 * wanted.size()),
      knownMax_(knownMax) {
  for (size_t k = 0; k < wanted.size(); k++)
    if (wanted[k] <= knownMax) slotOf_[wanted[k]] = static_cast<int16_t>(k);
}

void AttrIndexer::append(const uint8_t* data, size_t len, std::vector<int32_t>& out) const {
  if (reinterpret_cast<uintptr_t>(data) % alignof(nlmsghdr) != 0)
    throw std::logic_error("netlink messages read from a misaligned buffer");
  for (size_t msg = 0; msg < len;) {
    if (len - msg < sizeof(nlmsghdr)) throw ParseError("truncated netlink message header");
    nlmsghdr nlh;
    std::memcpy(&nlh, data + msg, sizeof nlh);
    if (nlh.nlmsg_len < sizeof(nlmsghdr) || nlh.nlmsg_len > len - msg)
      throw ParseError("malformed netlink message: length " + std::to_string(nlh.nlmsg_len));
    if (nlh.nlmsg_len < attrsStart_) throw ParseError("message too short for its header");

    size_t base = out.size();
    out.resize(base + stride_);
    int32_t* rec = out.data() + base;
    rec[kIndexMessage] = static_cast<int32_t>(msg);
    rec[kIndexType] = nlh.nlmsg_type;
    rec[kIndexAttrsStart] = static_cast<int32_t>(msg + attrsStart_);
    rec[kIndexAttrsEnd] = static_cast<int32_t>(msg + nlh.nlmsg_len);
    int32_t flags = 0;
    for (size_t k = 0; k < wanted_; k++) {
      rec[kIndexHeader + 2 * k] = -1;
      rec[kIndexHeader + 2 * k + 1] = 0;
    }
    // The attributes, checked as AttrTable checks them.
    const uint8_t* attrs = data + msg + attrsStart_;
    const size_t attrsLen = nlh.nlmsg_len - attrsStart_;
    size_t off = 0;
    while (off + NLA_HDRLEN <= attrsLen) {
      nlattr a;
      std::memcpy(&a, attrs + off, sizeof a);
      if (a.nla_len < NLA_HDRLEN || off + a.nla_len > attrsLen)
        throw ParseError("malformed attribute: length " + std::to_string(a.nla_len) + " at offset " + std::to_string(off) +
                         " of " + std::to_string(attrsLen));
      const uint16_t type = a.nla_type & NLA_TYPE_MASK;
      if (type > knownMax_) {
        flags |= kIndexHasUnknown;
      } else if (int16_t slot = slotOf_[type]; slot >= 0) {
        if (rec[kIndexHeader + 2 * slot] >= 0) flags |= kIndexDuplicate;
        rec[kIndexHeader + 2 * slot] = static_cast<int32_t>(msg + attrsStart_ + off + NLA_HDRLEN);
        rec[kIndexHeader + 2 * slot + 1] = static_cast<int32_t>(a.nla_len - NLA_HDRLEN);
      }
      off += NLA_ALIGN(a.nla_len);
    }
    rec[kIndexFlags] = flags;
    msg += NLMSG_ALIGN(nlh.nlmsg_len);
  }
}

std::vector<int32_t> indexAttributes(const uint8_t* data, size_t len, size_t familyHeaderLen,
                                     const std::vector<uint16_t>& wanted, uint16_t knownMax) {
  std::vector<int32_t> out;
  AttrIndexer(familyHeaderLen, wanted, knownMax).append(data, len, out);
  return out;
}

}  // namespace np
