// parseLinkInfos(buffer, ranges): the kind codecs' reading of IFLA_LINKINFO
// nests, for the JS-side link listing decoder; and the attribute index of a
// block of messages (what dump() hands it with each block).
#pragma once

#include <napi.h>

namespace np {

// parseLinkInfos(buffer, [start0, length0, start1, length1, ...]) ->
// [{kind?, data?, port?}, ...]: each range is an IFLA_LINKINFO payload inside
// buffer. One call for a whole listing; a malformed nest throws an Error.
Napi::Value parseLinkInfos(const Napi::CallbackInfo& info);

// indexAttributes(buffer, {headerLen, types, knownMax}) -> Buffer of int32:
// the index dump() makes of each block (nl/attr_index.h), for tests.
Napi::Value indexAttributes(const Napi::CallbackInfo& info);

}  // namespace np
