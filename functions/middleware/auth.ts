// Bearer-token authentication for the /v1 routes (CONTRACT §3: with ATLAS_TOKEN set, 401 without
// `Authorization: Bearer <token>`). /health and /metrics are mounted outside it and stay open.

import type { MiddlewareHandler } from 'hono';
import { ApiError, ApiErrorCode } from '../../actors/api/errors.ts';
import type { AppEnv } from '../context.ts';
import { requestHeader } from '../parse/request-header.ts';

export function bearerAuth(token: string): MiddlewareHandler<AppEnv> {
  const expected = new TextEncoder().encode(token);
  return async function bearerAuth(c, next) {
    const header = requestHeader(c, 'Authorization');
    if (header === undefined) throw new ApiError(ApiErrorCode.Unauthorized, 'this API requires Authorization: Bearer <token>');
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match || !sameBytes(new TextEncoder().encode(match[1]!), expected)) {
      throw new ApiError(ApiErrorCode.Unauthorized, 'the bearer token is not valid');
    }
    await next();
  };
}

/** Compares equal-length inputs in time independent of where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
