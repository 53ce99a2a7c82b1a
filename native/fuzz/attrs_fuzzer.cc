// libFuzzer target: the netlink message splitter and attribute parser
// (nl/attrs.cc) on arbitrary bytes. Whatever the input, the parser either
// throws ParseError or hands out attributes that lie wholly inside the input,
// each one readable through every accessor without reading past it, and
// lookup by type finds the last attribute of that type. Every attribute is
// also tried as a nest, recursively, as parsers do with nested data.
#include <linux/netlink.h>

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <map>

#include "nl/attrs.h"

namespace {

struct Bounds {
  const uint8_t* begin;
  const uint8_t* end;
};

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "attrs_fuzzer: invariant broken: %s\n", what);
    std::abort();
  }
}

// Reads every accessor the payload is big enough for, and checks that the
// next bigger one refuses with ParseError instead of reading past it.
void readAll(const np::Attr& a) {
  if (a.len >= 1) (void)a.u8();
  if (a.len >= 2) (void)a.u16(), (void)a.be16();
  if (a.len >= 4) (void)a.u32(), (void)a.s32(), (void)a.be32();
  if (a.len >= 8) (void)a.u64(), (void)a.be64();
  if (a.len >= sizeof(nlmsgerr)) (void)a.as<nlmsgerr>();
  bool refused = false;
  try {
    if (a.len < 1) (void)a.u8();
    else if (a.len < 2) (void)a.be16();
    else if (a.len < 4) (void)a.u32();
    else if (a.len < 8) (void)a.be64();
    else if (a.len < sizeof(nlmsgerr)) (void)a.as<nlmsgerr>();
    else refused = true;
  } catch (const np::ParseError&) {
    refused = true;
  }
  require(refused, "an accessor read past a short payload");
  std::string s = a.str();
  require(s.size() <= a.len, "str() longer than its payload");
  np::Bytes b = a.bytes();
  require(b.size() == a.len, "bytes() not the payload's size");
}

void walk(const uint8_t* data, size_t len, Bounds outer, int depth) {
  np::AttrTable table;
  try {
    table = np::AttrTable(data, len);
  } catch (const np::ParseError&) {
    return;
  }
  const auto& all = table.all();
  std::map<uint16_t, const np::Attr*> last;
  for (const np::Attr& a : all) last[a.type] = &a;
  for (size_t i = 0; i < all.size(); i++) {
    const np::Attr& a = all[i];
    require(a.data >= outer.begin && a.data + a.len <= outer.end, "attribute outside its buffer");
    require(a.data >= data && a.data + a.len <= data + len, "attribute outside its parent");
    require((a.type & (NLA_F_NESTED | NLA_F_NET_BYTEORDER)) == 0, "type keeps its flag bits");
    require(table.get(a.type) == last[a.type], "get() is not the last attribute of its type");
    readAll(a);
    if (depth < 8) walk(a.data, a.len, outer, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bounds whole{data, data + size};
  std::vector<const nlmsghdr*> messages;
  try {
    messages = np::splitMessages(data, size);
  } catch (const np::ParseError&) {
    // Not a message stream; the bytes are still an attribute stream to try.
    walk(data, size, whole, 0);
    return 0;
  }
  for (const nlmsghdr* nlh : messages) {
    const auto* p = reinterpret_cast<const uint8_t*>(nlh);
    require(p >= data && p + nlh->nlmsg_len <= data + size, "message outside the buffer");
    // Family headers of every size the codecs use: none, rtgenmsg/nfgenmsg (4 with
    // padding), ifaddrmsg (8), ifinfomsg/rtmsg/ndmsg/nlmsgerr (12..20).
    for (size_t header : {0, 1, 4, 8, 12, 16, 20}) {
      try {
        np::AttrTable t = np::messageAttrs(nlh, header);
        for (const np::Attr& a : t.all()) {
          require(a.data >= p && a.data + a.len <= p + nlh->nlmsg_len, "attribute outside its message");
          readAll(a);
        }
      } catch (const np::ParseError&) {
      }
    }
    walk(p + NLMSG_HDRLEN, nlh->nlmsg_len - NLMSG_HDRLEN, whole, 0);
  }
  return 0;
}
