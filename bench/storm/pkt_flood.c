/* Packet flood for the firewall's tests and benchmark: UDP datagrams sent
 * with sendmmsg (batches of one destination), or TCP SYNs from a raw socket,
 * from a chosen source address to a destination, IPv4 or IPv6. Runs for
 * COUNT packets or SECONDS, optionally paced to RATE packets per second,
 * optionally pinned to one CPU (the kernel runs a veth peer's receive path,
 * XDP included, on the sending CPU). Prints one JSON line:
 *   {"sent":N,"failed":N,"seconds":S,"pps":R,"lastErrno":E}
 *
 *   pkt_flood --dst ADDR [--src ADDR] [--port N] [--sport N] [--count N]
 *             [--seconds S] [--rate PPS] [--size BYTES] [--batch N] [--cpu N] [--syn] */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pace.h"

#define MAX_BATCH 256

struct opts {
  const char *dst, *src;
  int port, sport, size, batch, cpu, syn;
  long count;
  double seconds, rate;
};

union addr {
  struct sockaddr sa;
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
};

static int parse_addr(const char *s, int port, union addr *a, socklen_t *len) {
  memset(a, 0, sizeof(*a));
  if (inet_pton(AF_INET, s, &a->v4.sin_addr) == 1) {
    a->v4.sin_family = AF_INET;
    a->v4.sin_port = htons(port);
    *len = sizeof(a->v4);
    return AF_INET;
  }
  if (inet_pton(AF_INET6, s, &a->v6.sin6_addr) == 1) {
    a->v6.sin6_family = AF_INET6;
    a->v6.sin6_port = htons(port);
    *len = sizeof(a->v6);
    return AF_INET6;
  }
  return -1;
}

static uint32_t sum16(const void *p, size_t n, uint32_t s) {
  const uint8_t *b = p;
  for (size_t i = 0; i + 1 < n; i += 2) s += (b[i] << 8) | b[i + 1];
  if (n & 1) s += b[n - 1] << 8;
  return s;
}

/* A SYN with sequence i; the IPv4 checksum over the pseudo-header is ours
 * to compute (raw IPPROTO_TCP sockets), IPv6 has the kernel do it. */
static void build_syn(uint8_t *t, int family, const union addr *src, const union addr *dst, int sport, long i) {
  memset(t, 0, 20);
  uint16_t sp = htons((uint16_t)(sport ? sport : 20000 + (i % 40000)));
  memcpy(t, &sp, 2);
  memcpy(t + 2, &dst->v4.sin_port, 2); /* same offset in sockaddr_in6 */
  uint32_t seq = htonl((uint32_t)i);
  memcpy(t + 4, &seq, 4);
  t[12] = 5 << 4; /* header length: 5 words */
  t[13] = 0x02;   /* SYN */
  t[14] = 0xff;   /* window */
  t[15] = 0xff;
  if (family != AF_INET) return;
  uint32_t s = 0;
  s = sum16(&src->v4.sin_addr, 4, s);
  s = sum16(&dst->v4.sin_addr, 4, s);
  s += IPPROTO_TCP + 20;
  s = sum16(t, 20, s);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  uint16_t c = htons((uint16_t)~s);
  memcpy(t + 16, &c, 2);
}

static void usage(void) {
  fprintf(stderr,
          "usage: pkt_flood --dst ADDR [--src ADDR] [--port N] [--sport N] [--count N] [--seconds S]\n"
          "                 [--rate PPS] [--size BYTES] [--batch N] [--cpu N] [--syn]\n");
  exit(2);
}

