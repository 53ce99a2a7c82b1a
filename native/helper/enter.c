/*
 * netplumb-enter: the small helper through which processes enter a sandbox.
 * It is a separate single-threaded executable because setns(CLONE_NEWNS)
 * refuses a multi-threaded caller (Node always is), and because after exec
 * the started program must be the child Node spawned, so stdio, signals and
 * exit status pass straight through.
 *
 *   netplumb-enter create --uts FILE --mnt FILE [--netns PATH] [--hostname NAME]
 *                         [--bind SRC:DST]...
 *       Makes a UTS and a mount namespace for a sandbox and keeps them by
 *       bind-mounting them on FILEs (as `unshare --uts=FILE --mount=FILE`):
 *       sets the hostname, remounts /sys for the network namespace (as
 *       `ip netns exec` does) and bind-mounts SRC on DST (hosts, resolv.conf).
 *
 *   netplumb-enter exec [--netns PATH] [--uts FILE] [--mnt FILE] [--cwd DIR] -- CMD [ARG...]
 *       Joins the namespaces (as `nsenter --net=PATH --uts=FILE --mount=FILE`)
 *       and execs CMD.
 *
 * Errors: one line on stderr, "netplumb-enter: cannot WHAT OBJECT: REASON".
 * Exit status: create 1 on failure; exec 125 when entering fails, 126 when CMD
 * cannot be run, 127 when it is not found (the shell's and docker run's codes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_BINDS 8

static int failure_status = 1;

static void fail(const char *what, const char *object, int err) {
  fprintf(stderr, "netplumb-enter: cannot %s %s: %s\n", what, object ? object : "", strerror(err));
  exit(failure_status);
}

static void usage(const char *why) {
  fprintf(stderr, "netplumb-enter: %s\n", why);
  exit(2);
}

struct options {
  const char *netns, *uts, *mnt, *hostname, *cwd;
  const char *bind_src[MAX_BINDS], *bind_dst[MAX_BINDS];
  int binds;
  char **command;
};

static void parse(int argc, char **argv, int first, struct options *o) {
  memset(o, 0, sizeof *o);
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      o->command = argv + i + 1;
      return;
    }
    if (i + 1 >= argc) usage("an option is missing its value");
    const char *v = argv[++i];
    if (strcmp(a, "--netns") == 0) o->netns = v;
    else if (strcmp(a, "--uts") == 0) o->uts = v;
    else if (strcmp(a, "--mnt") == 0) o->mnt = v;
    else if (strcmp(a, "--hostname") == 0) o->hostname = v;
    else if (strcmp(a, "--cwd") == 0) o->cwd = v;
    else if (strcmp(a, "--bind") == 0) {
      const char *colon = strchr(v, ':');
      if (!colon || o->binds == MAX_BINDS) usage("--bind takes SRC:DST, at most 8 times");
      o->bind_src[o->binds] = strndup(v, (size_t)(colon - v));
      o->bind_dst[o->binds] = colon + 1;
      o->binds++;
    } else {
      usage("unknown option");
    }
  }
}

static int open_ns(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("open namespace", path, errno);
  return fd;
}

/* The folder holding a mount namespace file must be a private mount point, or
 * the bind would propagate into the namespace it names (a loop the kernel refuses). */
static void make_private_mount_point(const char *file) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", file);
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) usage("namespace files must be in a folder other than /");
  *slash = '\0';
  if (mount("", dir, NULL, MS_PRIVATE, NULL) == 0) return;
  if (errno != EINVAL) fail("make private mount point", dir, errno);
  if (mount(dir, dir, NULL, MS_BIND, NULL) != 0) fail("bind namespace folder", dir, errno);
  if (mount("", dir, NULL, MS_PRIVATE, NULL) != 0) fail("make private mount point", dir, errno);
}

static void create_placeholder(const char *file) {
  int fd = open(file, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) fail("create namespace file", file, errno);
  close(fd);
}

/* Runs in the child, inside its new UTS and mount namespaces. Reports the
 * first failure through the pipe as "errno what object". */
static int set_up_namespaces(const struct options *o, int report) {
  char msg[PATH_MAX + 64];
  const char *what = NULL, *object = NULL;
  int err = 0;
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) { what = "make mounts private in"; object = "/"; err = errno; goto out; }
  if (o->hostname && sethostname(o->hostname, strlen(o->hostname)) != 0) { what = "set hostname"; object = o->hostname; err = errno; goto out; }
  if (o->netns) {
    int fd = open(o->netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) { what = "enter network namespace"; object = o->netns; err = errno; goto out; }
    close(fd);
    /* /sys shows the network namespace of whoever mounted it: mount it anew from inside. */
    if (umount2("/sys", MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) { what = "unmount"; object = "/sys"; err = errno; goto out; }
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0) { what = "mount sysfs on"; object = "/sys"; err = errno; goto out; }
  }
  for (int i = 0; i < o->binds; i++) {
    if (mount(o->bind_src[i], o->bind_dst[i], NULL, MS_BIND, NULL) != 0) {
      what = "bind-mount file over"; object = o->bind_dst[i]; err = errno; goto out;
    }
  }
out:
  if (err) snprintf(msg, sizeof msg, "%d %s %s", err, what, object);
  else snprintf(msg, sizeof msg, "0");
  ssize_t n = write(report, msg, strlen(msg));
  (void)n;
  return err ? 1 : 0;
}

static int bind_ns(pid_t pid, const char *kind, const char *file) {
  char src[64];
  snprintf(src, sizeof src, "/proc/%d/ns/%s", (int)pid, kind);
  return mount(src, file, NULL, MS_BIND, NULL) == 0 ? 0 : errno;
}

