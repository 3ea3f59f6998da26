/* XDP firewall and rate limit: the maps userspace writes (compiled rule
 * sets, settings) and reads (counters). The TypeScript encoders in
 * src/domain/enforce/firewall/layout.ts must agree; a test compares them
 * with the compiled object's BTF.
 *
 * Rule lookup without a loop over all rules: userspace compiles the rules
 * (src/domain/enforce/firewall/compile.ts) into
 *   - rules, one slot each, in evaluation order (priority, then id): a lower
 *     slot always wins, so "first match" is "smallest matching slot";
 *   - candidate lists of slots (ascending), chained in chunks;
 *   - LPM tries keyed by (tag, address prefix) whose values are list heads:
 *     each rule is indexed by its longer address prefix (source or
 *     destination), and the list of a prefix also holds the rules of every
 *     shorter prefix that contains it (folded at compile time), so the
 *     longest-prefix hit alone lists every indexed rule that can match;
 *   - one wildcard list for rules without addresses.
 * Per packet: one trie lookup per direction, then the remaining fields of
 * at most BW_FW_LIST_SLOTS * BW_FW_MAX_CHUNKS candidates of each of the
 * three lists, stopping as soon as no smaller slot can follow.
 *
 * Atomic replacement: every rule map holds two complete sets (A = 0,
 * B = 1): array indexes are offset by set * capacity, trie keys start with
 * a tag byte (set << 1 | direction). Userspace writes the inactive set,
 * flips fw_active with one update, waits for running programs (an update
 * of fw_barrier, a map-in-map, waits for an RCU grace period), then clears
 * the old set. Each packet reads fw_active once. */
#ifndef BPFWARDEN_FIREWALL_H
#define BPFWARDEN_FIREWALL_H

#define BW_FW_MAX_RULES 16384   /* rules per set */
#define BW_FW_MAX_LISTS 32768   /* candidate list chunks per set; chunk 0 is the wildcard list */
#define BW_FW_LIST_SLOTS 14     /* candidates per chunk */
#define BW_FW_MAX_CHUNKS 8      /* chunks walked per list: 112 candidates at most */
#define BW_FW_MAX_PREFIXES 65536 /* trie entries per family (both sets and directions) */
#define BW_FW_MAX_SOURCES 65536 /* rate limit state: source addresses (LRU) */
#define BW_FW_NO_MATCH 0xffffffffu

/* fw_active[0]: bit 0 is the active set; bits 1-4 say which tries hold
 * entries of that set, so a packet skips lookups that cannot hit. Written
 * in one update with the flip. */
#define BW_FW_ACTIVE_SET 0x1
#define BW_FW_HAS_SRC4 0x2
#define BW_FW_HAS_DST4 0x4
#define BW_FW_HAS_SRC6 0x8
#define BW_FW_HAS_DST6 0x10

/* Trie tag byte: (set << 1) | direction. */
#define BW_FW_DIR_SRC 0
#define BW_FW_DIR_DST 1

/* bw_fw_rule.action */
#define BW_FW_PASS 0
#define BW_FW_DROP 1

/* bw_fw_rule.flags: which fields the rule constrains, and logging. */
#define BW_FW_F_SRC 0x01
#define BW_FW_F_DST 0x02
#define BW_FW_F_SPORT 0x04
#define BW_FW_F_DPORT 0x08
#define BW_FW_F_LOG 0x10 /* emit a bw_policy_event per hit (rate-limited per rule) */

struct bw_fw_rule {
  __u32 id;
  __u8 action;    /* BW_FW_PASS / BW_FW_DROP */
  __u8 flags;     /* BW_FW_F_* */
  __u8 protocol;  /* 0: any, else IPPROTO_* */
  __u8 family;    /* 0: any, 4 or 6 (rules with an address match its family only) */
  __u16 sport_lo; /* inclusive ranges, host order */
  __u16 sport_hi;
  __u16 dport_lo;
  __u16 dport_hi;
  __u32 src[4];      /* network order; IPv4 in src[0] */
  __u32 src_mask[4];
  __u32 dst[4];
  __u32 dst_mask[4];
};

/* One chunk of a candidate list. */
struct bw_fw_list {
  __u32 count; /* slots used */
  __u32 next;  /* absolute index of the next chunk; 0: none */
  __u32 slot[BW_FW_LIST_SLOTS]; /* absolute rule slots, ascending */
};

/* LPM keys: data[0] is the tag, the address follows (network order), then padding. */
struct bw_fw_lpm4_key {
  __u32 prefixlen; /* 8 + prefix length */
  __u8 data[8];
};

struct bw_fw_lpm6_key {
  __u32 prefixlen;
  __u8 data[20];
};

/* Settings (fw_config[0]); costs in nanoseconds of credit per packet per
 * CPU (1e9 / rate), bursts in nanoseconds of credit (burst * cost). A zero
 * cost turns that limit off. */
struct bw_fw_config {
  __u64 rl_cost_ns;   /* per source address */
  __u64 rl_burst_ns;
  __u64 syn_cost_ns;  /* TCP SYN without ACK, per source address */
  __u64 syn_burst_ns;
  __u64 log_cost_ns;  /* policy records per rule (and per limiter) */
  __u64 log_burst_ns;
};

/* Per CPU, per rule id (fw_rule_stats), and per limiter (fw_rl_log). */
struct bw_fw_rule_stats {
  __u64 packets;
  __u64 bytes;
  __u64 log_last_ns;
  __u64 log_credit_ns;
  __u32 suppressed; /* records not emitted since the last one on this CPU */
  __u32 _pad;
};

struct bw_fw_rl_key {
  __u8 family; /* 4 or 6 */
  __u8 _pad[3];
  __u8 addr[16];
};

/* Per CPU, per source address (fw_rl_state, LRU). */
struct bw_fw_rl_state {
  __u64 last_ns;
  __u64 credit_ns;
  __u64 syn_last_ns;
  __u64 syn_credit_ns;
  __u64 allowed;
  __u64 dropped;     /* by the rate limit */
  __u64 syn_dropped; /* by the SYN guard */
};

/* fw_counters indexes (per-CPU u64). */
#define BW_FW_CTR_PACKETS 0      /* every packet seen */
#define BW_FW_CTR_NON_IP 1       /* not IPv4/IPv6 (or truncated): passed untouched */
#define BW_FW_CTR_PASSED 2       /* XDP_PASS, IP packets */
#define BW_FW_CTR_RULE_DROPPED 3 /* dropped by a rule */
#define BW_FW_CTR_NO_MATCH 4     /* no rule matched: default action (pass) */
#define BW_FW_CTR_RL_ALLOWED 5   /* passed the rate limit / SYN guard while one was on */
#define BW_FW_CTR_RL_DROPPED 6   /* dropped by the rate limit */
#define BW_FW_CTR_SYN_DROPPED 7  /* dropped by the SYN guard */
#define BW_FW_CTR_EVENTS 8       /* policy records emitted */
#define BW_FW_CTR_SUPPRESSED 9   /* policy records suppressed by their rate limit */
#define BW_FW_CTR_RING_FULL 10   /* policy records lost to a full ring buffer */
#define BW_FW_CTR_MAX 11

#endif
