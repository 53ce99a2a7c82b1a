// Runs blocking work off the JS thread and settles a Promise with the result.
// The work function sees only plain C++ values; the finish function, run back
// on the JS thread, converts the result.
#pragma once

#include <napi.h>

#include <exception>
#include <functional>

#include "napi/convert.h"

namespace np {

class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Finish = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise start(Napi::Env env, Work work, Finish finish) {
    auto* worker = new PromiseWorker(env, std::move(work), std::move(finish));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (...) {
      failure_ = std::current_exception();
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (failure_) {
      deferred_.Reject(makeError(env, failure_));
      return;
    }
    try {
      deferred_.Resolve(finish_(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  PromiseWorker(Napi::Env env, Work work, Finish finish)
      : Napi::AsyncWorker(env, "netplumb"), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), finish_(std::move(finish)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Finish finish_;
  std::exception_ptr failure_;
};

}  // namespace np