/*
 * One attempt: a child (pinned to `cpu` when >= 0) makes the namespaces, the
 * parent binds them. Returns 0, or EAGAIN when binding the mount namespace
 * met the kernel's loop check (EINVAL) and another CPU may do: that check
 * compares namespace ids, which recent kernels hand out from per-CPU batches,
 * so a namespace made on one CPU can look older than ours though it is newer.
 * Ids from one CPU do grow, so some CPU always works.
 */
static int create_once(const struct options *o, int cpu) {
  int ready[2], done[2];
  if (pipe2(ready, O_CLOEXEC) != 0 || pipe2(done, O_CLOEXEC) != 0) fail("create", "pipe", errno);
  pid_t pid = fork();
  if (pid < 0) fail("fork", "", errno);
  if (pid == 0) {
    close(ready[0]);
    close(done[1]);
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      sched_setaffinity(0, sizeof set, &set);
    }
    if (unshare(CLONE_NEWUTS | CLONE_NEWNS) != 0) {
      char msg[64];
      snprintf(msg, sizeof msg, "%d unshare uts+mount namespaces", errno);
      ssize_t n = write(ready[1], msg, strlen(msg));
      (void)n;
      _exit(1);
    }
    int status = set_up_namespaces(o, ready[1]);
    close(ready[1]);
    char c;
    /* Stay alive until the parent has bound our namespaces. */
    while (read(done[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(status);
  }
  close(ready[1]);
  close(done[0]);
  char msg[PATH_MAX + 64];
  ssize_t n;
  do n = read(ready[0], msg, sizeof msg - 1); while (n < 0 && errno == EINTR);
  close(ready[0]);
  msg[n > 0 ? n : 0] = '\0';
  int err = n > 0 ? atoi(msg) : EIO;
  int bind_err = 0;
  const char *bind_what = NULL;
  if (err == 0) {
    bind_err = bind_ns(pid, "mnt", o->mnt);
    bind_what = o->mnt;
    if (bind_err == 0 && (bind_err = bind_ns(pid, "uts", o->uts)) != 0) {
      bind_what = o->uts;
      umount2(o->mnt, MNT_DETACH);
    }
  }
  close(done[1]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (err != 0) {
    const char *space = strchr(msg, ' ');
    fprintf(stderr, "netplumb-enter: cannot %s: %s\n", space ? space + 1 : "set up the sandbox", strerror(err));
    return err;
  }
  if (bind_err == EINVAL && bind_what == o->mnt) return EAGAIN;
  if (bind_err != 0) fprintf(stderr, "netplumb-enter: cannot bind namespace to %s: %s\n", bind_what, strerror(bind_err));
  return bind_err;
}

static int do_create(const struct options *o) {
  if (!o->uts || !o->mnt) usage("create needs --uts FILE and --mnt FILE");
  /* Die with the command that started us: namespace files bound after it was
   * killed would appear behind the back of the gc that cleans up after it. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail("set", "parent death signal", errno);
  if (getppid() == 1) exit(1); /* it died before the line above */
  make_private_mount_point(o->mnt);
  make_private_mount_point(o->uts);
  create_placeholder(o->uts);
  create_placeholder(o->mnt);
  int err = create_once(o, -1);
  cpu_set_t allowed;
  if (err == EAGAIN && sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE && err == EAGAIN; cpu++)
      if (CPU_ISSET(cpu, &allowed)) err = create_once(o, cpu);
  }
  if (err == EAGAIN) fprintf(stderr, "netplumb-enter: cannot bind namespace to %s: %s\n", o->mnt, strerror(EINVAL));
  if (err != 0) {
    unlink(o->uts);
    unlink(o->mnt);
    return 1;
  }
  return 0;
}

static int do_exec(const struct options *o) {
  failure_status = 125;
  if (!o->command || !o->command[0]) usage("exec needs -- CMD [ARG...]");
  /* Open all first: the paths are in this mount namespace, which we are about to leave. */
  int net = o->netns ? open_ns(o->netns) : -1;
  int uts = o->uts ? open_ns(o->uts) : -1;
  int mnt = o->mnt ? open_ns(o->mnt) : -1;
  if (net >= 0 && setns(net, CLONE_NEWNET) != 0) fail("enter network namespace", o->netns, errno);
  if (uts >= 0 && setns(uts, CLONE_NEWUTS) != 0) fail("enter UTS namespace", o->uts, errno);
  if (mnt >= 0 && setns(mnt, CLONE_NEWNS) != 0) fail("enter mount namespace", o->mnt, errno);
  /* Entering a mount namespace moves the working directory to its root; go back if it exists there. */
  if (o->cwd && chdir(o->cwd) != 0 && chdir("/") != 0) fail("change directory to", "/", errno);
  /* Node blocks or ignores some signals in its children's inherited mask; the command gets defaults. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  execvp(o->command[0], o->command);
  int err = errno;
  fprintf(stderr, "netplumb-enter: cannot run %s: %s\n", o->command[0], strerror(err));
  return err == ENOENT ? 127 : 126;
}

int main(int argc, char **argv) {
  if (argc < 2) usage("usage: netplumb-enter create|exec ...");
  struct options o;
  parse(argc, argv, 2, &o);
  if (strcmp(argv[1], "create") == 0) return do_create(&o);
  if (strcmp(argv[1], "exec") == 0) return do_exec(&o);
  usage("unknown mode (create, exec)");
  return 2;
}
