// The JS face of a NetlinkSocket: open(protocol, netnsPath, groups),
// execute(requests, transaction, raw), dump(requests, onChunk) and close(); and the calls that act on
// several sockets in one trip to the worker pool.
#pragma once

#include <napi.h>

#include <memory>

#include "nl/socket.h"

namespace np {

class SocketWrap : public Napi::ObjectWrap<SocketWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit SocketWrap(const Napi::CallbackInfo& info);

  // The SocketWrap behind a JS value, or ArgumentError when it is not one (main thread only).
  static SocketWrap* from(const Napi::Value& js, const std::string& what);
  // Gives an unopened wrapper the socket a worker opened for it (main thread only).
  void adopt(std::shared_ptr<NetlinkSocket> socket) { socket_ = std::move(socket); }
  const std::shared_ptr<NetlinkSocket>& socket() const { return socket_; }

 private:
  Napi::Value open(const Napi::CallbackInfo& info);
  Napi::Value execute(const Napi::CallbackInfo& info);
  Napi::Value dump(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  std::shared_ptr<NetlinkSocket> socket_;
};

// Converts [{op, args}] to requests, checking every op name (main thread only).
std::vector<Request> toRequests(const Napi::Value& js);

// executeAll([{socket, requests, transaction}]) -> Promise<(results[] | null)[]>:
// the parts in order on one pool thread, each on its own socket; once a part
// has a failed request, the parts after it are not sent (null).
Napi::Value executeAll(const Napi::CallbackInfo& info);

// The results of one execute() as JS: per request, its replies (in raw mode
// one Buffer of reply messages, handed over without a copy) or its error.
Napi::Value resultsToJs(Napi::Env env, std::vector<RequestResult>& results, bool raw);

}  // namespace np
