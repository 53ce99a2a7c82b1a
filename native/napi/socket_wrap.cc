#include "napi/socket_wrap.h"

#include "napi/convert.h"
#include "napi/promise_worker.h"
#include "nl/attr_index.h"
#include "nl/attrs.h"
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
  Napi::Function cls = DefineClass(env, "NetlinkSocket",
                                   {InstanceMethod<&SocketWrap::open>("open"), InstanceMethod<&SocketWrap::execute>("execute"),
                                    InstanceMethod<&SocketWrap::dump>("dump"), InstanceMethod<&SocketWrap::close>("close")});
  env.GetInstanceData<AddonData>()->socketClass = Napi::Persistent(cls);
  return cls;
}

SocketWrap* SocketWrap::from(const Napi::Value& js, const std::string& what) {
  Napi::FunctionReference& cls = js.Env().GetInstanceData<AddonData>()->socketClass;
  if (!js.IsObject() || !js.As<Napi::Object>().InstanceOf(cls.Value()))
    throw ArgumentError(what + ": expected a NetlinkSocket");
  return Unwrap(js.As<Napi::Object>());
}

namespace {
// The vector's memory becomes the Buffer's: no copy of what may be megabytes.
template <typename T>
Napi::Value vectorToBuffer(Napi::Env env, std::vector<T>&& items) {
  if (items.empty()) return Napi::Buffer<uint8_t>::New(env, 0);
  auto* owned = new std::vector<T>(std::move(items));
  return Napi::Buffer<uint8_t>::New(env, reinterpret_cast<uint8_t*>(owned->data()), owned->size() * sizeof(T),
                                    [](Napi::Env, uint8_t*, std::vector<T>* v) { delete v; }, owned);
}
Napi::Value bytesToBuffer(Napi::Env env, Bytes&& bytes) { return vectorToBuffer(env, std::move(bytes)); }
}  // namespace

Napi::Value resultsToJs(Napi::Env env, std::vector<RequestResult>& results, bool raw) {
  Napi::Array out = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); i++) {
    RequestResult& r = results[i];
    Napi::Value v = !r.ok ? makeSystemError(env, r.error) : raw ? bytesToBuffer(env, std::move(r.raw)) : fromValue(env, np::Value(r.objects));
    out.Set(static_cast<uint32_t>(i), v);
  }
  return out;
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
  bool raw = info.Length() > 2 && info[2].ToBoolean().Value();
  auto results = std::make_shared<std::vector<RequestResult>>();
  auto socket = socket_;
  return PromiseWorker::start(
      env, [socket, requests, transaction, raw, results] { *results = socket->execute(*requests, transaction, raw); },
      [results, raw](Napi::Env env) -> Napi::Value { return resultsToJs(env, *results, raw); });
}

