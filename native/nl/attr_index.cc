#include "nl/attr_index.h"

#include "nl/attrs.h"

namespace np {

std::vector<int32_t> indexAttributes(const uint8_t* data, size_t len, size_t familyHeaderLen,
                                     const std::vector<uint16_t>& wanted, uint16_t knownMax) {
  std::vector<int16_t> slotOf(knownMax + 1u, -1);
  for (size_t k = 0; k < wanted.size(); k++)
    if (wanted[k] <= knownMax) slotOf[wanted[k]] = static_cast<int16_t>(k);
  const size_t stride = kIndexHeader + 2 * wanted.size();
  std::vector<int32_t> out;
  for (const nlmsghdr* nlh : splitMessages(data, len)) {
    size_t base = out.size();
    out.resize(base + stride, -1);
    int32_t* rec = out.data() + base;
    const auto* msg = reinterpret_cast<const uint8_t*>(nlh);
    AttrTable attrs = messageAttrs(nlh, familyHeaderLen);
    size_t attrsStart = NLMSG_LENGTH(NLMSG_ALIGN(familyHeaderLen));
    rec[kIndexMessage] = static_cast<int32_t>(msg - data);
    rec[kIndexType] = nlh->nlmsg_type;
    rec[kIndexAttrsStart] = static_cast<int32_t>(msg - data + attrsStart);
    rec[kIndexAttrsEnd] = static_cast<int32_t>(msg - data + nlh->nlmsg_len);
    rec[kIndexFlags] = 0;
    for (size_t k = 0; k < wanted.size(); k++) rec[kIndexHeader + 2 * k + 1] = 0;
    for (const Attr& a : attrs.all()) {
      if (a.type > knownMax) {
        rec[kIndexFlags] |= kIndexHasUnknown;
        continue;
      }
      int16_t slot = slotOf[a.type];
      if (slot < 0) continue;
      if (rec[kIndexHeader + 2 * slot] >= 0) rec[kIndexFlags] |= kIndexDuplicate;
      rec[kIndexHeader + 2 * slot] = static_cast<int32_t>(a.data - data);
      rec[kIndexHeader + 2 * slot + 1] = static_cast<int32_t>(a.len);
    }
  }
  return out;
}

}  // namespace np
