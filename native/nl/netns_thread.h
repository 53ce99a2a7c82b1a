// Runs work inside another network namespace on a short-lived dedicated
// thread: setns() changes only the calling thread, and the JS main thread and
// libuv's pool threads (shared with fs and dns) must never change namespace.
#pragma once

#include <exception>
#include <functional>
#include <string>

#include "common/unique_fd.h"

namespace np {

// Opens a namespace file (/run/netns/NAME, /proc/PID/ns/net) for setns/IFLA_NET_NS_FD.
UniqueFd openNamespaceFile(const std::string& path);

// Runs fn on a new thread that first joins the network namespace nsFd (or, for
// nsFd < 0, runs it here, in the process's own). Exceptions propagate to the caller.
void runInNetns(int nsFd, const std::function<void()>& fn);

// Runs fn on a new thread that first unshares its network namespace, so fn
// sees a brand-new, empty namespace (lo only).
void runInNewNetns(const std::function<void()>& fn);

}  // namespace np
