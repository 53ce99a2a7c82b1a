#include "nl/netns_thread.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <thread>

#include "common/error.h"

namespace np {

UniqueFd openNamespaceFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throwErrno(errno, "open", "open network namespace", path);
  return fd;
}

namespace {
void runOnThread(const std::function<void()>& enter, const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      enter();
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}
}  // namespace

void runInNetns(int nsFd, const std::function<void()>& fn) {
  if (nsFd < 0) {
    fn();  // pool threads never leave the process's namespace, so no thread is needed
    return;
  }
  runOnThread(
      [nsFd] {
        if (::setns(nsFd, CLONE_NEWNET) != 0) throwErrno(errno, "setns", "enter network namespace", "");
      },
      fn);
}

void runInNewNetns(const std::function<void()>& fn) {
  runOnThread(
      [] {
        if (::unshare(CLONE_NEWNET) != 0) throwErrno(errno, "unshare", "create network namespace", "");
      },
      fn);
}

}  // namespace np
