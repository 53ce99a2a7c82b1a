// The floor every ratio in bench/ is held against: the same kernel work as the
// peers, done with raw rtnetlink requests and nothing else (no library, no
// parsing beyond what the work needs). Compiled with cc at bench time.
//
//   floor endpoints N BRIDGE PREFIX SUBNET16 seq|batch
//       Per endpoint i: a named namespace PREFIXn<i> (a thread unshares and
//       bind-mounts itself under /run/netns, as iproute2 does; the same thread
//       opens the in-namespace socket), a veth PREFIXv<i> enslaved to BRIDGE
//       and up, its peer eth0 born inside the namespace with ifindex 2, then
//       inside: lo up, eth0 up, SUBNET16.x.y/16 on eth0, default via
//       SUBNET16.0.1. seq: one request, one ack; batch: the four in-namespace
//       requests in one send. Prints {"setupNs":...} then waits for a line on
//       stdin before teardown (deleting the namespaces; the kernel destroys
//       the veths) and prints {"teardownStartNs":...}.
//   floor wait-gone PREFIX
//       Watches the links named PREFIX*: prints "ready COUNT" once it knows
//       them, and the CLOCK_MONOTONIC time when the last one is gone.
//   floor make-links PREFIX FROM TO
//       Creates veth pairs PREFIX<i>a/PREFIX<i>b for i in [FROM, TO) (fixture
//       for the listing benchmark; not timed).
//   floor list REPEATS
//       Dumps every link REPEATS times, walking each message's attributes;
//       prints {"count":...,"runsNs":[...]}.
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h> /* before the linux/ headers, which defer to it */
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"
#define PEER_INDEX 2 /* lo is 1 in a fresh namespace */

static void die(const char *what) {
  fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int nl_socket(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) die("socket");
  return fd;
}

/* ---- building requests ------------------------------------------------ */

static struct nlmsghdr *msg_begin(char *at, uint16_t type, uint16_t flags, uint32_t seq, const void *hdr, size_t hdrlen) {
  struct nlmsghdr *h = (struct nlmsghdr *)at;
  memset(h, 0, NLMSG_HDRLEN);
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_seq = seq;
  h->nlmsg_len = NLMSG_LENGTH(hdrlen);
  memcpy(NLMSG_DATA(h), hdr, hdrlen);
  return h;
}

static struct rtattr *attr_put(struct nlmsghdr *h, uint16_t type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
  return a;
}

static void attr_u32(struct nlmsghdr *h, uint16_t type, uint32_t v) { attr_put(h, type, &v, 4); }
static void attr_str(struct nlmsghdr *h, uint16_t type, const char *s) { attr_put(h, type, s, strlen(s) + 1); }
static struct rtattr *nest_begin(struct nlmsghdr *h, uint16_t type) { return attr_put(h, type, NULL, 0); }
static void nest_end(struct nlmsghdr *h, struct rtattr *nest) { nest->rta_len = (unsigned short)((char *)h + h->nlmsg_len - (char *)nest); }

/* ---- sending and acks --------------------------------------------------- */

static void send_all(int fd, const void *data, size_t len) {
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, data, len, 0, (struct sockaddr *)&kernel, sizeof kernel) != (ssize_t)len) die("sendto");
}

/* Reads acks until `count` have arrived; any error ends the program. */
static void await_acks(int fd, int count) {
  static char buf[65536];
  while (count > 0) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("recv");
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error) {
        errno = -e->error;
        fprintf(stderr, "floor: request seq %u: %s\n", h->nlmsg_seq, strerror(errno));
        exit(1);
      }
      count--;
    }
  }
}

/* ---- one endpoint ------------------------------------------------------- */

struct ns_job {
  char path[64];
  int sock;  /* rtnetlink socket inside the new namespace */
  int nsfd;  /* the namespace, for IFLA_NET_NS_FD */
};

static void *create_namespace(void *arg) {
  struct ns_job *job = arg;
  if (unshare(CLONE_NEWNET) != 0) die("unshare");
  if (mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) != 0) die("mount");
  job->nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (job->nsfd < 0) die("open netns");
  job->sock = nl_socket();
  return NULL;
}

