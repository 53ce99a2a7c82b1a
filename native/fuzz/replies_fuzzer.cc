// libFuzzer target: every registered reply parser (links, addresses, routes,
// neighbours, link kinds; nf_tables tables, chains, rules and expressions,
// sets, elements) and NLMSG_ERROR with its extended ack, reached the way
// replies and events reach them: a buffer of messages through
// readMessages(), once as NETLINK_ROUTE and once as NETLINK_NETFILTER; and
// the attribute indexer a streamed link dump runs on each block
// (nl/attr_index.h), whose every offset must stay inside the block.
// Malformed input must be a ParseError; any other exception escaping to
// N-API would abort Node, so here it aborts too.
#include <linux/netlink.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <vector>

#include "nl/attr_index.h"
#include "nl/attrs.h"
#include "nl/message_reader.h"

namespace {

// Reads every byte of a parsed value, so a value built from memory it should
// not have read is touched here (ASan) rather than later in JS.
size_t visit(const np::Value& v) {
  size_t n = 1;
  if (auto s = v.as<std::string>()) n += s->size();
  if (auto b = v.as<np::Bytes>()) {
    for (uint8_t c : *b) n += c & 1;
  }
  if (auto a = v.as<np::Array>())
    for (const auto& item : *a) n += visit(item);
  if (auto o = v.as<np::Object>())
    for (const auto& [k, item] : *o) n += k.size() + visit(item);
  return n;
}

void readAs(int protocol, const uint8_t* data, size_t size) {
  try {
    np::Array messages = np::readMessages(protocol, data, size);
    volatile size_t sink = visit(np::Value(std::move(messages)));
    (void)sink;
  } catch (const np::ParseError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replies_fuzzer: protocol %d: %s escaped a parser: %s\n", protocol, typeid(e).name(), e.what());
    std::abort();
  }
}

// The link dump's index of a block (a copy: blocks are aligned): every
// record's offsets must lie inside the block, as the JS decoder trusts them.
void indexAsLinks(const uint8_t* data, size_t size) {
  static const std::vector<uint16_t> wanted = {IFLA_IFNAME, IFLA_MTU, IFLA_ADDRESS, IFLA_STATS64, IFLA_LINKINFO};
  std::vector<uint32_t> aligned((size + 3) / 4);
  if (size) std::memcpy(aligned.data(), data, size);
  const auto* block = reinterpret_cast<const uint8_t*>(aligned.data());
  try {
    np::AttrIndexer indexer(sizeof(ifinfomsg), wanted, IFLA_MAX);
    std::vector<int32_t> index;
    indexer.append(block, size, index);
    if (index.size() % indexer.stride() != 0) std::abort();
    for (size_t rec = 0; rec < index.size(); rec += indexer.stride()) {
      int32_t end = index[rec + np::kIndexAttrsEnd];
      if (index[rec + np::kIndexMessage] < 0 || end < index[rec + np::kIndexAttrsStart] || static_cast<size_t>(end) > size) std::abort();
      for (size_t k = 0; k < wanted.size(); k++) {
        int32_t at = index[rec + np::kIndexHeader + 2 * k], len = index[rec + np::kIndexHeader + 2 * k + 1];
        if (at < 0) continue;
        if (at < index[rec + np::kIndexAttrsStart] || len < 0 || at + len > end) std::abort();
        volatile uint8_t sink = len ? block[at + len - 1] : 0;  // ASan: the payload is readable
        (void)sink;
      }
    }
  } catch (const np::ParseError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replies_fuzzer: indexer: %s escaped: %s\n", typeid(e).name(), e.what());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  readAs(NETLINK_ROUTE, data, size);
  readAs(NETLINK_NETFILTER, data, size);
  indexAsLinks(data, size);
  return 0;
}
