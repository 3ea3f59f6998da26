/**
 * Compiles rules into the firewall's lookup structures (see
 * bpf/include/firewall.h for how the kernel walks them):
 *
 *   slot      each rule's place in evaluation order (priority, then id), so
 *             the first matching rule is the matching rule with the
 *             smallest slot;
 *   index     each rule is filed under its longer address prefix (source
 *             or destination; source on a tie), or in the wildcard list
 *             when it has no address;
 *   folding   the list of a prefix P holds the rules filed under P and
 *             under every shorter prefix of the same family and direction
 *             that contains P. The trie's longest-prefix hit for an
 *             address is then the only list needed for that direction:
 *             every filed prefix containing the address contains the hit;
 *   chunks    lists are sorted by slot and cut into chunks of
 *             LIST_SLOTS; identical lists share their chunks.
 *
 * Per packet the kernel checks the remaining fields of at most
 * MAX_CANDIDATES rules in each of three lists, whatever the number of rules.
 * A rule set whose lists would be longer (many rules on one prefix and its
 * parents, or many rules without addresses) is refused, naming the prefix.
 */
import { type Cidr, type Family, formatCidr, truncate } from './cidr.ts';
import { FirewallError } from './errors.ts';
import { FW, MAX_CANDIDATES } from './layout.ts';
import { byEvaluationOrder, type FirewallRule } from './rule.ts';
import { duplicateIds } from './validate.ts';

export type Dir = typeof FW.DIR_SRC | typeof FW.DIR_DST;

export interface TrieEntry {
  readonly family: Family;
  readonly dir: Dir;
  readonly addr: Uint8Array;
  readonly prefix: number;
  /** Chunk index (within the set) of the list's first chunk. */
  readonly head: number;
}

export interface Chunk {
  /** Rule slots, ascending; at most LIST_SLOTS. */
  readonly slots: readonly number[];
  /** Index of the next chunk; 0: none (chunk 0 is the wildcard list's head, never a continuation). */
  readonly next: number;
}

export interface CompiledRuleSet {
  /** Rules by slot. */
  readonly rules: readonly FirewallRule[];
  /** chunks[0] heads the wildcard list (empty when every rule has an address). */
  readonly chunks: readonly Chunk[];
  readonly prefixes: readonly TrieEntry[];
  /** The longest candidate list: the most rules the kernel may check in one list. */
  readonly maxCandidates: number;
}

