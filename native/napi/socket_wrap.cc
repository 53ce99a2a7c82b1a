#include "napi/socket_wrap.h"

#include "napi/convert.h"
#include "napi/promise_worker.h"
#include "nl/netns_thread.h"

namespace np {

std::vector<Request> toRequests(const Napi::Value& js) {
  if (!js.IsArray()) throw ArgumentError("requests: expected an array");
  auto arr = js.As<Napi::Array>();
  std::vector<Request> requests;
  requests.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value item = arr.Get(i);
    if (!item.IsObject()) throw ArgumentError("requests[" + std::to_string(i) + "]: expected {op, args}");
    auto obj = item.As<Napi::Object>();
    Napi::Value op = obj.Get("op");
    if (!op.IsString()) throw ArgumentError("requests[" + std::to_string(i) + "].op: expected a string");
    Request r;
    r.codec = findRequestCodec(op.As<Napi::String>().Utf8Value());
    if (!r.codec) throw ArgumentError("unknown netlink operation '" + op.As<Napi::String>().Utf8Value() + "'");
    Value args = toValue(obj.Get("args"));
    if (auto* o = args.as<Object>())
      r.args = std::move(*o);
    else if (!args.isNull())
      throw ArgumentError("requests[" + std::to_string(i) + "].args: expected an object");
    requests.push_back(std::move(r));
  }
  return requests;
}

namespace {
// Runs fn, turning C++ argument errors into a thrown JS TypeError.
template <typename F>
auto guarded(Napi::Env env, F fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const ArgumentError& e) {
    throw Napi::TypeError::New(env, e.what());
  }
}
}  // namespace

Napi::Function SocketWrap::define(Napi::Env env) {
  return DefineClass(env, "NetlinkSocket",
                     {InstanceMethod<&SocketWrap::open>("open"), InstanceMethod<&SocketWrap::execute>("execute"),
                      InstanceMethod<&SocketWrap::close>("close")});
}

SocketWrap::SocketWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SocketWrap>(info) {}

Napi::Value SocketWrap::open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int protocol = info[0].As<Napi::Number>().Int32Value();
  std::string path = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  uint32_t groups = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : 0;
  auto opened = std::make_shared<std::shared_ptr<NetlinkSocket>>();
  Napi::Reference<Napi::Object> self = Napi::Persistent(info.This().As<Napi::Object>());
  auto selfRef = std::make_shared<Napi::Reference<Napi::Object>>(std::move(self));
  return PromiseWorker::start(
      env,
      [protocol, path, groups, opened] {
        UniqueFd ns;
        if (!path.empty()) ns = openNamespaceFile(path);
        *opened = NetlinkSocket::open(protocol, ns.valid() ? ns.get() : -1, groups);
      },
      [this, opened, selfRef](Napi::Env env) -> Napi::Value {
        socket_ = *opened;
        selfRef->Reset();
        return env.Undefined();
      });
}

Napi::Value SocketWrap::execute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!socket_) throw Napi::Error::New(env, "netlink socket is not open");
  auto requests = std::make_shared<std::vector<Request>>(guarded(env, [&] { return toRequests(info[0]); }));
  bool transaction = info.Length() > 1 && info[1].ToBoolean().Value();
  auto results = std::make_shared<std::vector<RequestResult>>();
  auto socket = socket_;
  return PromiseWorker::start(
      env, [socket, requests, transaction, results] { *results = socket->execute(*requests, transaction); },
      [results](Napi::Env env) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, results->size());
        for (size_t i = 0; i < results->size(); i++) {
          const RequestResult& r = (*results)[i];
          out.Set(static_cast<uint32_t>(i), r.ok ? fromValue(env, np::Value(r.objects)) : makeSystemError(env, r.error));
        }
        return out;
      });
}

Napi::Value SocketWrap::close(const Napi::CallbackInfo& info) {
  // In-flight requests hold their own reference; the descriptor closes after them.
  socket_.reset();
  return info.Env().Undefined();
}

}  // namespace np
