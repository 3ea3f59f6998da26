/* Enforcement decision records, one layout for every enforcing program
 * (XDP firewall and rate limit, cgroup egress, exec policy), so one decoder
 * and one table serve them all. Each enforcing object has its own ring
 * buffer of these records; the agent's policy monitor drains them all. */
#ifndef BPFWARDEN_POLICY_H
#define BPFWARDEN_POLICY_H

#include "events.h"
#include "policy_rules.h"

/* What the program did. */
#define BW_POLICY_DENIED 1  /* blocked: connect() got EPERM, packet dropped, process killed */
#define BW_POLICY_AUDITED 2 /* matched an audit-only rule: recorded, allowed */
#define BW_POLICY_LOGGED 3  /* matched a pass/log rule: recorded, allowed */

/* Why (firewall records). */
#define BW_POLICY_REASON_RULE 1
#define BW_POLICY_REASON_RATE_LIMIT 2
#define BW_POLICY_REASON_SYN_GUARD 3

/* Header pid..comm are the acting process for egress and exec, zero for
 * XDP (no process context); XDP records carry the ifindex instead. */
struct bw_policy_event {
  struct bw_event_header hdr;
  __u64 inode;         /* exec: the binary's inode */
  __u32 dev;           /* exec: the binary's device (new_encode_dev) */
  __u32 rule_id;       /* the matching rule; 0 for rate limit / SYN guard */
  __u32 ifindex;       /* firewall: receiving interface */
  __u32 suppressed;    /* records of this rule not emitted since the last one (rate-limited logging) */
  __u16 family;        /* BW_AF_INET / BW_AF_INET6 (net records), else 0 */
  __u16 src_port;      /* host order */
  __u16 dst_port;      /* host order */
  __u8 protocol;       /* IPPROTO_* */
  __u8 action;         /* BW_POLICY_DENIED / AUDITED / LOGGED */
  __u8 reason;         /* BW_POLICY_REASON_* (firewall), else 0 */
  __u8 _pad[7];
  __u8 src_addr[16];   /* IPv4: first 4 bytes */
  __u8 dst_addr[16];
  char path[BW_PATH_MAX]; /* exec: the filename as exec'd; else empty */
};

/* Exec stopped until the agent has hashed the file (content rules): the
 * record is a policy record without its decision, plus what the agent
 * needs to decide as the kernel would. */
struct bw_exec_verify {
  struct bw_policy_event ev;      /* header, inode, dev, path; rule_id and action unset */
  struct bw_exec_file_key key;    /* where the agent writes the verdict */
  struct bw_rule_set matched;     /* slots the path or the inode matched */
  struct bw_rule_set applicable;  /* candidate slots, active and in scope, from the first content rule on */
  __u64 start_boottime;           /* the process's start (ns since boot): guards against pid reuse */
  __u32 buf;                      /* the rule buffer the slots are of */
  __u32 _pad;
};

#endif
