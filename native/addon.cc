// Module init: the socket and event classes, namespace and sysctl calls, the
// record-mode encoder, and the kernel constants the TypeScript layer needs
// (exported from the UAPI headers so they are never redefined by hand).
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <napi.h>

#include "napi/constants.h"
#include "napi/convert.h"
#include "napi/events_wrap.h"
#include "napi/link_info.h"
#include "napi/promise_worker.h"
#include "napi/socket_wrap.h"
#include "nl/attrs.h"
#include "nl/message_reader.h"
#include "nl/registry.h"
#include "nl/socket.h"
#include "ns/netns.h"

namespace np {
namespace {

Napi::Value setErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "setErrorClass: expected a class");
  info.Env().GetInstanceData<AddonData>()->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// encode(protocol, requests, transaction) -> Buffer: the bytes execute() would send.
// Whatever goes wrong is a JS exception: a C++ one escaping to N-API would abort the process.
Napi::Value encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    int protocol = info[0].As<Napi::Number>().Int32Value();
    std::vector<Request> requests = toRequests(info[1]);
    std::vector<uint8_t> bytes = NetlinkSocket::encode(requests, info[2].ToBoolean().Value(), protocol);
    return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
  } catch (const ArgumentError& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const SystemError& e) {
    // e.g. a request naming a namespace that does not exist (IFLA_NET_NS_FD)
    throw Napi::Error(env, makeSystemError(env, e.info()));
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("cannot encode: ") + e.what());
  }
}

// parse(protocol, buffer) -> [{type, flags, seq, object?, error?}]: a buffer of
// netlink messages read through the registered reply parsers, as replies and
// events are. Malformed input throws an Error saying what is wrong.
Napi::Value parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsBuffer()) throw Napi::TypeError::New(env, "parse(protocol, buffer)");
  int protocol = info[0].As<Napi::Number>().Int32Value();
  auto buf = info[1].As<Napi::Buffer<uint8_t>>();
  Array out;
  try {
    out = readMessages(protocol, buf.Data(), buf.Length());
  } catch (const ParseError& e) {
    throw Napi::Error::New(env, std::string("malformed netlink message: ") + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("cannot read netlink messages: ") + e.what());
  }
  return fromValue(env, Value(std::move(out)));
}

Napi::Value requestNames(const Napi::CallbackInfo& info) {
  Array names;
  for (auto& n : requestCodecNames()) names.push_back(Value(n));
  return fromValue(info.Env(), Value(std::move(names)));
}

std::string stringArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "expected a string argument");
  return info[i].As<Napi::String>().Utf8Value();
}

// netnsCreate(dir, path, sockets?) -> Promise<inode>. sockets: [{socket, protocol}],
// unopened NetlinkSocket objects to open inside the new namespace on the very
// thread that made it (one thread per namespace, not one more per socket).
Napi::Value netnsCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = stringArg(info, 0), path = stringArg(info, 1);
  struct ToOpen {
    SocketWrap* wrap;
    int protocol;
    std::shared_ptr<NetlinkSocket> socket;
  };
  auto toOpen = std::make_shared<std::vector<ToOpen>>();
  // The wrappers stay alive until the promise settles and they are given their sockets.
  auto keep = std::make_shared<std::vector<Napi::ObjectReference>>();
  if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
    if (!info[2].IsArray()) throw Napi::TypeError::New(env, "sockets: expected an array of {socket, protocol}");
    auto arr = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      std::string what = "sockets[" + std::to_string(i) + "]";
      Napi::Value item = arr.Get(i);
      if (!item.IsObject()) throw Napi::TypeError::New(env, what + ": expected {socket, protocol}");
      auto obj = item.As<Napi::Object>();
      SocketWrap* wrap;
      try {
        wrap = SocketWrap::from(obj.Get("socket"), what + ".socket");
      } catch (const ArgumentError& e) {
        throw Napi::TypeError::New(env, e.what());
      }
      if (wrap->socket()) throw Napi::TypeError::New(env, what + ".socket: already open");
      Napi::Value protocol = obj.Get("protocol");
      if (!protocol.IsNumber()) throw Napi::TypeError::New(env, what + ".protocol: expected a number");
      toOpen->push_back({wrap, protocol.As<Napi::Number>().Int32Value(), nullptr});
      keep->push_back(Napi::Persistent(obj.Get("socket").As<Napi::Object>()));
    }
  }
  auto inode = std::make_shared<uint64_t>(0);
  return PromiseWorker::start(
      env,
      [dir, path, toOpen, inode] {
        // A socket that cannot be opened undoes the namespace too: nothing half-made.
        *inode = createNamedNetns(dir, path, [&] {
          for (ToOpen& s : *toOpen) s.socket = NetlinkSocket::adopt(NetlinkSocket::createFd(s.protocol), s.protocol);
        });
      },
      [toOpen, keep, inode](Napi::Env env) -> Napi::Value {
        for (ToOpen& s : *toOpen) s.wrap->adopt(std::move(s.socket));
        keep->clear();
        return Napi::Number::New(env, static_cast<double>(*inode));
      });
}

Napi::Value netnsDelete(const Napi::CallbackInfo& info) {
  std::string path = stringArg(info, 0);
  return PromiseWorker::start(
      info.Env(), [path] { deleteNamedNetns(path); }, [](Napi::Env env) { return env.Undefined(); });
}

Napi::Value sysctlRead(const Napi::CallbackInfo& info) {
  std::string ns = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  std::string path = stringArg(info, 1);
  auto out = std::make_shared<std::string>();
  return PromiseWorker::start(
      info.Env(), [ns, path, out] { *out = readSysctl(ns, path); },
      [out](Napi::Env env) -> Napi::Value { return Napi::String::New(env, *out); });
}

Napi::Value sysctlWrite(const Napi::CallbackInfo& info) {
  std::string ns = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  std::string path = stringArg(info, 1), value = stringArg(info, 2);
  return PromiseWorker::start(
      info.Env(), [ns, path, value] { writeSysctl(ns, path, value); }, [](Napi::Env env) { return env.Undefined(); });
}

}  // namespace
}  // namespace np

static Napi::Object InitNetplumb(Napi::Env env, Napi::Object exports) {
  using namespace np;
  env.SetInstanceData(new AddonData());
  exports.Set("NetlinkSocket", SocketWrap::define(env));
  exports.Set("NetlinkEvents", EventsWrap::define(env));
  exports.Set("setErrorClass", Napi::Function::New<setErrorClass>(env));
  exports.Set("encode", Napi::Function::New<encode>(env));
  exports.Set("parse", Napi::Function::New<parse>(env));
  exports.Set("requestNames", Napi::Function::New<requestNames>(env));
  exports.Set("executeAll", Napi::Function::New<executeAll>(env));
  exports.Set("parseLinkInfos", Napi::Function::New<parseLinkInfos>(env));
  exports.Set("indexAttributes", Napi::Function::New<indexAttributes>(env));
  exports.Set("netnsCreate", Napi::Function::New<netnsCreate>(env));
  exports.Set("netnsDelete", Napi::Function::New<netnsDelete>(env));
  exports.Set("sysctlRead", Napi::Function::New<sysctlRead>(env));
  exports.Set("sysctlWrite", Napi::Function::New<sysctlWrite>(env));
  exports.Set("constants", fromValue(env, Value(kernelConstants())));
  return exports;
}

NODE_API_MODULE(netplumb, InitNetplumb)
