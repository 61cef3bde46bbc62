// Conditional-write and retry headers: If-Match, If-None-Match and Idempotency-Key.

import type { Context } from 'hono';
import { badRequest } from '../errors.ts';
import { parseNonNegativeInteger } from './numbers.ts';
import { requestHeader } from './request-header.ts';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

export interface WriteConditions {
  /** If-Match: the key's current revision must be this (0 = absent). */
  readonly ifRevision?: number;
  /** If-None-Match: * — create only (a deleted key counts as absent). */
  readonly ifAbsent?: true;
}

/** `If-Match: <rev>` or `"<rev>"` (also the weak form `W/"<rev>"`); `If-None-Match: *`. */
export function writeConditions(c: Context, allowIfAbsent: boolean): WriteConditions {
  const ifMatch = requestHeader(c, 'If-Match');
  const ifNoneMatch = requestHeader(c, 'If-None-Match');
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw badRequest('If-Match and If-None-Match cannot be combined');
  if (ifMatch !== undefined) {
    const unquoted = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(ifMatch)?.[1] ?? ifMatch;
    const revision = parseNonNegativeInteger(unquoted);
    if (revision === null) throw badRequest('If-Match must be a revision: a non-negative integer, optionally quoted ("12")');
    return { ifRevision: revision };
  }
  if (ifNoneMatch !== undefined) {
    if (!allowIfAbsent) throw badRequest('If-None-Match is not supported here');
    if (ifNoneMatch.trim() !== '*') throw badRequest('If-None-Match supports only "*" (create only)');
    return { ifAbsent: true };
  }
  return {};
}

export function idempotencyKey(c: Context): { idempotencyKey?: string } {
  const key = requestHeader(c, 'Idempotency-Key');
  if (key === undefined) return {};
  const trimmed = key.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badRequest(`Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return { idempotencyKey: trimmed };
}
