// SPDX-License-Identifier: GPL-2.0
/* Network monitor, on tracepoints only (no kprobes or fentry here):
 * - sock:inet_sock_set_state: TCP connections established (tcp_connect)
 *   and closed (tcp_close, with the bytes each way);
 * - syscalls accept/accept4: inbound connections taken by a process
 *   (tcp_accept, in the accepting process; one never accepted is reported
 *   with pid 0 when it closes);
 * - syscalls connect/sendto/sendmsg: connect attempts with their result, and
 *   UDP datagrams sent to an explicit destination (udp_send).
 * Most TCP transitions run in softirq context, where the current task is
 * whoever was interrupted; the socket's owner is remembered in an LRU hash
 * keyed by the struct sock address, from the transitions and syscalls that
 * do run in the owner's context. */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#include "net.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define BW_IOV_MAX 16 /* iovecs summed for the size of a sendmsg */

/* Not in the record: per-socket state only (bw_sock_info.flags). */
#define BW_SOCK_EXCLUDED 0x100
#define BW_SOCK_ACCEPT_REPORTED 0x200 /* tcp_accept sent (or withheld: excluded) */

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20);
} net_events SEC(".maps");

BW_DROPS_MAP(net_drops);

/* Processes whose activity is not reported, or whose children's is not
 * (BW_EXCLUDE_*: the agent and its rule runner), filled by userspace after load. */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, __u8);
} net_exclude_pids SEC(".maps");

struct bw_sock_info {
  struct bw_event_header owner; /* valid with BW_NET_OWNER_KNOWN; type unused */
  __u64 open_ns;                /* valid with BW_NET_DURATION_KNOWN */
  __u32 flags;                  /* BW_NET_OWNER_KNOWN, _DURATION_KNOWN, _OUTBOUND, _INBOUND, BW_SOCK_* */
  __u32 _pad;
};

/* Sockets seen, by struct sock address. LRU: a socket whose close was never
 * seen (the agent started mid-way, or a transition was missed) ages out
 * instead of leaking; an evicted socket closes with its owner unknown. */
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, __u64);
  __type(value, struct bw_sock_info);
} net_socks SEC(".maps");

/* A connect/sendto/sendmsg between syscall entry and exit, by pid_tgid. */
struct bw_net_call {
  __u64 sk; /* struct sock of the fd, 0 if the fd is not a socket */
  __u64 bytes;
  __u64 task_start; /* the thread's start time: a thread that died inside the
                     * call leaves its entry behind, and a later thread
                     * with the same id must not finish it */
  __u32 type; /* BW_EV_CONNECT or BW_EV_UDP_SEND */
  __u16 family;
  __u16 port; /* host order */
  __u8 protocol;
  __u8 flags;
  __u8 _pad[6];
  __u8 addr[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct bw_net_call);
} net_calls SEC(".maps");

BW_BTF_STRUCT(bw_tcp_event);
BW_BTF_STRUCT(bw_sockaddr_event);

/* Older kernels keep the socket flags (SOCK_DONE, ...) in struct sock's own
 * sk_flags; newer ones in sock_common's skc_flags. */
struct sock___sk_flags {
  unsigned long sk_flags;
} __attribute__((preserve_access_index));

static __always_inline unsigned long sock_flags_of(struct sock *sk) {
  if (bpf_core_field_exists(sk->__sk_common.skc_flags)) return BPF_CORE_READ(sk, __sk_common.skc_flags);
  struct sock___sk_flags *old = (void *)sk;
  if (bpf_core_field_exists(old->sk_flags)) return BPF_CORE_READ(old, sk_flags);
  return 0;
}

static __always_inline bool owner_excluded(const struct bw_event_header *owner) {
  return bw_tgid_or_parent_excluded(&net_exclude_pids, owner->pid, owner->ppid);
}

static __always_inline bool current_excluded(void) {
  return bw_current_excluded(&net_exclude_pids);
}

