// Query parameters: each parsed strictly, each failure a 400 naming the parameter.

import type { Context } from 'hono';
import type { Consistency } from '../../actors/api/ops.ts';
import { badRequest } from '../errors.ts';
import { parseNonNegativeInteger } from './numbers.ts';

/** An integer parameter in [min, max], or undefined when absent. */
export function integerParam(c: Context, name: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = c.req.query(name);
  if (text === undefined) return undefined;
  const value = parseNonNegativeInteger(text);
  if (value === null || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw badRequest(`query parameter "${name}" must be ${range} (got ${JSON.stringify(text)})`);
  }
  return value;
}

export function booleanParam(c: Context, name: string): boolean | undefined {
  const text = c.req.query(name);
  if (text === undefined) return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw badRequest(`query parameter "${name}" must be true or false (got ${JSON.stringify(text)})`);
}

export function consistencyParam(c: Context): Consistency {
  const text = c.req.query('consistency');
  if (text === undefined || text === '' || text === 'linearizable') return 'linearizable';
  if (text === 'stale') return 'stale';
  throw badRequest(`query parameter "consistency" must be "linearizable" or "stale" (got ${JSON.stringify(text)})`);
}
