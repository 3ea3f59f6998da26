/** How a recorded policy rule reads in a table: what it matches, and for whom. Pure. */

type Body = Readonly<Record<string, unknown>>;

const s = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

/** The destination or binary a rule matches: "tcp 10.0.0.0/8 port 443", "path /usr/bin/nc", "sha256 9f86…". */
export function ruleMatch(kind: string, b: Body): string {
  if (kind === 'exec') {
    const parts: string[] = [];
    if (s(b.path)) parts.push(`path ${s(b.path)}`);
    if (s(b.binary)) parts.push(`binary ${s(b.binary)}`);
    if (s(b.sha256)) parts.push(`sha256 ${s(b.sha256)}`);
    return parts.join(' or ');
  }
  const proto = s(b.protocol) ?? 'any';
  const parts = [proto === 'any' ? 'tcp/udp' : proto, s(b.cidr) ?? 'any address'];
  if (s(b.ports) !== undefined) parts.push(`port ${s(b.ports)}`);
  return parts.join(' ');
}

/** Who it applies to: "cgroup /sys/fs/cgroup/unified/x uid 1000", or "everyone". */
export function ruleScope(b: Body): string {
  const parts: string[] = [];
  if (s(b.cgroup)) parts.push(`cgroup ${s(b.cgroup)}`);
  if (s(b.uid) !== undefined) parts.push(`uid ${s(b.uid)}`);
  return parts.join(' ') || 'everyone';
}

export function ruleWindows(b: Body): string {
  return Array.isArray(b.windows) ? b.windows.map(String).join('; ') : 'always';
}

export function ruleSummary(kind: string, b: Body): string {
  const when = ruleWindows(b);
  return `${s(b.action) ?? '?'} ${ruleMatch(kind, b)} for ${ruleScope(b)}${when === 'always' ? '' : ` during ${when}`}`;
}
