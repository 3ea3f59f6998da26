/** Which sinks an alert goes to: every route it matches contributes its sinks. */
import { type AlertDraft, type Severity, severityRank } from './rule.ts';

export interface Route {
  readonly sinks: readonly string[];
  /** Lowest severity this route takes (default: low, i.e. all). */
  readonly minSeverity?: Severity;
  /** Any of these tags (default: any alert). */
  readonly tags?: readonly string[];
  /** Any of these event types (default: any alert). */
  readonly eventTypes?: readonly string[];
  /** Any of these rule ids (default: any rule). */
  readonly rules?: readonly string[];
}

export function routeMatches(route: Route, alert: AlertDraft): boolean {
  if (route.minSeverity && severityRank(alert.severity) < severityRank(route.minSeverity)) return false;
  if (route.tags?.length && !route.tags.some((t) => alert.tags.includes(t))) return false;
  if (route.eventTypes?.length && !route.eventTypes.some((t) => alert.eventTypes.includes(t))) return false;
  if (route.rules?.length && !route.rules.includes(alert.ruleId)) return false;
  return true;
}

/** Sink names for an alert, each once, in route order. */
export function routeAlert(routes: readonly Route[], alert: AlertDraft): string[] {
  const out = new Set<string>();
  for (const r of routes) if (routeMatches(r, alert)) for (const s of r.sinks) out.add(s);
  return [...out];
}
