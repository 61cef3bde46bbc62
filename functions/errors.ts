// The HTTP edge of the error model: every failure becomes `{"error":{"code","message"}}` with the
// status of its code (CONTRACT §3), in one place. Expected failures arrive as ApiError; anything else
// is a bug and the only path to a 500.

import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, ApiErrorCode, HTTP_STATUS, toApiError } from '../actors/api/errors.ts';
import type { Backend } from './backend.ts';
import type { AppEnv } from './context.ts';
import { LAMPORT_HEADER } from './middleware/lamport.ts';

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1;

export function badRequest(message: string): ApiError {
  return new ApiError(ApiErrorCode.BadRequest, message);
}

export function tooLarge(message: string): ApiError {
  return new ApiError(ApiErrorCode.TooLarge, message);
}

/** The JSON error response for `error`, with Atlas-Lamport and (for 503) Retry-After. */
export function errorResponse(c: Context<AppEnv>, error: ApiError, backend: Backend): Response {
  const status = HTTP_STATUS[error.code];
  const body = { error: error.toBody() };
  const response = c.json(body, status as 400);
  response.headers.set(LAMPORT_HEADER, String(c.get('replyLamport') ?? backend.lamport()));
  if (error.code === ApiErrorCode.Unavailable) response.headers.set('Retry-After', String(RETRY_AFTER_SECONDS));
  if (error.code === ApiErrorCode.Unauthorized) response.headers.set('WWW-Authenticate', 'Bearer realm="atlas"');
  return response;
}

/** The app's one `onError`. */
export function errorHandler(backend: Backend): ErrorHandler<AppEnv> {
  return function onError(error, c) {
    const apiError = error instanceof HTTPException ? fromHttpException(error) : toApiError(error);
    if (apiError.code === ApiErrorCode.Internal) console.error('atlas http: unexpected error', error);
    return errorResponse(c, apiError, backend);
  };
}

/** Unknown routes (and methods a route does not serve): 404 JSON. */
export function notFoundHandler(backend: Backend): NotFoundHandler<AppEnv> {
  return function notFound(c) {
    return errorResponse(c, new ApiError(ApiErrorCode.NotFound, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), backend);
  };
}

function fromHttpException(error: HTTPException): ApiError {
  const code = (Object.keys(HTTP_STATUS) as ApiErrorCode[]).find((k) => HTTP_STATUS[k] === error.status);
  return new ApiError(code ?? (error.status < 500 ? ApiErrorCode.BadRequest : ApiErrorCode.Internal), error.message || `HTTP ${error.status}`);
}
