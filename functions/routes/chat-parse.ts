// Request parsing for the chat routes: names from the path, JSON bodies with their allowed fields,
// and the client's Lamport clock (body `clock` and/or the `Atlas-Lamport` header). Every failure is a
// 400 naming the field; a message over the size limit is left to the machine (413).

import type { Context } from 'hono';
import { chatNameProblem, type ChatNameRole } from '../../actors/machines/chat/validation.ts';
import type { AppConfig, AppEnv } from '../context.ts';
import { badRequest } from '../errors.ts';
import { readJsonObject } from '../parse/body.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';

/** Largest chat request body; message texts are bounded far below it by the machine. */
const MAX_CHAT_BODY_BYTES = 64 * 1024;

/** A user or channel name taken from the path. */
export function pathName(c: Context<AppEnv>, param: string, role: ChatNameRole): string {
  const value = c.req.param(param);
  const problem = chatNameProblem(value, role);
  if (problem) throw badRequest(problem);
  return value!;
}

/**
 * The JSON body, refusing unknown fields. `clock` (the client's Lamport clock) and `timestamp` (sent
 * by seed 001 clients, informative only) are accepted everywhere. `fixed` fields may repeat a path
 * parameter and must then equal it.
 */
export async function chatBody(
  c: Context<AppEnv>,
  config: AppConfig,
  allowed: readonly string[],
  fixed: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>> {
  const body = await readJsonObject(c, MAX_CHAT_BODY_BYTES);
  for (const field of Object.keys(body)) {
    if (field === 'clock' || field === 'timestamp') continue;
    if (field in fixed) {
      if (body[field] !== fixed[field]) throw badRequest(`body."${field}" must match the path (${JSON.stringify(fixed[field])})`);
      continue;
    }
    if (!allowed.includes(field)) throw badRequest(`unknown field ${JSON.stringify(field)}; expected ${[...allowed, 'clock'].join(', ')}`);
  }
  observeBodyClock(c, config, body.clock);
  return body;
}

/** A required body name (user, channel, src). */
export function bodyName(body: Record<string, unknown>, field: ChatNameRole): string {
  const problem = chatNameProblem(body[field], field);
  if (problem) throw badRequest(`body.${problem}`);
  return body[field] as string;
}

/** A required message text; its length is checked by the machine (413 too_large). */
export function bodyMessage(body: Record<string, unknown>): string {
  const value = body.message;
  if (typeof value !== 'string' || value.length === 0) throw badRequest('body."message" must be a non-empty string');
  return value;
}

/** A read's client clock may come as `?clock=N` (GET has no body). */
export function queryClock(c: Context<AppEnv>, config: AppConfig): void {
  const text = c.req.query('clock');
  if (text === undefined) return;
  const clock = parseNonNegativeInteger(text);
  if (clock === null) throw badRequest(`query parameter "clock" must be a non-negative integer (got ${JSON.stringify(text)})`);
  observeBodyClock(c, config, clock);
}

/**
 * Lamport receive rule for a client clock: the serving process advances past it, and the request to the
 * cluster carries max(header clock, body clock) so the replica that serves it advances too.
 */
function observeBodyClock(c: Context<AppEnv>, config: AppConfig, clock: unknown): void {
  if (clock === undefined || clock === null) return;
  if (typeof clock !== 'number' || !Number.isSafeInteger(clock) || clock < 0) throw badRequest('"clock" must be a non-negative integer');
  config.backend.observeLamport(clock);
  c.set('clientClock', Math.max(c.get('clientClock') ?? 0, clock));
}
