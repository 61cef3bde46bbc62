// The client-facing error vocabulary (CONTRACT §3) and the one mapping from internal errors to it.
// HTTP maps each code to one status; NATS replies carry the same `{ error: { code, message } }`.

import { CommandRejectedError } from '../machines/errors.ts';
import { ConfigChangeRefusedError, NotLeaderError, ProposalDroppedError } from '../raft/errors.ts';
import { ReplicaFailedError } from '../replica/replica.ts';
import { OutcomeUnknownError, ProposalLostError } from '../replica/waiters.ts';

export const ApiErrorCode = {
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  NotFound: 'not_found',
  Compacted: 'compacted',
  PreconditionFailed: 'precondition_failed',
  TooLarge: 'too_large',
  Unavailable: 'unavailable',
  Timeout: 'timeout',
  Internal: 'internal',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  compacted: 410,
  precondition_failed: 412,
  too_large: 413,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

export interface ApiErrorBody {
  readonly code: ApiErrorCode;
  readonly message: string;
  /** precondition_failed: the key's current revision (0 when absent). compacted: oldest revision kept. */
  readonly revision?: number;
  /** unavailable: the leader this replica knows of, if any. */
  readonly leader?: string | null;
}

/** An expected failure carried through the API layers. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { revision?: number; leader?: string | null } = {},
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

/** A deadline passed before the outcome was known. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** Maps any error thrown below the API to its client-facing form. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CommandRejectedError) return new ApiError(error.code, error.message);
  if (error instanceof NotLeaderError) {
    return new ApiError(ApiErrorCode.Unavailable, error.message, { leader: error.leaderHint });
  }
  if (error instanceof ProposalDroppedError || error instanceof ProposalLostError || error instanceof ReplicaFailedError) {
    return new ApiError(ApiErrorCode.Unavailable, error.message);
  }
  if (error instanceof ConfigChangeRefusedError) return new ApiError(ApiErrorCode.PreconditionFailed, error.message);
  if (error instanceof DeadlineError || error instanceof OutcomeUnknownError) {
    return new ApiError(ApiErrorCode.Timeout, `${error.message}; the outcome is unknown (retry with the same Idempotency-Key)`);
  }
  return new ApiError(ApiErrorCode.Internal, error instanceof Error ? error.message : String(error));
}

/** Resolves or rejects with DeadlineError after `ms`, whichever first. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError(`${what} timed out after ${Math.round(ms)} ms`)), Math.max(0, ms));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
