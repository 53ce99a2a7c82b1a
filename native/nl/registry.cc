#include "nl/registry.h"

#include <map>

namespace np {

namespace {
struct Tables {
  std::map<std::string, const RequestCodec*, std::less<>> requests;
  std::map<std::pair<int, uint16_t>, ReplyParser> parsers;
  std::map<std::pair<int, uint16_t>, std::string> typeNames;
  std::map<int, const TransactionCodec*> transactions;
};

// Function-local so registrations from any translation unit's static
// initialisers find it constructed.
Tables& tables() {
  static Tables t;
  return t;
}
}  // namespace

Registration::Registration(const RequestCodec& codec) { tables().requests[std::string(codec.name)] = &codec; }

Registration::Registration(int protocol, uint16_t type, std::string_view typeName, ReplyParser parser) {
  tables().typeNames[{protocol, type}] = std::string(typeName);
  if (parser) tables().parsers[{protocol, type}] = parser;
}

Registration::Registration(const TransactionCodec& codec) { tables().transactions[codec.protocol] = &codec; }

const RequestCodec* findRequestCodec(std::string_view name) {
  auto it = tables().requests.find(name);
  return it == tables().requests.end() ? nullptr : it->second;
}

ReplyParser findReplyParser(int protocol, uint16_t type) {
  auto it = tables().parsers.find({protocol, type});
  return it == tables().parsers.end() ? nullptr : it->second;
}

const TransactionCodec* findTransactionCodec(int protocol) {
  auto it = tables().transactions.find(protocol);
  return it == tables().transactions.end() ? nullptr : it->second;
}

std::string messageTypeName(int protocol, uint16_t type) {
  auto it = tables().typeNames.find({protocol, type});
  return it == tables().typeNames.end() ? "message type " + std::to_string(type) : it->second;
}

std::vector<std::string> requestCodecNames() {
  std::vector<std::string> names;
  for (const auto& [name, codec] : tables().requests) names.push_back(name);
  return names;
}

}  // namespace np
