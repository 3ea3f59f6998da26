/**
 * Whether to colour output: only for a terminal that can show it, and never
 * against the user's wish (NO_COLOR, https://no-color.org, wins over
 * everything). FORCE_COLOR otherwise forces it, so colour survives pipes into
 * pagers such as `less -R`.
 */

export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  // no-color.org: present and not empty, whatever its value.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (!stream.isTTY) return false;
  return env.TERM !== 'dumb';
}