static void named_namespace(struct ns_job *job, const char *name) {
  snprintf(job->path, sizeof job->path, NETNS_DIR "/%s", name);
  int placeholder = open(job->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (placeholder < 0) die(job->path);
  close(placeholder);
  pthread_t t;
  if (pthread_create(&t, NULL, create_namespace, job) != 0) die("pthread_create");
  pthread_join(t, NULL);
}

/* RTM_NEWLINK: veth NAME (master, up), peer eth0 with ifindex 2 born in nsfd. */
static struct nlmsghdr *veth_request(char *at, uint32_t seq, const char *name, int bridge, int nsfd) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  struct nlmsghdr *h = msg_begin(at, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq, &ifi, sizeof ifi);
  attr_str(h, IFLA_IFNAME, name);
  attr_u32(h, IFLA_MASTER, (uint32_t)bridge);
  struct rtattr *info = nest_begin(h, IFLA_LINKINFO);
  attr_put(h, IFLA_INFO_KIND, "veth", 4);
  struct rtattr *data = nest_begin(h, IFLA_INFO_DATA);
  struct rtattr *peer = nest_begin(h, VETH_INFO_PEER);
  struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC, .ifi_index = PEER_INDEX};
  memcpy((char *)h + h->nlmsg_len, &peer_ifi, sizeof peer_ifi);
  h->nlmsg_len += sizeof peer_ifi;
  attr_str(h, IFLA_IFNAME, "eth0");
  attr_u32(h, IFLA_NET_NS_FD, (uint32_t)nsfd);
  nest_end(h, peer);
  nest_end(h, data);
  nest_end(h, info);
  return h;
}

static struct nlmsghdr *link_up(char *at, uint32_t seq, int index) {
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  return msg_begin(at, RTM_NEWLINK, NLM_F_ACK, seq, &ifi, sizeof ifi);
}

static struct nlmsghdr *addr_add(char *at, uint32_t seq, int index, uint32_t addr, int prefixlen) {
  struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefixlen, .ifa_index = (unsigned)index};
  struct nlmsghdr *h = msg_begin(at, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq, &ifa, sizeof ifa);
  attr_put(h, IFA_LOCAL, &addr, 4);
  attr_put(h, IFA_ADDRESS, &addr, 4);
  return h;
}

static struct nlmsghdr *default_route(char *at, uint32_t seq, uint32_t gateway) {
  struct rtmsg rtm = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                      .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
  struct nlmsghdr *h = msg_begin(at, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq, &rtm, sizeof rtm);
  attr_put(h, RTA_GATEWAY, &gateway, 4);
  return h;
}

static uint32_t ipv4(const char *subnet16, unsigned host) {
  char text[32];
  snprintf(text, sizeof text, "%s.%u.%u", subnet16, host >> 8, host & 255);
  struct in_addr a;
  if (inet_pton(AF_INET, text, &a) != 1) {
    fprintf(stderr, "floor: bad address %s\n", text);
    exit(2);
  }
  return a.s_addr;
}

static void setup_endpoint(int host, int bridge, const char *prefix, const char *subnet16, int i, int batched) {
  static uint32_t seq = 1;
  char name[IFNAMSIZ];
  struct ns_job job;
  snprintf(name, sizeof name, "%sn%d", prefix, i);
  named_namespace(&job, name);

  static char buf[4096];
  snprintf(name, sizeof name, "%sv%d", prefix, i);
  struct nlmsghdr *h = veth_request(buf, seq++, name, bridge, job.nsfd);
  send_all(host, h, h->nlmsg_len);
  await_acks(host, 1);
  close(job.nsfd);

  uint32_t addr = ipv4(subnet16, (unsigned)i + 2), gateway = ipv4(subnet16, 1);
  if (batched) {
    size_t len = 0;
    h = link_up(buf + len, seq++, 1);
    len += NLMSG_ALIGN(h->nlmsg_len);
    h = link_up(buf + len, seq++, PEER_INDEX);
    len += NLMSG_ALIGN(h->nlmsg_len);
    h = addr_add(buf + len, seq++, PEER_INDEX, addr, 16);
    len += NLMSG_ALIGN(h->nlmsg_len);
    h = default_route(buf + len, seq++, gateway);
    len += NLMSG_ALIGN(h->nlmsg_len);
    send_all(job.sock, buf, len);
    await_acks(job.sock, 4);
  } else {
    h = link_up(buf, seq++, 1);
    send_all(job.sock, h, h->nlmsg_len);
    await_acks(job.sock, 1);
    h = link_up(buf, seq++, PEER_INDEX);
    send_all(job.sock, h, h->nlmsg_len);
    await_acks(job.sock, 1);
    h = addr_add(buf, seq++, PEER_INDEX, addr, 16);
    send_all(job.sock, h, h->nlmsg_len);
    await_acks(job.sock, 1);
    h = default_route(buf, seq++, gateway);
    send_all(job.sock, h, h->nlmsg_len);
    await_acks(job.sock, 1);
  }
  close(job.sock);  /* an open socket would keep the namespace alive after its name is gone */
}

