// An index of the attributes of a block of netlink messages: for each
// message, where the attributes a caller asked for sit in the block. The JS
// thread builds objects from such an index by reading fixed slots, instead of
// walking every attribute of every message itself (a link message carries
// about fifty, of which a Link uses twenty): the walk is done here, on the
// worker, while the kernel dumps the rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace np {

// Per message, kIndexHeader int32s, then (payload offset, payload length) for
// each wanted type: -1, 0 when the message has no such attribute (the last one
// wins, as in AttrTable::get). Offsets are from the start of the block.
enum IndexField : int32_t { kIndexMessage = 0, kIndexType, kIndexAttrsStart, kIndexAttrsEnd, kIndexFlags, kIndexHeader };
constexpr int32_t kIndexHasUnknown = 1;  // flag: an attribute with a type above knownMax
constexpr int32_t kIndexDuplicate = 2;   // flag: a wanted type occurs more than once (never from a kernel;
                                         // the caller reads such a message with the full parser)

// Indexes blocks for one kind of message. Made once per dump: the slot of
// each attribute type is looked up in a table, and the attributes are walked
// in place (no per-message table: a link dump has some fifty per message).
class AttrIndexer {
 public:
  AttrIndexer(size_t familyHeaderLen, const std::vector<uint16_t>& wanted, uint16_t knownMax);

  // Appends the records of the messages in data[0, len) to out; offsets are
  // from data. Throws ParseError on malformed messages or attributes, with
  // the same checks as splitMessages and AttrTable; out is then unspecified.
  void append(const uint8_t* data, size_t len, std::vector<int32_t>& out) const;

  size_t stride() const { return stride_; }

 private:
  size_t attrsStart_;  // from a message's start: its header and the family header, aligned
  std::vector<int16_t> slotOf_;
  size_t wanted_;
  size_t stride_;
  uint16_t knownMax_;
};

// One block's index in one call (tests, and decoders of single replies).
std::vector<int32_t> indexAttributes(const uint8_t* data, size_t len, size_t familyHeaderLen,
                                     const std::vector<uint16_t>& wanted, uint16_t knownMax);

}  // namespace np
