#include "napi/events_wrap.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>

#include "napi/convert.h"
#include "napi/promise_worker.h"
#include "nl/attrs.h"
#include "nl/netns_thread.h"
#include "nl/registry.h"

namespace np {

namespace {
UniqueFd openEventSocket(int protocol, int nsFd, const std::vector<uint32_t>& groups) {
  UniqueFd fd;
  runInNetns(nsFd, [&] {
    fd.reset(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol));
    if (!fd.valid()) throwErrno(errno, "socket", "open netlink event socket", "protocol " + std::to_string(protocol));
  });
  int size = 8 << 20;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    throwErrno(errno, "bind", "bind netlink event socket", "");
  for (uint32_t group : groups)
    if (::setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
      throwErrno(errno, "setsockopt", "join multicast group", std::to_string(group));
  return fd;
}
}  // namespace

Napi::Function EventsWrap::define(Napi::Env env) {
  return DefineClass(env, "NetlinkEvents",
                     {InstanceMethod<&EventsWrap::open>("open"), InstanceMethod<&EventsWrap::close>("close")});
}

EventsWrap::EventsWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EventsWrap>(info) {}

EventsWrap::~EventsWrap() { stop(); }

Napi::Value EventsWrap::open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  protocol_ = info[0].As<Napi::Number>().Int32Value();
  std::string path = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  std::vector<uint32_t> groups;
  auto arr = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) groups.push_back(arr.Get(i).As<Napi::Number>().Uint32Value());
  callback_ = Napi::Persistent(info[3].As<Napi::Function>());
  auto opened = std::make_shared<UniqueFd>();
  int protocol = protocol_;
  return PromiseWorker::start(
      env,
      [protocol, path, groups, opened] {
        UniqueFd ns;
        if (!path.empty()) ns = openNamespaceFile(path);
        *opened = openEventSocket(protocol, ns.valid() ? ns.get() : -1, groups);
      },
      [this, opened](Napi::Env env) -> Napi::Value {
        if (closed_) return env.Undefined();  // closed while opening: the socket closes with `opened`
        fd_ = std::move(*opened);
        buf_.resize(1 << 20);
        poll_ = new uv_poll_t;
        uv_loop_t* loop = nullptr;
        napi_get_uv_event_loop(env, &loop);
        uv_poll_init(loop, poll_, fd_.get());
        poll_->data = this;
        uv_poll_start(poll_, UV_READABLE, &EventsWrap::onReadable);
        Ref();  // kept alive while subscribed; close() releases it
        return env.Undefined();
      });
}

void EventsWrap::onReadable(uv_poll_t* handle, int status, int) {
  auto* self = static_cast<EventsWrap*>(handle->data);
  if (self) self->drain();
}

void EventsWrap::drain() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  Napi::Array events = Napi::Array::New(env);
  uint32_t count = 0;
  bool overrun = false;
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf_.data(), buf_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {  // the kernel dropped events: say so, keep listening
        overrun = true;
        continue;
      }
      break;  // EAGAIN: drained
    }
    try {
      for (const nlmsghdr* nlh : splitMessages(buf_.data(), static_cast<size_t>(n))) {
        if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_NOOP) continue;
        Napi::Object ev = Napi::Object::New(env);
        ev.Set("type", messageTypeName(protocol_, nlh->nlmsg_type));
        if (ReplyParser parse = findReplyParser(protocol_, nlh->nlmsg_type))
          ev.Set("object", fromValue(env, parse(nlh)));
        events.Set(count++, ev);
      }
    } catch (const std::exception& e) {
      Napi::Object ev = Napi::Object::New(env);
      ev.Set("type", "error");
      ev.Set("message", std::string("malformed event: ") + e.what());
      events.Set(count++, ev);
    }
  }
  if (overrun) {
    Napi::Object ev = Napi::Object::New(env);
    ev.Set("type", "overrun");
    events.Set(count++, ev);
  }
  if (count == 0 || callback_.IsEmpty()) return;
  try {
    callback_.Call({events});
  } catch (const Napi::Error& e) {
    // Nothing above this libuv callback can catch it: hand it to the process
    // as an uncaught exception instead of letting it unwind into libuv.
    napi_fatal_exception(env, e.Value());
  }
}

void EventsWrap::stop() {
  if (poll_) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  fd_.reset();
}

Napi::Value EventsWrap::close(const Napi::CallbackInfo& info) {
  closed_ = true;
  bool wasOpen = poll_ != nullptr;
  stop();
  callback_.Reset();
  if (wasOpen) Unref();
  return info.Env().Undefined();
}

}  // namespace np
