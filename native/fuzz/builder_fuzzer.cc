// libFuzzer target: the message builder (nl/builder.cc) driven by random
// programs of messages, attributes of every size, strings, and nests (kept or
// dropped when empty) up to a few levels deep. A model of the same program
// says what must come out, and the parser reads the bytes back:
//   - an attribute or string that cannot be sent is an ArgumentError and
//     changes nothing;
//   - a nest that outgrows its 16-bit length makes endMessage() an
//     ArgumentError (never a truncated length);
//   - otherwise each message parses back into exactly the tree that was built.
#include <fuzzer/FuzzedDataProvider.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/value.h"
#include "nl/attrs.h"
#include "nl/builder.h"

namespace {

constexpr size_t kMaxAttr = 0xffff;
constexpr size_t kMaxTotal = 256 << 10;  // bytes per input: keeps each run fast
constexpr int kMaxDepth = 6;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "builder_fuzzer: %s\n", what);
    std::abort();
  }
}

struct Node {
  uint16_t type = 0;  // as given (the parser masks the flag bits)
  bool nest = false;
  bool keepEmpty = true;
  std::vector<uint8_t> payload;
  std::vector<Node> children;
};

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

// What the model says a node occupies, aligned; 0 for an empty nest that is dropped.
size_t encodedSize(const Node& n) {
  if (!n.nest) return align4(NLA_HDRLEN + n.payload.size());
  size_t inner = 0;
  for (const Node& c : n.children) inner += encodedSize(c);
  if (inner == 0 && !n.keepEmpty) return 0;
  return NLA_HDRLEN + inner;
}

void compare(const std::vector<Node>& expected, const uint8_t* data, size_t len) {
  np::AttrTable table(data, len);  // must not throw: the builder's output is well-formed
  std::vector<const Node*> present;
  for (const Node& n : expected)
    if (encodedSize(n) != 0) present.push_back(&n);
  require(table.all().size() == present.size(), "attribute count differs from the model");
  for (size_t i = 0; i < present.size(); i++) {
    const Node& n = *present[i];
    const np::Attr& a = table.all()[i];
    require(a.type == (n.type & NLA_TYPE_MASK), "attribute type differs");
    nlattr header;
    std::memcpy(&header, a.data - NLA_HDRLEN, sizeof header);
    if (n.nest) {
      require((header.nla_type & NLA_F_NESTED) != 0, "nest without NLA_F_NESTED");
      require(a.len + NLA_HDRLEN == encodedSize(n), "nest length differs from its contents");
      compare(n.children, a.data, a.len);
    } else {
      require(a.len == n.payload.size() && (a.len == 0 || std::memcmp(a.data, n.payload.data(), a.len) == 0), "payload differs");
    }
  }
}

struct Program {
  FuzzedDataProvider& in;
  np::MessageBuilder b;
  // The open message: its offset, header, family header length and model.
  size_t offset = 0;
  uint16_t type = 0, flags = 0;
  size_t familyLen = 0;
  std::vector<Node> root;
  std::vector<Node*> path;  // open nests, innermost last
  std::vector<std::unique_ptr<np::MessageBuilder::Nest>> guards;
  bool overflowed = false;

  explicit Program(FuzzedDataProvider& p) : in(p) {}

  std::vector<Node>& current() { return path.empty() ? root : path.back()->children; }

  void begin() {
    type = in.ConsumeIntegral<uint16_t>();
    flags = in.ConsumeIntegral<uint16_t>();
    offset = b.beginMessage(type, flags);
    require(offset % NLMSG_ALIGNTO == 0, "message not aligned");
    static const size_t kFamilyLens[] = {0, 4, 8, 12, 16};
    familyLen = kFamilyLens[in.ConsumeIntegralInRange<size_t>(0, 4)];
    uint8_t header[16];
    std::memset(header, in.ConsumeIntegral<uint8_t>(), sizeof header);
    if (familyLen == 4) b.putHeader(*reinterpret_cast<uint8_t(*)[4]>(header));
    if (familyLen == 8) b.putHeader(*reinterpret_cast<uint8_t(*)[8]>(header));
    if (familyLen == 12) b.putHeader(*reinterpret_cast<uint8_t(*)[12]>(header));
    if (familyLen == 16) b.putHeader(header);
    root.clear();
    overflowed = false;
  }