/* As iproute2: /run/netns is a shared mount point so namespace mounts propagate. */
static void prepare_netns_dir(void) {
  mkdir(NETNS_DIR, 0755);
  if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0) return;
  if (mount(NETNS_DIR, NETNS_DIR, "none", MS_BIND | MS_REC, NULL) != 0) die("bind " NETNS_DIR);
  if (mount("", NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) != 0) die("share " NETNS_DIR);
}

static int endpoints(int n, const char *bridge_name, const char *prefix, const char *subnet16, int batched) {
  int bridge = (int)if_nametoindex(bridge_name);
  if (!bridge) die(bridge_name);
  prepare_netns_dir();
  int host = nl_socket();
  uint64_t t0 = now_ns();
  for (int i = 0; i < n; i++) setup_endpoint(host, bridge, prefix, subnet16, i, batched);
  uint64_t t1 = now_ns();
  printf("{\"setupNs\":%llu}\n", (unsigned long long)(t1 - t0));
  fflush(stdout);

  char line[16];
  if (!fgets(line, sizeof line, stdin)) return 0;  /* no teardown asked for */
  uint64_t t2 = now_ns();
  for (int i = 0; i < n; i++) {
    char path[64];
    snprintf(path, sizeof path, NETNS_DIR "/%sn%d", prefix, i);
    if (umount2(path, MNT_DETACH) != 0) die("umount2");
    if (unlink(path) != 0) die("unlink");
  }
  printf("{\"teardownStartNs\":%llu}\n", (unsigned long long)t2);
  return 0;
}

/* ---- waiting for links to be gone ------------------------------------- */

static int has_prefix(struct nlmsghdr *h, const char *prefix) {
  struct ifinfomsg *ifi = NLMSG_DATA(h);
  if (ifi->ifi_family != AF_UNSPEC) return 0;  /* bridge port notices (AF_BRIDGE) are not the link itself */
  int len = (int)IFLA_PAYLOAD(h);
  for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == IFLA_IFNAME) return strncmp(RTA_DATA(a), prefix, strlen(prefix)) == 0;
  return 0;
}

static char *present; /* by ifindex */
static int present_size, remaining;

static void mark(int index, int on) {
  if (index >= present_size) {
    int size = index * 2 + 1024;
    present = realloc(present, (size_t)size);
    memset(present + present_size, 0, (size_t)(size - present_size));
    present_size = size;
  }
  if (on && !present[index]) remaining++;
  if (!on && present[index]) remaining--;
  present[index] = (char)on;
}

static void dump_links(int fd, void (*each)(struct nlmsghdr *, void *), void *ctx) {
  static char buf[1 << 20];
  struct {
    struct nlmsghdr h;
    struct ifinfomsg ifi;
  } req = {.h = {.nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1},
           .ifi = {.ifi_family = AF_UNSPEC}};
  send_all(fd, &req, sizeof req);
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("recv dump");
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) return;
      if (h->nlmsg_type == NLMSG_ERROR) {
        errno = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
        die("dump");
      }
      each(h, ctx);
    }
  }
}

static void mark_present(struct nlmsghdr *h, void *prefix) {
  if (h->nlmsg_type == RTM_NEWLINK && has_prefix(h, prefix)) mark(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index, 1);
}