/* The struct sock behind the current task's fd, or NULL when fd is not a socket. */
static __always_inline struct sock *sock_of_fd(long fd) {
  if (fd < 0) return NULL;
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt) return NULL;
  if ((unsigned long)fd >= BPF_CORE_READ(fdt, max_fds)) return NULL;
  struct file **fds = BPF_CORE_READ(fdt, fd);
  struct file *f = NULL;
  if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f) return NULL;
  umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
  if ((mode & S_IFMT) != S_IFSOCK) return NULL;
  struct socket *sock = BPF_CORE_READ(f, private_data);
  return BPF_CORE_READ(sock, sk);
}

static __always_inline __u8 sock_protocol(struct sock *sk) {
  return (__u8)BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

/* An IPv4 or IPv6 socket of this protocol (protocol numbers mean other
 * things in other families: netlink's 17 is not UDP). */
static __always_inline bool inet_proto(struct sock *sk, __u8 protocol) {
  if (!sk) return false;
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  return (family == BW_AF_INET || family == BW_AF_INET6) && sock_protocol(sk) == protocol;
}

/* Reads an AF_INET/AF_INET6 sockaddr from user memory into c; false for any
 * other family (AF_UNIX, AF_UNSPEC, ...) or an unreadable one. An IPv4
 * address given to an IPv6 socket is stored IPv4-mapped, as the socket will
 * hold it. */
static __always_inline bool read_sockaddr(struct bw_net_call *c, const void *uaddr, long len,
                                          struct sock *sk) {
  __u16 family = 0;
  if (!uaddr || len < 2 || bpf_probe_read_user(&family, sizeof(family), uaddr)) return false;
  __builtin_memset(c->addr, 0, sizeof(c->addr));
  if (family == BW_AF_INET) {
    struct sockaddr_in sin;
    if (len < 8 || bpf_probe_read_user(&sin, 8, uaddr)) return false;
    c->port = bpf_ntohs(sin.sin_port);
    __u16 sk_family = sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : 0;
    if (sk_family == BW_AF_INET6) {
      c->family = BW_AF_INET6;
      c->addr[10] = 0xff;
      c->addr[11] = 0xff;
      __builtin_memcpy(&c->addr[12], &sin.sin_addr.s_addr, 4);
    } else {
      c->family = BW_AF_INET;
      __builtin_memcpy(c->addr, &sin.sin_addr.s_addr, 4);
    }
    return true;
  }
  if (family == BW_AF_INET6) {
    struct sockaddr_in6 sin6;
    if (len < 24 || bpf_probe_read_user(&sin6, 24, uaddr)) return false;
    c->family = BW_AF_INET6;
    c->port = bpf_ntohs(sin6.sin6_port);
    __builtin_memcpy(c->addr, &sin6.sin6_addr, 16);
    return true;
  }
  return false;
}

static __always_inline __u64 current_start(void) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();
  return BPF_CORE_READ(task, start_time);
}

static __always_inline void save_call(struct bw_net_call *c) {
  __u64 id = bpf_get_current_pid_tgid();
  c->task_start = current_start();
  bpf_map_update_elem(&net_calls, &id, c, BPF_ANY);
}

/* At syscall exit: the pending call becomes a record with the result and the
 * socket's local endpoint (bound by now, for a successful connect or send). */
