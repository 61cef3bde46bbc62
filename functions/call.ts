// Runs one API operation on the backend for an HTTP request: adds the client's Lamport clock, bounds
// the wait (a backend that never answers still yields a 504, never a hang), records the reply's clock
// for the Atlas-Lamport header, and turns an error reply into a thrown ApiError for `onError`.

import type { Context } from 'hono';
import { ApiError, ApiErrorCode, HTTP_STATUS, toApiError, withDeadline } from '../actors/api/errors.ts';
import type { ApiOp } from '../actors/api/ops.ts';
import type { AppConfig, AppEnv } from './context.ts';

/** Extra wait beyond the backend's own deadline before the edge gives up on a reply. */
const REPLY_GRACE_MS = 250;

export async function callBackend<T>(
  c: Context<AppEnv>,
  config: AppConfig,
  op: ApiOp,
  request: Record<string, unknown>,
): Promise<T> {
  const clock = c.get('clientClock');
  const withClock = clock === undefined ? request : { ...request, clock };
  let reply;
  try {
    reply = await withDeadline(
      config.backend.call(op, withClock, { timeoutMs: config.requestTimeoutMs }),
      config.requestTimeoutMs + REPLY_GRACE_MS,
      op,
    );
  } catch (error) {
    throw toApiError(error);
  }
  c.set('replyLamport', reply.lamport);
  if (reply.ok) return reply.result as T;
  const { code, message, revision, leader } = reply.error;
  const known = Object.hasOwn(HTTP_STATUS, code) ? code : ApiErrorCode.Internal;
  throw new ApiError(known, message, {
    ...(revision !== undefined ? { revision } : {}),
    ...(leader !== undefined ? { leader } : {}),
  });
}
