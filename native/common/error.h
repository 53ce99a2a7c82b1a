// Errors raised on worker threads, turned into the TypeScript NetlinkError
// class (handed to the addon at load) on the main thread.
#pragma once

#include <stdexcept>
#include <string>

namespace np {

struct ErrorInfo {
  int errnum = 0;             // positive errno
  std::string op;             // 'RTM_NEWLINK', 'setns', 'mount' ...
  std::string action;         // 'create link', 'open namespace' ...
  std::string object;         // what it concerned: 'veth-a', '/run/netns/A'
  std::string kernelMessage;  // the kernel's extended-ack text, when it gave one
  std::string detail;         // anything else worth saying (missing attribute ...)
  bool interrupted = false;   // a dump changed under us (NLM_F_DUMP_INTR): retry
  int index = -1;             // in a request list: which request it concerned
};

// A failure of a system call or of a kernel request.
class SystemError : public std::runtime_error {
 public:
  explicit SystemError(ErrorInfo info)
      : std::runtime_error(info.op + " " + info.object), info_(std::move(info)) {}
  const ErrorInfo& info() const { return info_; }

 private:
  ErrorInfo info_;
};

// Throws SystemError for errno after a failed system call.
[[noreturn]] void throwErrno(int errnum, std::string op, std::string action, std::string object);

}  // namespace np