static int wait_gone(const char *prefix) {
  int events = nl_socket();
  int big = 32 << 20;
  setsockopt(events, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = 1u << (RTNLGRP_LINK - 1)};
  if (bind(events, (struct sockaddr *)&local, sizeof local) != 0) die("bind");
  int query = nl_socket();
  dump_links(query, mark_present, (void *)prefix);
  printf("ready %d\n", remaining);
  fflush(stdout);
  static char buf[1 << 20];
  while (remaining > 0) {
    ssize_t n = recv(events, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) { /* missed events: take stock again */
        memset(present, 0, (size_t)present_size);
        remaining = 0;
        dump_links(query, mark_present, (void *)prefix);
        continue;
      }
      die("recv events");
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      struct ifinfomsg *ifi = NLMSG_DATA(h);
      if (h->nlmsg_type == RTM_DELLINK && ifi->ifi_family == AF_UNSPEC && ifi->ifi_index < present_size) mark(ifi->ifi_index, 0);
    }
  }
  printf("goneNs %llu\n", (unsigned long long)now_ns());
  return 0;
}

/* ---- listing fixture and listing ---------------------------------------- */

static int make_links(const char *prefix, int from, int to) {
  int fd = nl_socket();
  int big = 32 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  static char buf[256 * 256];
  uint32_t seq = 1;
  for (int i = from; i < to;) {
    size_t len = 0;
    int count = 0;
    for (; i < to && count < 256; i++, count++) {
      char a[IFNAMSIZ], b[IFNAMSIZ];
      snprintf(a, sizeof a, "%s%da", prefix, i);
      snprintf(b, sizeof b, "%s%db", prefix, i);
      struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
      struct nlmsghdr *h = msg_begin(buf + len, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, seq++, &ifi, sizeof ifi);
      attr_str(h, IFLA_IFNAME, a);
      struct rtattr *info = nest_begin(h, IFLA_LINKINFO);
      attr_put(h, IFLA_INFO_KIND, "veth", 4);
      struct rtattr *data = nest_begin(h, IFLA_INFO_DATA);
      struct rtattr *peer = nest_begin(h, VETH_INFO_PEER);
      memcpy((char *)h + h->nlmsg_len, &ifi, sizeof ifi);
      h->nlmsg_len += sizeof ifi;
      attr_str(h, IFLA_IFNAME, b);
      nest_end(h, peer);
      nest_end(h, data);
      nest_end(h, info);
      len += NLMSG_ALIGN(h->nlmsg_len);
    }
    send_all(fd, buf, len);
    await_acks(fd, count);
  }
  return 0;
}

struct listing {
  int count;
  size_t names;
};

/* What a caller of a dump does at the least: take each link's attributes by type. */
static void walk_link(struct nlmsghdr *h, void *arg) {
  struct listing *l = arg;
  if (h->nlmsg_type != RTM_NEWLINK) return;
  struct rtattr *tb[IFLA_MAX + 1] = {0};
  struct ifinfomsg *ifi = NLMSG_DATA(h);
  int len = (int)IFLA_PAYLOAD(h);
  for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type <= IFLA_MAX) tb[a->rta_type] = a;
  if (tb[IFLA_IFNAME]) l->names += strlen(RTA_DATA(tb[IFLA_IFNAME]));
  l->count++;
}

static int list(int repeats) {
  int fd = nl_socket();
  printf("{\"runsNs\":[");
  struct listing l = {0};
  for (int r = 0; r < repeats; r++) {
    l.count = 0;
    uint64_t t0 = now_ns();
    dump_links(fd, walk_link, &l);
    uint64_t t1 = now_ns();
    printf("%s%llu", r ? "," : "", (unsigned long long)(t1 - t0));
  }
  printf("],\"count\":%d}\n", l.count);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 7 && strcmp(argv[1], "endpoints") == 0)
    return endpoints(atoi(argv[2]), argv[3], argv[4], argv[5], strcmp(argv[6], "batch") == 0);
  if (argc == 3 && strcmp(argv[1], "wait-gone") == 0) return wait_gone(argv[2]);
  if (argc == 5 && strcmp(argv[1], "make-links") == 0) return make_links(argv[2], atoi(argv[3]), atoi(argv[4]));
  if (argc == 3 && strcmp(argv[1], "list") == 0) return list(atoi(argv[2]));
  fprintf(stderr, "usage: floor endpoints N BRIDGE PREFIX SUBNET16 seq|batch | wait-gone PREFIX | make-links PREFIX FROM TO | list REPEATS\n");
  return 2;
}
