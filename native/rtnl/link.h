// Link messages, for callers outside the codec: the parser of one
// IFLA_LINKINFO nest (kind, the kind's own data, the port's data), which the
// JS-side listing decoder leaves to the kind codecs registered here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/value.h"

namespace np {

// Reads the payload of an IFLA_LINKINFO attribute into {kind?, data?, port?},
// exactly the fields parseLinkMessage gives a link. Throws ParseError when malformed.
Object parseLinkInfoNest(const uint8_t* data, size_t len);

}  // namespace np