namespace {
// What a streamed dump's worker hands the JS thread: blocks of reply messages
// as they arrive, then the outcome. The worker appends and signals; the JS
// thread takes everything pending at each wake-up, so when it decodes slower
// than the kernel dumps, it takes bigger helpings rather than falling behind.
struct DumpBlock {
  MessageBlock messages;
  std::vector<int32_t> index;  // when asked for: nl/attr_index.h
};

// Messages handed to the JS thread in blocks of about this many bytes (a
// link dump's datagrams hold about 32 KiB): each block costs the JS thread a
// wake-up and two Buffers, while a smaller one lets it start decoding sooner.
constexpr size_t kDumpBlockBytes = 128 << 10;

// A Buffer over memory the caller keeps: valid until detach() (below).
template <typename T>
Napi::Buffer<uint8_t> borrowedBuffer(Napi::Env env, T* data, size_t count) {
  if (count == 0) return Napi::Buffer<uint8_t>::New(env, 0);
  return Napi::Buffer<uint8_t>::New(env, reinterpret_cast<uint8_t*>(data), count * sizeof(T));
}

// Ends a borrowed Buffer's hold on its memory: every view of it is empty from
// now on, so that the memory can be used again while JS may still hold it.
void detach(Napi::Buffer<uint8_t>& buf) {
  if (buf.Length() > 0) buf.ArrayBuffer().Detach();
}

struct DumpStream {
  std::mutex mutex;
  std::vector<DumpBlock> pending;
  // Blocks and indexes the JS thread is done with, for the worker to fill
  // again: a dump cycles through a few instead of allocating one per block.
  BlockPool blocks;
  std::vector<std::vector<int32_t>> freeIndexes;  // under mutex
  bool finished = false;
  RequestResult result;
  std::exception_ptr failure;          // the worker's (socket-level)
  std::exception_ptr malformed;        // the indexer's: the dump is read to its end, then fails with it
  Napi::Promise::Deferred deferred;    // JS thread only
  Napi::Reference<Napi::Value> thrown; // JS thread only: what onChunk threw
  bool settled = false;                // JS thread only
  explicit DumpStream(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

// On the JS thread: hands pending blocks to onChunk; settles the promise after the last.
void deliverDump(Napi::Env env, Napi::Function onChunk, const std::shared_ptr<DumpStream>& stream) {
  if (stream->settled) return;
  std::vector<DumpBlock> blocks;
  bool finished;
  {
    std::lock_guard<std::mutex> lock(stream->mutex);
    blocks.swap(stream->pending);
    finished = stream->finished;
  }
  for (DumpBlock& block : blocks) {
    // The decoder reads a block while it runs and keeps nothing of it (what it
    // builds is copied out): the Buffers lend the block's memory only for the
    // call, and are detached after it, so the memory goes back to the worker.
    if (stream->thrown.IsEmpty()) {  // a decoder that failed once sees no more
      Napi::Buffer<uint8_t> messages = borrowedBuffer(env, block.messages.data.get(), block.messages.size);
      Napi::Buffer<uint8_t> index = borrowedBuffer(env, block.index.data(), block.index.size());
      try {
        onChunk.Call({messages, index});
      } catch (const Napi::Error& e) {
        stream->thrown = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      }
      detach(messages);
      detach(index);
    }
    stream->blocks.give(std::move(block.messages));
    std::lock_guard<std::mutex> lock(stream->mutex);
    stream->freeIndexes.push_back(std::move(block.index));
  }
  if (!finished) return;
  stream->settled = true;
  if (stream->failure)
    stream->deferred.Reject(makeError(env, stream->failure));
  else if (stream->malformed)
    stream->deferred.Reject(makeError(env, stream->malformed));
  else if (!stream->result.ok)
    stream->deferred.Reject(makeSystemError(env, stream->result.error));
  else if (!stream->thrown.IsEmpty())
    stream->deferred.Reject(stream->thrown.Value());
  else
    stream->deferred.Resolve(env.Undefined());
}
}  // namespace

Napi::Value SocketWrap::dump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!socket_) throw Napi::Error::New(env, "netlink socket is not open");
  auto requests = std::make_shared<std::vector<Request>>(guarded(env, [&] { return toRequests(info[0]); }));
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "dump(requests, onChunk): onChunk must be a function");
  // Optional {headerLen, types, knownMax}: an attribute index of each block for the decoder.
  std::shared_ptr<const AttrIndexer> indexer;
  if (info.Length() > 2 && info[2].IsObject()) {
    auto o = info[2].As<Napi::Object>();
    Napi::Value headerLen = o.Get("headerLen"), types = o.Get("types"), knownMax = o.Get("knownMax");
    if (!headerLen.IsNumber() || !types.IsArray() || !knownMax.IsNumber())
      throw Napi::TypeError::New(env, "dump index: expected {headerLen, types, knownMax}");
    std::vector<uint16_t> wanted;
    auto arr = types.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) wanted.push_back(static_cast<uint16_t>(arr.Get(i).As<Napi::Number>().Uint32Value()));
    indexer = std::make_shared<const AttrIndexer>(headerLen.As<Napi::Number>().Uint32Value(), wanted,
                                                  static_cast<uint16_t>(knownMax.As<Napi::Number>().Uint32Value()));
  }
  auto stream = std::make_shared<DumpStream>(env);
  auto tsfn = std::make_shared<Napi::ThreadSafeFunction>(
      Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "netplumb dump", 0, 1));
  auto socket = socket_;
  Napi::Promise promise = stream->deferred.Promise();
  // The worker's own promise only says it ended; the outcome travels with the blocks, in order.
  PromiseWorker::start(
      env,
      [socket, requests, stream, tsfn, indexer] {
        auto wake = [&] {
          tsfn->NonBlockingCall([stream](Napi::Env env, Napi::Function onChunk) { deliverDump(env, onChunk, stream); });
        };
        try {
          bool malformed = false;
          RequestResult result = socket->dumpStream(*requests, kDumpBlockBytes, stream->blocks, [&](MessageBlock&& replies) {
            if (malformed) {  // read on to the end, to keep the socket in step; deliver no more
              stream->blocks.give(std::move(replies));
              return;
            }
            DumpBlock block{std::move(replies), {}};
            if (indexer) {
              {
                std::lock_guard<std::mutex> lock(stream->mutex);
                if (!stream->freeIndexes.empty()) {
                  block.index = std::move(stream->freeIndexes.back());
                  stream->freeIndexes.pop_back();
                }
              }
              block.index.clear();
              try {
                block.index.reserve(indexer->stride() * (block.messages.size / 1024 + 16));
                indexer->append(block.messages.data.get(), block.messages.size, block.index);
              } catch (const ParseError&) {
                malformed = true;
                std::lock_guard<std::mutex> lock(stream->mutex);
                stream->malformed = std::current_exception();
                return;
              }
            }
            bool wasEmpty;
            {
              std::lock_guard<std::mutex> lock(stream->mutex);
              wasEmpty = stream->pending.empty();
              stream->pending.push_back(std::move(block));
            }
            if (wasEmpty) wake();  // otherwise a wake-up is already on its way and will take this too
          });
          std::lock_guard<std::mutex> lock(stream->mutex);
          stream->result = std::move(result);
          stream->finished = true;
        } catch (...) {
          std::lock_guard<std::mutex> lock(stream->mutex);
          stream->failure = std::current_exception();
          stream->finished = true;
        }
        wake();
        tsfn->Release();
      },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
  return promise;
}