static __always_inline int finish_call(long ret, __u32 type) {
  __u64 id = bpf_get_current_pid_tgid();
  struct bw_net_call *c = bpf_map_lookup_elem(&net_calls, &id);
  if (!c) return 0;
  if (c->type != type || c->task_start != current_start()) goto out;
  struct bw_sockaddr_event *e = bpf_ringbuf_reserve(&net_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&net_drops, type);
    goto out;
  }
  bw_fill_header(&e->hdr, type);
  e->result = ret;
  e->bytes = c->bytes;
  e->family = c->family;
  e->remote_port = c->port;
  e->protocol = c->protocol;
  e->flags = c->flags | BW_NET_OWNER_KNOWN | BW_NET_OUTBOUND;
  __builtin_memcpy(e->remote_addr, c->addr, sizeof(e->remote_addr));
  __builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
  e->local_port = 0;
  struct sock *sk = (struct sock *)c->sk;
  if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) == c->family) {
    e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
    if (c->family == BW_AF_INET)
      bpf_core_read(e->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
    else
      bpf_core_read(e->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
  }
  bw_ringbuf_submit(&net_events, e);
out:
  bpf_map_delete_elem(&net_calls, &id);
  return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int handle_connect_enter(struct trace_event_raw_sys_enter *ctx) {
  if (current_excluded()) return 0;
  struct bw_net_call c = {};
  struct sock *sk = sock_of_fd((long)ctx->args[0]);
  if (!read_sockaddr(&c, (const void *)ctx->args[1], (long)ctx->args[2], sk)) return 0;
  c.type = BW_EV_CONNECT;
  c.sk = (__u64)sk;
  c.protocol = sk ? sock_protocol(sk) : 0;
  save_call(&c);
  return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int handle_connect_exit(struct trace_event_raw_sys_exit *ctx) {
  return finish_call(ctx->ret, BW_EV_CONNECT);
}

SEC("tp/syscalls/sys_enter_sendto")
int handle_sendto_enter(struct trace_event_raw_sys_enter *ctx) {
  const void *addr = (const void *)ctx->args[4];
  if (!addr || current_excluded()) return 0;
  struct sock *sk = sock_of_fd((long)ctx->args[0]);
  if (!inet_proto(sk, BW_IPPROTO_UDP)) return 0;
  struct bw_net_call c = {};
  if (!read_sockaddr(&c, addr, (long)ctx->args[5], sk)) return 0;
  c.type = BW_EV_UDP_SEND;
  c.sk = (__u64)sk;
  c.protocol = BW_IPPROTO_UDP;
  c.bytes = ctx->args[2];
  save_call(&c);
  return 0;
}

SEC("tp/syscalls/sys_exit_sendto")
int handle_sendto_exit(struct trace_event_raw_sys_exit *ctx) {
  return finish_call(ctx->ret, BW_EV_UDP_SEND);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int handle_sendmsg_enter(struct trace_event_raw_sys_enter *ctx) {
  if (current_excluded()) return 0;
  struct user_msghdr mh;
  if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)ctx->args[1]) || !mh.msg_name) return 0;
  struct sock *sk = sock_of_fd((long)ctx->args[0]);
  if (!inet_proto(sk, BW_IPPROTO_UDP)) return 0;
  struct bw_net_call c = {};
  if (!read_sockaddr(&c, mh.msg_name, mh.msg_namelen, sk)) return 0;
  c.type = BW_EV_UDP_SEND;
  c.sk = (__u64)sk;
  c.protocol = BW_IPPROTO_UDP;
  __u64 total = 0;
  for (int i = 0; i < BW_IOV_MAX; i++) {
    struct iovec iov;
    if (i >= mh.msg_iovlen || bpf_probe_read_user(&iov, sizeof(iov), &mh.msg_iov[i])) break;
    total += iov.iov_len;
  }
  if (mh.msg_iovlen > BW_IOV_MAX) c.flags |= BW_NET_BYTES_PARTIAL;
  c.bytes = total;
  save_call(&c);
  return 0;
}

SEC("tp/syscalls/sys_exit_sendmsg")
int handle_sendmsg_exit(struct trace_event_raw_sys_exit *ctx) {
  return finish_call(ctx->ret, BW_EV_UDP_SEND);
}

/* A tcp_accept record of a live socket's endpoints (addresses as the socket
 * holds them, as inet_sock_set_state reports them). The header is the
 * caller's to fill. */
static __always_inline struct bw_tcp_event *accept_record(struct sock *sk) {
  struct bw_tcp_event *e = bpf_ringbuf_reserve(&net_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&net_drops, BW_EV_TCP_ACCEPT);
    return NULL;
  }
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  e->flags = BW_NET_INBOUND;
  e->old_state = TCP_SYN_RECV;
  e->family = family;
  e->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
  e->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  __builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
  __builtin_memset(e->remote_addr, 0, sizeof(e->remote_addr));
  if (family == BW_AF_INET6) {
    bpf_core_read(e->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
    bpf_core_read(e->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
  } else {
    bpf_core_read(e->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
    bpf_core_read(e->remote_addr, 4, &sk->__sk_common.skc_daddr);
  }
  e->bytes_sent = 0;
  e->bytes_received = 0;
  e->duration_ns = 0;
  return e;
}

/* accept() returned a connection: report it as the accepting process's
 * (tcp_accept), once, and remember that process as the socket's owner, so the
 * close can name it (the handshake itself completes in softirq). */
static __always_inline int accepted(long fd) {
  if (fd < 0) return 0;
  struct sock *sk = sock_of_fd(fd);
  if (!inet_proto(sk, BW_IPPROTO_TCP)) return 0;
  /* Reset while it waited in the backlog: its close already reported it as
   * never accepted (and forgot it), so it is not reported twice. */
  if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_CLOSE) return 0;
  __u64 key = (__u64)sk;
  struct bw_sock_info *info = bpf_map_lookup_elem(&net_socks, &key);
  if (info && (info->flags & BW_SOCK_ACCEPT_REPORTED)) return 0;
  struct bw_sock_info fresh = {};
  if (info) fresh = *info;
  if (!(fresh.flags & BW_NET_OWNER_KNOWN)) {
    bw_fill_header(&fresh.owner, 0);
    fresh.flags |= BW_NET_OWNER_KNOWN;
    if (owner_excluded(&fresh.owner)) fresh.flags |= BW_SOCK_EXCLUDED;
  }
  fresh.flags |= BW_NET_INBOUND | BW_SOCK_ACCEPT_REPORTED;
  bpf_map_update_elem(&net_socks, &key, &fresh, BPF_ANY);
  if (fresh.flags & BW_SOCK_EXCLUDED) return 0;
  struct bw_tcp_event *e = accept_record(sk);
  if (!e) return 0;
  bw_fill_header(&e->hdr, BW_EV_TCP_ACCEPT);
  e->flags |= BW_NET_OWNER_KNOWN;
  bw_ringbuf_submit(&net_events, e);
  return 0;
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct trace_event_raw_sys_exit *ctx) {
  return accepted(ctx->ret);
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit(struct trace_event_raw_sys_exit *ctx) {
  return accepted(ctx->ret);
}

/* A TCP record from the tracepoint's endpoints and what is known of the owner. */
static __always_inline struct bw_tcp_event *tcp_record(struct trace_event_raw_inet_sock_set_state *ctx,
                                                       __u32 type, struct bw_sock_info *info, __u64 now) {
  struct bw_tcp_event *e = bpf_ringbuf_reserve(&net_events, sizeof(*e), 0);
  if (!e) {
    bw_count_drop(&net_drops, type);
    return NULL;
  }
  if (info && (info->flags & BW_NET_OWNER_KNOWN))
    e->hdr = info->owner;
  else
    __builtin_memset(&e->hdr, 0, sizeof(e->hdr));
  e->hdr.ktime_ns = now;
  e->hdr.type = type;
  e->flags = info ? (info->flags & (BW_NET_OWNER_KNOWN | BW_NET_OUTBOUND | BW_NET_INBOUND)) : 0;
  e->old_state = ctx->oldstate;
  e->family = ctx->family;
  e->local_port = ctx->sport;
  e->remote_port = ctx->dport;
  /* The verifier refuses loads through a ctx pointer plus a relocated
   * offset, so the address arrays are copied with a helper. */
  __builtin_memset(e->local_addr, 0, sizeof(e->local_addr));
  __builtin_memset(e->remote_addr, 0, sizeof(e->remote_addr));
  if (ctx->family == BW_AF_INET6) {
    bpf_probe_read_kernel(e->local_addr, 16, ctx->saddr_v6);
    bpf_probe_read_kernel(e->remote_addr, 16, ctx->daddr_v6);
  } else {
    bpf_probe_read_kernel(e->local_addr, 4, ctx->saddr);
    bpf_probe_read_kernel(e->remote_addr, 4, ctx->daddr);
  }
  e->bytes_sent = 0;
  e->bytes_received = 0;
  e->duration_ns = 0;
  return e;
}

/* Payload bytes each way at close. The kernel's counters follow sequence
 * numbers, so bytes_acked also counts an active open's SYN and an
 * acknowledged FIN, and bytes_received counts a received FIN; those are
 * taken out. Data first sent (bytes_sent - bytes_retrans, 4.19+) bounds what
 * can have been acknowledged, which also covers opens this program never saw. */
static __always_inline void close_bytes(struct bw_tcp_event *e, struct sock *sk, int old, __u32 info_flags) {
  struct tcp_sock *tp = (struct tcp_sock *)sk;
  if (!bpf_core_field_exists(tp->bytes_acked) || !bpf_core_field_exists(tp->bytes_received)) return;
  __u64 acked = BPF_CORE_READ(tp, bytes_acked);
  __u64 received = BPF_CORE_READ(tp, bytes_received);
  if ((info_flags & BW_NET_OUTBOUND) && acked > 0) acked--;
  bool fin_sent = old == TCP_FIN_WAIT1 || old == TCP_FIN_WAIT2 || old == TCP_CLOSING ||
                  old == TCP_LAST_ACK || old == TCP_TIME_WAIT;
  if (fin_sent && acked > 0 && BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq)) acked--;
  if (bpf_core_field_exists(tp->bytes_sent) && bpf_core_field_exists(tp->bytes_retrans)) {
    __u64 sent = BPF_CORE_READ(tp, bytes_sent);
    __u64 retrans = BPF_CORE_READ(tp, bytes_retrans);
    __u64 unique = sent > retrans ? sent - retrans : 0;
    if (acked > unique) acked = unique;
  }
  int done = bpf_core_enum_value(enum sock_flags, SOCK_DONE);
  if (received > 0 && (sock_flags_of(sk) >> done) & 1) received--;
  e->bytes_sent = acked;
  e->bytes_received = received;
  e->flags |= BW_NET_BYTES_KNOWN;
}

SEC("tp/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx) {
  if (ctx->protocol != BW_IPPROTO_TCP) return 0;
  int old = ctx->oldstate;
  int new = ctx->newstate;
  struct sock *sk = (struct sock *)ctx->skaddr;
  __u64 key = (__u64)sk;
  __u64 now = bpf_ktime_get_boot_ns();

  if (old == TCP_CLOSE && new == TCP_SYN_SENT) {
    /* connect(): the one transition of an active open in the owner's context. */
    struct bw_sock_info info = {};
    bw_fill_header(&info.owner, 0);
    info.flags = BW_NET_OWNER_KNOWN | BW_NET_OUTBOUND;
    if (owner_excluded(&info.owner)) info.flags |= BW_SOCK_EXCLUDED;
    bpf_map_update_elem(&net_socks, &key, &info, BPF_ANY);
    return 0;
  }

  if (new == TCP_ESTABLISHED && (old == TCP_SYN_SENT || old == TCP_SYN_RECV)) {
    struct bw_sock_info *info = bpf_map_lookup_elem(&net_socks, &key);
    if (old == TCP_SYN_RECV) {
      /* Softirq: the current task is whoever was interrupted, not the owner.
       * An entry accept() made first (it can win the race) is kept. */
      if (!info || (info->flags & (BW_NET_OUTBOUND | BW_NET_DURATION_KNOWN))) {
        struct bw_sock_info fresh = {};
        fresh.flags = BW_NET_INBOUND;
        bpf_map_update_elem(&net_socks, &key, &fresh, BPF_ANY);
        info = bpf_map_lookup_elem(&net_socks, &key);
      }
    }
    if (info) {
      info->open_ns = now;
      info->flags |= BW_NET_DURATION_KNOWN;
      if (info->flags & BW_SOCK_EXCLUDED) return 0;
    }
    /* An inbound connection is reported when accept() takes it, in the
     * accepting process (or at its close, if it never is). */
    if (old == TCP_SYN_RECV) return 0;
    struct bw_tcp_event *e = tcp_record(ctx, BW_EV_TCP_CONNECT, info, now);
    if (!e) return 0;
    e->flags |= BW_NET_OUTBOUND;
    bw_ringbuf_submit(&net_events, e);
    return 0;
  }

  if ((new == TCP_FIN_WAIT1 || new == TCP_LAST_ACK) && (old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT)) {
    /* Our FIN is sent from close() or shutdown(), in the closing process:
     * the owner of a socket whose open named none (or was not seen). */
    struct bw_sock_info *info = bpf_map_lookup_elem(&net_socks, &key);
    if (info && (info->flags & BW_NET_OWNER_KNOWN)) return 0;
    struct bw_sock_info fresh = {};
    if (info) fresh = *info;
    bw_fill_header(&fresh.owner, 0);
    fresh.flags |= BW_NET_OWNER_KNOWN;
    if (owner_excluded(&fresh.owner)) fresh.flags |= BW_SOCK_EXCLUDED;
    bpf_map_update_elem(&net_socks, &key, &fresh, BPF_ANY);
    return 0;
  }

  if (new != TCP_CLOSE) return 0;
  struct bw_sock_info *info = bpf_map_lookup_elem(&net_socks, &key);
  /* Never established (refused or abandoned connects, listeners): no connection to close. */
  bool was_open = old == TCP_ESTABLISHED || old == TCP_FIN_WAIT1 || old == TCP_FIN_WAIT2 ||
                  old == TCP_CLOSING || old == TCP_TIME_WAIT || old == TCP_CLOSE_WAIT ||
                  old == TCP_LAST_ACK;
  if (was_open && !(info && (info->flags & BW_SOCK_EXCLUDED))) {
    /* Established inbound but never accepted (the listener closed, or a reset
     * came first): its one tcp_accept, with no process to name, timed now
     * so that rows keep arriving in time order. */
    __u32 pending = BW_NET_INBOUND | BW_NET_DURATION_KNOWN;
    if (info && (info->flags & (pending | BW_SOCK_ACCEPT_REPORTED)) == pending) {
      /* From the tracepoint's endpoints: the socket has given up its local
       * port (skc_num) by now. */
      struct bw_tcp_event *a = tcp_record(ctx, BW_EV_TCP_ACCEPT, NULL, now);
      if (a) {
        a->flags = BW_NET_INBOUND;
        a->old_state = TCP_SYN_RECV;
        bw_ringbuf_submit(&net_events, a);
      }
    }
    struct bw_tcp_event *e = tcp_record(ctx, BW_EV_TCP_CLOSE, info, now);
    if (e) {
      __u32 flags = info ? info->flags : 0;
      if ((flags & BW_NET_DURATION_KNOWN) && info && now > info->open_ns) {
        e->duration_ns = now - info->open_ns;
        e->flags |= BW_NET_DURATION_KNOWN;
      }
      close_bytes(e, sk, old, flags);
      bw_ringbuf_submit(&net_events, e);
    }
  }
  if (info) bpf_map_delete_elem(&net_socks, &key);
  return 0;
}