interface Group {
  readonly family: Family;
  readonly dir: Dir;
  readonly cidr: Cidr;
  readonly slots: number[];
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const groupKey = (family: Family, dir: Dir, prefix: number, addr: Uint8Array): string =>
  `${family}|${dir}|${prefix}|${hex(addr)}`;

/** Where a rule is filed: its longer address prefix, or nowhere (wildcard). */
function indexOf(r: FirewallRule): { dir: Dir; cidr: Cidr } | undefined {
  if (r.src && (!r.dst || r.src.prefix >= r.dst.prefix)) return { dir: FW.DIR_SRC, cidr: r.src };
  if (r.dst) return { dir: FW.DIR_DST, cidr: r.dst };
  return undefined;
}

function tooMany(what: string, slots: readonly number[], rules: readonly FirewallRule[]): FirewallError {
  const ids = slots.slice(0, 8).map((s) => rules[s]!.id);
  return new FirewallError(
    'FIREWALL_RULES_DO_NOT_FIT',
    `${slots.length} rules can apply to ${what} (rule ids ${ids.join(', ')}${slots.length > 8 ? ', …' : ''}); ` +
      `at most ${MAX_CANDIDATES} may: give some of them a longer (more specific) prefix, or merge them`,
  );
}

export function compileRules(input: readonly FirewallRule[]): CompiledRuleSet {
  const dups = duplicateIds(input);
  if (dups.length > 0)
    throw new FirewallError('FIREWALL_DUPLICATE_ID', `rule id ${dups.join(', ')} is used more than once`);
  if (input.length > FW.MAX_RULES)
    throw new FirewallError(
      'FIREWALL_RULES_DO_NOT_FIT',
      `${input.length} rules; at most ${FW.MAX_RULES} fit`,
    );
  const rules = [...input].sort(byEvaluationOrder);

  const wildcard: number[] = [];
  const groups = new Map<string, Group>();
  /** Prefix lengths in use per family and direction, to enumerate a prefix's ancestors. */
  const lengths = new Map<string, Set<number>>();
  rules.forEach((r, slot) => {
    const at = indexOf(r);
    if (!at) {
      wildcard.push(slot);
      return;
    }
    const { family, prefix, addr } = at.cidr;
    const k = groupKey(family, at.dir, prefix, addr);
    let g = groups.get(k);
    if (!g) {
      g = { family, dir: at.dir, cidr: at.cidr, slots: [] };
      groups.set(k, g);
      const lk = `${family}|${at.dir}`;
      if (!lengths.has(lk)) lengths.set(lk, new Set());
      lengths.get(lk)!.add(prefix);
    }
    g.slots.push(slot);
  });

  if (wildcard.length > MAX_CANDIDATES)
    throw tooMany('every packet (rules without addresses)', wildcard, rules);

  const chunks: Chunk[] = [{ slots: [], next: 0 }]; // chunk 0: the wildcard list's head
  /** Stores a list as chained chunks (the first at `head` when given); returns the first's index. */
  const place = (slots: readonly number[], head?: number): number => {
    const parts: number[][] = [];
    for (let i = 0; i < slots.length; i += FW.LIST_SLOTS) parts.push(slots.slice(i, i + FW.LIST_SLOTS));
    if (parts.length === 0) parts.push([]);
    const ids = parts.map((_, i) => {
      if (i === 0 && head !== undefined) return head;
      chunks.push({ slots: [], next: 0 });
      return chunks.length - 1;
    });
    parts.forEach((p, i) => {
      chunks[ids[i]!] = { slots: p, next: ids[i + 1] ?? 0 };
    });
    return ids[0]!;
  };
  place(wildcard, 0);

  const shared = new Map<string, number>();
  const prefixes: TrieEntry[] = [];
  let maxCandidates = wildcard.length;
  for (const g of groups.values()) {
    const merged = new Set<number>();
    for (const len of lengths.get(`${g.family}|${g.dir}`)!) {
      if (len > g.cidr.prefix) continue;
      const parent = groups.get(groupKey(g.family, g.dir, len, truncate(g.cidr.addr, len)));
      if (parent) for (const s of parent.slots) merged.add(s);
    }
    const slots = [...merged].sort((a, b) => a - b);
    if (slots.length > MAX_CANDIDATES) {
      throw tooMany(`${g.dir === FW.DIR_SRC ? 'source' : 'destination'} ${formatCidr(g.cidr)}`, slots, rules);
    }
    maxCandidates = Math.max(maxCandidates, slots.length);
    const sig = slots.join(',');
    let head = shared.get(sig);
    if (head === undefined) {
      head = place(slots);
      shared.set(sig, head);
    }
    prefixes.push({ family: g.family, dir: g.dir, addr: g.cidr.addr, prefix: g.cidr.prefix, head });
  }

  if (chunks.length > FW.MAX_LISTS)
    throw new FirewallError(
      'FIREWALL_RULES_DO_NOT_FIT',
      `the rules need ${chunks.length} list chunks; at most ${FW.MAX_LISTS} fit`,
    );
  // Both sets share each trie while one replaces the other: half of it each.
  for (const family of [4, 6] as const) {
    const n = prefixes.filter((p) => p.family === family).length;
    if (n > FW.MAX_PREFIXES / 2)
      throw new FirewallError(
        'FIREWALL_RULES_DO_NOT_FIT',
        `${n} distinct IPv${family} prefixes; at most ${FW.MAX_PREFIXES / 2} fit`,
      );
  }
  return { rules, chunks, prefixes, maxCandidates };
}
