// libFuzzer target: every registered reply parser (links, addresses, routes,
// neighbours, link kinds; nf_tables tables, chains, rules and expressions,
// sets, elements) and NLMSG_ERROR with its extended ack, reached the way
// replies and events reach them: a buffer of messages through
// readMessages(), once as NETLINK_ROUTE and once as NETLINK_NETFILTER.
// Malformed input must be a ParseError; any other exception escaping to
// N-API would abort Node, so here it aborts too.
#include <linux/netlink.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  readAs(NETLINK_ROUTE, data, size);
  readAs(NETLINK_NETFILTER, data, size);
  return 0;
}
