// The only place that turns JS values into plain C++ values and back.
#pragma once

#include <napi.h>

#include <exception>

#include "common/error.h"
#include "common/value.h"

namespace np {

Value toValue(const Napi::Value& js);
Napi::Value fromValue(Napi::Env env, const Value& value);

// Per-addon-instance data: the error class handed over by bindings/ at load,
// and the socket class (to recognise its instances among arguments).
struct AddonData {
  Napi::FunctionReference errorClass;
  Napi::FunctionReference socketClass;
};

// A NetlinkError (the TypeScript class) for a system or kernel failure.
Napi::Value makeSystemError(Napi::Env env, const ErrorInfo& info);
// The JS error for any exception a worker raised: SystemError -> NetlinkError,
// ArgumentError -> TypeError, anything else -> Error.
Napi::Value makeError(Napi::Env env, std::exception_ptr failure);

}  // namespace np
