// The JS face of a NetlinkSocket: open(protocol, netnsPath, groups),
// execute(requests, transaction) and close().
#pragma once

#include <napi.h>

#include <memory>

#include "nl/socket.h"

namespace np {

class SocketWrap : public Napi::ObjectWrap<SocketWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit SocketWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value open(const Napi::CallbackInfo& info);
  Napi::Value execute(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  std::shared_ptr<NetlinkSocket> socket_;
};

// Converts [{op, args}] to requests, checking every op name (main thread only).
std::vector<Request> toRequests(const Napi::Value& js);

}  // namespace np
