/** The closest valid name to a misspelt one, if any is close enough to be a likely typo. */
import { distance } from 'fastest-levenshtein';

/** Compares names ignoring case, "_" and "-": FLUSH_INTERVAL_MS and flushIntervalMs are the same name. */
export function normalizeName(s: string): string {
  return s.replace(/[_-]/g, '').toLowerCase();
}

/**
 * The candidate nearest to `word`, when within a typo's reach (about one
 * edit in four characters, at least two) or containing it whole;
 * undefined otherwise.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = normalizeName(word);
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  let within: string | undefined;
  for (const c of candidates) {
    const n = normalizeName(c);
    // A part of the name (prefixes for pathPrefixes) is as likely a slip as a typo.
    if (w.length >= 4 && n.includes(w) && (within === undefined || n.length < normalizeName(within).length)) {
      within = c;
    }
    const d = distance(w, n);
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  if (best === undefined) return undefined;
  if (within !== undefined && bestD > 2) return within;
  const reach = Math.max(2, Math.floor(Math.max(w.length, normalizeName(best).length) / 4));
  // Never "correct" a name into an unrelated one it shares nothing with.
  return bestD <= reach && bestD < w.length ? best : undefined;
}
