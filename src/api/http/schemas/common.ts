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

export const NumericId = z.object({
  id: z.coerce.number().int().min(1).describe('numeric id'),
});

export const RuleIdParam = z.object({
  id: z.string().min(1).max(64).describe('rule id'),
});