Napi::Value executeAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct Part {
    std::shared_ptr<NetlinkSocket> socket;
    std::vector<Request> requests;
    bool transaction = false;
    bool sent = false;
    std::vector<RequestResult> results;
    std::exception_ptr failure;  // a socket-level failure (the kernel's per-request errors are in results)
  };
  auto parts = std::make_shared<std::vector<Part>>(guarded(env, [&] {
    if (!info[0].IsArray()) throw ArgumentError("executeAll: expected an array of {socket, requests, transaction}");
    auto arr = info[0].As<Napi::Array>();
    std::vector<Part> out(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); i++) {
      std::string what = "parts[" + std::to_string(i) + "]";
      Napi::Value item = arr.Get(i);
      if (!item.IsObject()) throw ArgumentError(what + ": expected {socket, requests, transaction}");
      auto obj = item.As<Napi::Object>();
      out[i].socket = SocketWrap::from(obj.Get("socket"), what + ".socket")->socket();
      if (!out[i].socket) throw ArgumentError(what + ".socket: netlink socket is not open");
      out[i].requests = toRequests(obj.Get("requests"));
      out[i].transaction = obj.Get("transaction").ToBoolean().Value();
    }
    return out;
  }));
  return PromiseWorker::start(
      env,
      [parts] {
        for (Part& p : *parts) {
          p.sent = true;
          try {
            p.results = p.socket->execute(p.requests, p.transaction);
          } catch (...) {
            p.failure = std::current_exception();
            return;
          }
          // Later parts build on this one (e.g. set up the link it made): stop at its first failure.
          for (const RequestResult& r : p.results)
            if (!r.ok) return;
        }
      },
      [parts](Napi::Env env) -> Napi::Value {
        Napi::Array out = Napi::Array::New(env, parts->size());
        for (size_t i = 0; i < parts->size(); i++) {
          Part& p = (*parts)[i];
          out.Set(static_cast<uint32_t>(i), !p.sent ? env.Null() : p.failure ? makeError(env, p.failure) : resultsToJs(env, p.results, false));
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
