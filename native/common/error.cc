#include "common/error.h"

namespace np {

void throwErrno(int errnum, std::string op, std::string action, std::string object) {
  ErrorInfo info;
  info.errnum = errnum;
  info.op = std::move(op);
  info.action = std::move(action);
  info.object = std::move(object);
  throw SystemError(std::move(info));
}

}  // namespace np
