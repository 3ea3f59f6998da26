/* Egress and exec policy: the rule tables userspace compiles into maps
 * (src/domain/enforce/policy/ builds them; src/enforce/ writes them).
 *
 * Rule changes are atomic: every table exists twice (buffer 0 and 1, the
 * buffer in the first byte of index keys, rule slots at buf * MAX + i).
 * Userspace fills the inactive buffer, then flips `active`; a program reads
 * `active` once per run and uses one consistent buffer. Time windows only
 * flip a rule's `active` byte in place. */
#ifndef BPFWARDEN_POLICY_RULES_H
#define BPFWARDEN_POLICY_RULES_H

#define BW_POLICY_MAX_RULES 256
#define BW_POLICY_RULE_WORDS (BW_POLICY_MAX_RULES / 64)

/* bw_policy_rule.action */
#define BW_RULE_DENY 1  /* egress: EPERM; exec: SIGKILL */
#define BW_RULE_ALLOW 2 /* egress only: stop here, allow, record nothing */
#define BW_RULE_AUDIT 3 /* record, allow */

/* bw_policy_rule.flags */
#define BW_RULE_HAS_UID 0x1
#define BW_RULE_HAS_CGROUP 0x2

/* One rule, in priority order: slot i of a buffer is the i-th rule to try. */
struct bw_policy_rule {
  __u64 cgroup_id;     /* BW_RULE_HAS_CGROUP: this cgroup (v2 id) or a descendant */
  __u32 cgroup_level;  /* its depth below the cgroup v2 root (root = 0) */
  __u32 id;            /* the rule's id, reported in events */
  __u32 uid;           /* BW_RULE_HAS_UID: only this (real) uid */
  __u16 port_lo;       /* egress: destination port range, inclusive */
  __u16 port_hi;
  __u8 action;         /* BW_RULE_* */
  __u8 protocol;       /* egress: IPPROTO_TCP / IPPROTO_UDP, 0 for any */
  __u8 flags;          /* BW_RULE_HAS_* */
  __u8 active;         /* 0 outside the rule's time window */
  __u32 _pad;
};

/* Index map values: the rules (bit i = slot i) a key can match. */
struct bw_rule_set {
  __u64 bits[BW_POLICY_RULE_WORDS];
};

/* Per buffer: how many slots are filled, and a fingerprint of the compiled
 * tables without the active bytes (userspace: same fingerprint, only
 * active bytes to flip). */
struct bw_policy_meta {
  __u32 count;
  __u32 _pad;
  __u64 fingerprint;
};

/* Per-rule token bucket for decision records (per slot of both buffers):
 * a rule that matches in a loop must not flood the ring. Shared by the
 * CPUs without a lock, so approximate by a record, never unsafe. */
struct bw_policy_rate {
  __u64 last_ns;
  __u64 credit_ns;
  __u32 suppressed;  /* records not emitted since the last one */
  __u32 _pad;
};

/* Settings userspace writes at load (index 0). */
struct bw_policy_settings {
  __u64 cost_ns;   /* credit one record costs: 1e9 / records per second per rule; 0 = no limit */
  __u64 burst_ns;  /* the most credit a rule saves up */
};

/* Egress index keys: LPM tries over (buffer, address); prefixlen counts
 * the buffer byte (8 bits) plus the CIDR's length. */
struct bw_lpm4_key {
  __u32 prefixlen;
  __u8 data[8]; /* buf, 4 address bytes, 3 zero */
};

struct bw_lpm6_key {
  __u32 prefixlen;
  __u8 data[20]; /* buf, 16 address bytes, 3 zero */
};

/* Exec index keys. */
struct bw_exec_path_key {
  __u32 buf;
  char path[BW_PATH_MAX]; /* NUL-padded */
};

struct bw_exec_inode_key {
  __u64 inode;
  __u32 dev; /* as stat(2) reports st_dev (new_encode_dev) */
  __u32 buf;
};

/* Content (sha256) rules. The kernel cannot hash a file: at the first exec
 * of a file it does not know, it stops the process (SIGSTOP) and asks the
 * agent (bw_exec_verify on the verify ring); the agent hashes the file,
 * looks the digest up in exec_sha256, writes the slots it matches into
 * exec_verdicts under the file's identity, and kills or continues the
 * process. Later execs of the same file find the verdict in the kernel. */
struct bw_exec_sha_key {
  __u32 buf;
  __u8 sha256[32];
};

/* A file's identity for verdicts: an in-place rewrite changes ctime (and
 * usually the size), so it gets a new key; the fingerprint of the rule set
 * the verdict was computed for keeps verdicts of older rule sets out. */
struct bw_exec_file_key {
  __u64 inode;
  __u64 ctime_sec;
  __u64 size;
  __u64 fingerprint; /* bw_policy_meta.fingerprint of the buffer */
  __u32 ctime_nsec;
  __u32 dev; /* new_encode_dev, as in bw_exec_inode_key */
};

/* Written by the agent (index 0): it is alive while heartbeat_ns is recent.
 * A stale heartbeat (no agent, or a stuck one) means content rules are
 * not checked: processes are never stopped with nobody to continue them. */
struct bw_exec_verifier {
  __u64 heartbeat_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
  __u64 stale_ns;     /* older than this: stale; 0 = the default */
  __u32 tgid;         /* the agent: it and its children are never stopped */
  __u32 _pad;
};

#endif