int main(int argc, char **argv) {
  struct opts o = {.port = 9, .size = 18, .batch = 64, .cpu = -1};
  static struct option lo[] = {{"dst", 1, 0, 'd'},   {"src", 1, 0, 's'},     {"port", 1, 0, 'p'},
                               {"sport", 1, 0, 'P'}, {"count", 1, 0, 'n'},   {"seconds", 1, 0, 't'},
                               {"rate", 1, 0, 'r'},  {"size", 1, 0, 'z'},    {"batch", 1, 0, 'b'},
                               {"cpu", 1, 0, 'c'},   {"syn", 0, 0, 'S'},     {0, 0, 0, 0}};
  for (int c; (c = getopt_long(argc, argv, "", lo, NULL)) != -1;) {
    switch (c) {
      case 'd': o.dst = optarg; break;
      case 's': o.src = optarg; break;
      case 'p': o.port = atoi(optarg); break;
      case 'P': o.sport = atoi(optarg); break;
      case 'n': o.count = atol(optarg); break;
      case 't': o.seconds = atof(optarg); break;
      case 'r': o.rate = atof(optarg); break;
      case 'z': o.size = atoi(optarg); break;
      case 'b': o.batch = atoi(optarg); break;
      case 'c': o.cpu = atoi(optarg); break;
      case 'S': o.syn = 1; break;
      default: usage();
    }
  }
  if (!o.dst || (o.count <= 0 && o.seconds <= 0) || o.size < 0 || o.size > 1400 || (o.syn && !o.src)) usage();
  if (o.batch < 1) o.batch = 1;
  if (o.batch > MAX_BATCH) o.batch = MAX_BATCH;
  if (o.rate > 0 && o.rate < 100000) o.batch = 1; /* paced per packet */
  if (o.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(o.cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) perror("sched_setaffinity");
  }
  union addr dst, src;
  socklen_t dlen, slen = 0;
  int family = parse_addr(o.dst, o.port, &dst, &dlen);
  if (family < 0) usage();
  if (o.src && parse_addr(o.src, o.syn ? 0 : o.sport, &src, &slen) != family) usage();
  int fd = o.syn ? socket(family, SOCK_RAW, IPPROTO_TCP) : socket(family, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  if (o.syn && family == AF_INET6) {
    int off = 16; /* the kernel fills the TCP checksum */
    setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &off, sizeof(off));
  }
  if (o.src && bind(fd, &src.sa, slen) != 0) {
    perror("bind");
    return 1;
  }
  if (o.syn) dst.v4.sin_port = htons(o.port); /* raw sockets ignore it; build_syn reads it */

  static uint8_t payload[MAX_BATCH][1500];
  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  memset(msgs, 0, sizeof(msgs));
  for (int i = 0; i < o.batch; i++) {
    iov[i].iov_base = payload[i];
    iov[i].iov_len = o.syn ? 20 : (size_t)o.size;
    msgs[i].msg_hdr.msg_name = &dst;
    msgs[i].msg_hdr.msg_namelen = dlen;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  union addr raw_dst = dst;
  if (o.syn) { /* raw sockets take port 0 in the address */
    if (family == AF_INET) raw_dst.v4.sin_port = 0;
    else raw_dst.v6.sin6_port = 0;
    for (int i = 0; i < o.batch; i++) msgs[i].msg_hdr.msg_name = &raw_dst;
  }

  struct pacer p;
  pace_init(&p, o.rate);
  double t0 = pace_now(), end = o.seconds > 0 ? t0 + o.seconds : 0;
  long sent = 0, failed = 0;
  int last_errno = 0;
  while (o.count <= 0 || sent + failed < o.count) {
    if (end && pace_now() >= end) break;
    int n = o.batch;
    if (o.count > 0 && o.count - sent - failed < n) n = (int)(o.count - sent - failed);
    pace_wait(&p, sent + failed);
    if (o.syn)
      for (int i = 0; i < n; i++) build_syn(payload[i], family, &src, &dst, o.sport, sent + failed + i);
    int r = sendmmsg(fd, msgs, n, 0);
    if (r < 0) {
      last_errno = errno;
      failed += 1;
      if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EPERM) break;
      continue;
    }
    sent += r;
  }
  double secs = pace_now() - t0;
  printf("{\"sent\":%ld,\"failed\":%ld,\"seconds\":%.6f,\"pps\":%.1f,\"lastErrno\":%d}\n", sent, failed, secs,
         secs > 0 ? sent / secs : 0, last_errno);
  close(fd);
  return 0;
}
