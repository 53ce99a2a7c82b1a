// Text forms of IP and link-layer addresses, parsed and printed as iproute2 does.
#pragma once

#include <cstdint>
#include <string>

#include "common/value.h"

namespace np {

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6
  uint8_t bytes[16] = {};
  size_t size() const;
};

// "192.0.2.1" or "2001:db8::1"; throws ArgumentError naming `what` otherwise.
IpAddress parseIp(const std::string& text, const std::string& what);
std::string formatIp(int family, const void* bytes);
// "aa:bb:cc:dd:ee:ff" (any length of colon-separated hex bytes).
Bytes parseMac(const std::string& text, const std::string& what);
std::string formatMac(const uint8_t* bytes, size_t len);

}  // namespace np
