// Named network namespaces, iproute2-compatible: a namespace is kept alive by
// a bind mount of its nsfs file at /run/netns/NAME, on a shared mount so that
// it is seen from other mount namespaces, exactly as `ip netns add` does.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace np {

// Creates a new network namespace and binds it at path (which must not exist).
// dir is the folder holding it (/run/netns), made a shared mount point if needed.
// inside, when given, runs on the same short-lived thread once the namespace
// is bound, still inside it: opening the namespace's sockets there costs no
// second thread. A failure of inside undoes the whole creation. Returns the
// namespace's inode (what stat on path shows).
uint64_t createNamedNetns(const std::string& dir, const std::string& path,
                          const std::function<void()>& inside = nullptr);

// Unmounts and removes a named namespace's file. The namespace itself lives on
// while a process or an open descriptor still uses it.
void deleteNamedNetns(const std::string& path);

// Reads or writes a file under /proc/sys/net from inside the namespace nsPath
// ("" for the process's own), on a dedicated thread.
std::string readSysctl(const std::string& nsPath, const std::string& procPath);
void writeSysctl(const std::string& nsPath, const std::string& procPath, const std::string& value);

}  // namespace np
