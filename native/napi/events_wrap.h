// A netlink multicast subscription read on the event loop (uv_poll): no
// thread blocks waiting for events. The JS side turns it into an async iterator.
#pragma once

#include <napi.h>
#include <uv.h>

#include "common/unique_fd.h"

namespace np {

class EventsWrap : public Napi::ObjectWrap<EventsWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit EventsWrap(const Napi::CallbackInfo& info);
  ~EventsWrap() override;

 private:
  // open(protocol, netnsPath|null, groups: number[], onEvents(err, events[]))
  Napi::Value open(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  static void onReadable(uv_poll_t* handle, int status, int events);
  void drain();
  void stop();

  UniqueFd fd_;
  int protocol_ = 0;
  uv_poll_t* poll_ = nullptr;
  bool closed_ = false;  // close() came (perhaps before open() finished): never start polling
  Napi::FunctionReference callback_;
  std::vector<uint8_t> buf_;
};

}  // namespace np
