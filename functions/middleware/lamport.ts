// Lamport clocks across HTTP: a request's `Atlas-Lamport` header is the client's clock, which the
// backend observes before serving; every response carries the serving process's clock after the
// operation (the backend reply's clock when there was a reply, else the backend's clock now).

import type { MiddlewareHandler } from 'hono';
import { ApiError, ApiErrorCode } from '../../actors/api/errors.ts';
import type { Backend } from '../backend.ts';
import type { AppEnv } from '../context.ts';
import { parseNonNegativeInteger } from '../parse/numbers.ts';
import { requestHeader } from '../parse/request-header.ts';

export const LAMPORT_HEADER = 'Atlas-Lamport';

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
    c.res.headers.set(LAMPORT_HEADER, String(c.get('replyLamport') ?? backend.lamport()));
  };
}