  size_t payloadLength() {
    switch (in.ConsumeIntegralInRange<int>(0, 39)) {
      case 0: return in.ConsumeIntegralInRange<size_t>(kMaxAttr - NLA_HDRLEN - 8, kMaxAttr + 8);
      case 1: case 2: return in.ConsumeIntegralInRange<size_t>(65, 4096);
      case 3: return in.ConsumeIntegralInRange<size_t>(4096, kMaxAttr);
      default: return in.ConsumeIntegralInRange<size_t>(0, 64);
    }
  }

  void put() {
    Node n;
    n.type = in.ConsumeIntegral<uint16_t>();
    n.payload.assign(payloadLength(), in.ConsumeIntegral<uint8_t>());
    size_t before = b.size();
    try {
      b.put(n.type, n.payload.data(), n.payload.size());
    } catch (const np::ArgumentError&) {
      require(n.payload.size() + NLA_HDRLEN > kMaxAttr, "a put that fits was refused");
      require(b.size() == before, "a refused put changed the message");
      return;
    }
    require(n.payload.size() + NLA_HDRLEN <= kMaxAttr, "an attribute over 65535 bytes was accepted");
    current().push_back(std::move(n));
  }

  void putString() {
    Node n;
    n.type = in.ConsumeIntegral<uint16_t>();
    std::string s = in.ConsumeRandomLengthString(80);
    size_t before = b.size();
    try {
      b.putString(n.type, s);
    } catch (const np::ArgumentError&) {
      require(s.find('\0') != std::string::npos, "a string without NUL was refused");
      require(b.size() == before, "a refused string changed the message");
      return;
    }
    require(s.find('\0') == std::string::npos, "a string with a NUL inside was accepted");
    n.payload.assign(s.begin(), s.end());
    n.payload.push_back(0);
    current().push_back(std::move(n));
  }

  void openNest() {
    if (path.size() >= kMaxDepth) return;
    Node n;
    n.type = in.ConsumeIntegral<uint16_t>() & NLA_TYPE_MASK;
    n.nest = true;
    n.keepEmpty = in.ConsumeBool();
    current().push_back(std::move(n));
    path.push_back(&current().back());
    guards.push_back(std::make_unique<np::MessageBuilder::Nest>(b, path.back()->type, path.back()->keepEmpty));
  }

  void closeNest() {
    if (path.empty()) return;
    guards.pop_back();  // the guard closes the nest
    if (encodedSize(*path.back()) > kMaxAttr) overflowed = true;
    path.pop_back();
  }

  // Returns false when the message could not be closed (the program ends).
  bool end() {
    while (!path.empty()) closeNest();
    try {
      b.endMessage();
    } catch (const np::ArgumentError&) {
      require(overflowed, "endMessage refused a message whose nests all fit");
      return false;
    }
    require(!overflowed, "a nest over 65535 bytes was closed without an error");
    const uint8_t* start = b.data().data() + offset;
    size_t len = b.size() - offset;
    auto messages = np::splitMessages(start, len);
    require(messages.size() == 1, "one message expected");
    const nlmsghdr* nlh = messages[0];
    require(nlh->nlmsg_len == len && nlh->nlmsg_type == type && nlh->nlmsg_flags == flags, "message header differs");
    np::AttrTable attrs = np::messageAttrs(nlh, familyLen);
    (void)attrs;
    size_t attrStart = NLMSG_HDRLEN + familyLen;
    compare(root, start + attrStart, len - attrStart);
    return true;
  }

  void misuse() {
    // Programming errors are logic_errors and change nothing.
    size_t before = b.size();
    bool threw = false;
    try {
      if (path.empty())
        b.beginMessage(1, 0);  // a message is already open
      else
        b.endMessage();  // a nest is still open
    } catch (const std::logic_error& e) {
      threw = dynamic_cast<const np::ArgumentError*>(&e) == nullptr;
    }
    require(threw && b.size() == before, "builder misuse not refused cleanly");
  }

  void run() {
    begin();
    int ops = 0;
    while (in.remaining_bytes() > 0 && b.size() < kMaxTotal && ops++ < 4000) {
      switch (in.ConsumeIntegralInRange<int>(0, 9)) {
        case 0: case 1: case 2: put(); break;
        case 3: putString(); break;
        case 4: case 5: openNest(); break;
        case 6: case 7: closeNest(); break;
        case 8:
          if (!end()) return;
          begin();
          break;
        case 9: misuse(); break;
      }
    }
    end();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Program program(in);
  program.run();
  return 0;
}
