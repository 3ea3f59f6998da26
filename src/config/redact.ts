/** Secrets are never shown: in `config show`, reload logs or messages. */

/** Keys holding a secret itself (not the name of a variable holding one, like secretEnv). */
export function isSecretKey(key: string | number): boolean {
  const k = String(key);
  return /(secret|pass(word)?|token|apikey|privatekey)$/i.test(k);
}

export const REDACTED = '(redacted)';

/** A copy with every secret value replaced. */
export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, isSecretKey(k) && x !== undefined ? REDACTED : redact(x)]),
  );
}
