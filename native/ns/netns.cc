#include "ns/netns.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/unique_fd.h"
#include "nl/netns_thread.h"

namespace np {

namespace {
// As iproute2: make the folder a shared mount point (bind it on itself first
// if it is not one yet), so that namespace mounts propagate.
void makeSharedMountPoint(const std::string& dir) {
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return;
  if (errno != EINVAL) throwErrno(errno, "mount", "make shared mount point", dir);
  if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0)
    throwErrno(errno, "mount", "bind namespace folder", dir);
  if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0)
    throwErrno(errno, "mount", "make shared mount point", dir);
}
}  // namespace

uint64_t createNamedNetns(const std::string& dir, const std::string& path, const std::function<void()>& inside) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throwErrno(errno, "mkdir", "create folder", dir);
  makeSharedMountPoint(dir);
  UniqueFd placeholder(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!placeholder.valid()) throwErrno(errno, "open", "create network namespace", path);
  placeholder.reset();
  struct stat bound {};
  bool mounted = false;
  try {
    runInNewNetns([&] {
      if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0)
        throwErrno(errno, "mount", "bind network namespace", path);
      mounted = true;
      if (::stat(path.c_str(), &bound) != 0) throwErrno(errno, "stat", "bind network namespace", path);
      if (inside) inside();
    });
  } catch (...) {
    if (mounted) ::umount2(path.c_str(), MNT_DETACH);
    ::unlink(path.c_str());
    throw;
  }
  return static_cast<uint64_t>(bound.st_ino);
}

void deleteNamedNetns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL)
    throwErrno(errno, "umount2", "delete network namespace", path);
  if (::unlink(path.c_str()) != 0) throwErrno(errno, "unlink", "delete network namespace", path);
}

namespace {
template <typename F>
void inNamespace(const std::string& nsPath, F fn) {
  UniqueFd ns;
  if (!nsPath.empty()) ns = openNamespaceFile(nsPath);
  // Always a dedicated thread: /proc/sys/net resolves against the calling thread's namespace.
  if (ns.valid())
    runInNetns(ns.get(), fn);
  else
    fn();
}
}  // namespace

std::string readSysctl(const std::string& nsPath, const std::string& procPath) {
  std::string out;
  inNamespace(nsPath, [&] {
    UniqueFd fd(::open(procPath.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throwErrno(errno, "open", "read sysctl", procPath);
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throwErrno(errno, "read", "read sysctl", procPath);
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  });
  while (!out.empty() && (out.back() == '\n')) out.pop_back();
  return out;
}

void writeSysctl(const std::string& nsPath, const std::string& procPath, const std::string& value) {
  inNamespace(nsPath, [&] {
    UniqueFd fd(::open(procPath.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) throwErrno(errno, "open", "write sysctl", procPath);
    std::string line = value + "\n";
    ssize_t n = ::write(fd.get(), line.data(), line.size());
    if (n < 0) throwErrno(errno, "write", "write sysctl", procPath + " = " + value);
  });
}

}  // namespace np
