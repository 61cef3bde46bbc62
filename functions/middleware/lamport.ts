// Lamport clocks across HTTP: a request's `Atlas-Lamport` header is the client's clock, which the
// backend observes before serving; every response carries the serving process's clock after the
// operation (the backend reply's clock when there was a reply, else the backend's clock now).
//
// Hot routes answer with `stampedResponse`, which writes Atlas-Lamport into the response's plain
// header record up front; the middleware then leaves that response alone. Setting a header on a
// finished response afterwards turns its header record into a `Headers` object, which costs more
// per request than the rest of the response (measured in the node host).

import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, ApiErrorCode } from '../../actors/api/errors.ts';
import type { Backend } from '../backend.ts';
import type { AppEnv } from '../context.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';
import { requestHeader } from '../parse/request-header.ts';

export const LAMPORT_HEADER = 'Atlas-Lamport';

/** Responses that already carry Atlas-Lamport. */
const stamped = new WeakSet<Response>();

export function lamportClock(backend: Backend): MiddlewareHandler<AppEnv> {
  return async function lamport(c, next) {
    const header = requestHeader(c, LAMPORT_HEADER);
    if (header !== undefined) {
      const clock = parseNonNegativeInteger(header);
      if (clock === null) throw new ApiError(ApiErrorCode.BadRequest, `${LAMPORT_HEADER} must be a non-negative integer`);
      c.set('clientClock', clock);
      backend.observeLamport(clock);
    }
    await next();
    if (stamped.has(c.res)) return;
    c.res.headers.set(LAMPORT_HEADER, String(c.get('replyLamport') ?? backend.lamport()));
  };
}

/**
 * A response with `headers` plus Atlas-Lamport set to the clock of the backend reply this request
 * got (`callBackend` records it; call this only after one succeeded).
 */
export function stampedResponse(
  c: Context<AppEnv>,
  body: string | Uint8Array<ArrayBuffer>,
  status: number,
  headers: Record<string, string>,
): Response {
  headers[LAMPORT_HEADER] = String(c.get('replyLamport') ?? 0);
  const response = new Response(body, { status, headers });
  stamped.add(response);
  return response;
}

/** A JSON response stamped with the reply's Lamport clock (see `stampedResponse`). */
export function stampedJson(c: Context<AppEnv>, value: unknown, status = 200): Response {
  return stampedResponse(c, JSON.stringify(value), status, { 'Content-Type': 'application/json' });
}
