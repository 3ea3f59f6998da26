/** Shapes shared by every route: the error body and simple parameters. */
import { z } from 'zod';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable error code, e.g. BAD_REQUEST, RULE_NOT_FOUND, UNAUTHORIZED'),
      message: z.string().describe('what was wrong and what was expected'),
      field: z.string().optional().describe('the parameter or body field at fault, when one is'),
    }),
  })
  .meta({ id: 'Error' });

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
};

/**
 * A decimal integer in a path or query string, as the CLI reads one: digits
 * only (z.coerce.number() would take 0x1, 1e3, " 7" and 1.0).
 */
export function decimalInteger(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, `must be a decimal integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

export const NumericId = z.object({
  id: decimalInteger(1).describe('numeric id'),
});

export const RuleIdParam = z.object({
  id: z.string().min(1).max(64).describe('rule id'),
});
