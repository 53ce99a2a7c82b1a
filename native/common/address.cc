#include "common/address.h"

#include <arpa/inet.h>

#include <cstdio>

namespace np {

size_t IpAddress::size() const { return family == AF_INET6 ? 16 : 4; }

IpAddress parseIp(const std::string& text, const std::string& what) {
  IpAddress a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes) == 1)
    a.family = AF_INET;
  else if (inet_pton(AF_INET6, text.c_str(), a.bytes) == 1)
    a.family = AF_INET6;
  else
    throw ArgumentError(what + ": '" + text + "' is not an IP address");
  return a;
}

std::string formatIp(int family, const void* bytes) {
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(family, bytes, buf, sizeof buf)) return "";
  return buf;
}

Bytes parseMac(const std::string& text, const std::string& what) {
  Bytes out;
  size_t i = 0;
  while (i < text.size()) {
    unsigned value = 0;
    int digits = 0;
    while (i < text.size() && text[i] != ':' && digits < 3) {
      char c = text[i];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) throw ArgumentError(what + ": '" + text + "' is not a link-layer address");
      value = value * 16 + static_cast<unsigned>(d);
      digits++;
      i++;
    }
    if (digits == 0 || digits > 2) throw ArgumentError(what + ": '" + text + "' is not a link-layer address");
    out.push_back(static_cast<uint8_t>(value));
    if (i < text.size()) {
      i++;  // ':'
      if (i == text.size()) throw ArgumentError(what + ": '" + text + "' is not a link-layer address");
    }
  }
  if (out.empty()) throw ArgumentError(what + ": empty link-layer address");
  return out;
}

std::string formatMac(const uint8_t* bytes, size_t len) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < len; i++) {
    std::snprintf(buf, sizeof buf, i ? ":%02x" : "%02x", bytes[i]);
    out += buf;
  }
  return out;
}

}  // namespace np
