/** Alerts: listing, one alert with its deliveries, acknowledgement, stream. */
import { z } from 'zod';
import { SEVERITIES } from '../../../domain/rules/rule.ts';
import { decimalInteger } from './common.ts';

export const Delivery = z
  .object({
    alertId: z.number().int(),
    sink: z.string(),
    state: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptUs: z.number().int(),
    lastError: z.string().nullable(),
    deliveredUs: z.number().int().nullable(),
  })
  .meta({ id: 'Delivery' });

export const Alert = z
  .object({
    id: z.number().int(),
    timeUs: z.number().int(),
    ruleId: z.string(),
    severity: z.enum(SEVERITIES),
    title: z.string(),
    details: z.record(z.string(), z.unknown()),
    eventIds: z.array(z.number().int()),
    eventTypes: z.array(z.string()),
    dedupeKey: z.string(),
    tags: z.array(z.string()),
    suppressed: z.number().int().describe('repeats folded into this alert by dedupe/throttle'),
    ackedUs: z.number().int().nullable(),
    deliveries: z.array(Delivery),
  })
  .meta({ id: 'Alert' });

export const AlertsQuery = z
  .object({
    severity: z.enum(SEVERITIES).optional().describe('at least this severity'),
    rule: z.string().min(1).optional().describe('only this rule id'),
    since: z.string().optional().describe('only alerts at or after this time (10m, 2h, an ISO time...)'),
    limit: decimalInteger(1, 100_000).default(100).describe('newest alerts to return'),
  })
  .strict();

export const StreamAlertsQuery = z
  .object({
    severity: z.enum(SEVERITIES).optional().describe('at least this severity'),
    rule: z.string().min(1).optional().describe('only this rule id'),
    after: decimalInteger(0).optional().describe('resume after this alert id (default: from now)'),
  })
  .strict();
