// An ApiCall that reaches the leader over NATS request/reply (used by gateways and by followers
// forwarding writes). "No responders" means no leader is serving the API right now: the request was
// not delivered, so it is retried until the deadline, then answered 503. A request that timed out
// after delivery has an unknown outcome: 504, unless the call is safe to send again (a read, or a write
// with an idempotency key: retry-safety.ts). Such calls wait at most `attemptMs` for each attempt and
// then try again, until their deadline: a leader that died without closing its connection keeps its
// subscription in the API queue group until nats-server notices, and a request the server hands to
// it is never answered, while another attempt likely reaches the live leader. Each call is one
// request; wrap it in createBatchingCall (batch.ts) to send the calls of a turn as one.

import { headers as natsHeaders, type NatsConnection, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { ApiErrorCode } from './errors.ts';
import type { ApiCall, ApiReply } from './ops.ts';
import { TIMEOUT_HEADER } from './nats-api-server.ts';
import { decodeReply, encodeRequest } from './wire.ts';
import { apiSubject } from '../transport/subjects.ts';
import { isRetrySafe } from './retry-safety.ts';

export interface NatsApiClientOptions {
  readonly nc: NatsConnection;
  readonly cluster: string;
  /** Lamport clock of the caller, sent as the request's `clock` and advanced by replies. */
  readonly clock?: { observe(received: number): number; now(): number };
  readonly retryStepMs?: number;
  /** How long a retry-safe call waits for one attempt's reply before sending it again. */
  readonly attemptMs?: number;
}

export const DEFAULT_ATTEMPT_MS = 1_000;

export function createNatsApiCall(opts: NatsApiClientOptions): ApiCall {
  const retryStepMs = opts.retryStepMs ?? 25;
  const retrySafeAttemptMs = opts.attemptMs ?? DEFAULT_ATTEMPT_MS;
  return async (op, request, options) => {
    const deadline = Date.now() + options.timeoutMs;
    const body = encodeRequest(opts.clock ? { ...request, clock: Math.max(Number(request.clock ?? 0), opts.clock.now()) } : request);
    const attemptMs = isRetrySafe(op, request) ? retrySafeAttemptMs : Infinity;
    let attemptTimedOut = false;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        if (attemptTimedOut) return timedOut(op, options.timeoutMs, opts);
        return unavailable('no leader is serving the API', opts);
      }
      const h = natsHeaders();
      // The server's budget is the whole remaining deadline: a slow leader still finishes the first attempt.
      h.set(TIMEOUT_HEADER, String(Math.max(1, remaining - 5)));
      const waitMs = Math.min(remaining, attemptMs);
      try {
        const msg = await opts.nc.request(apiSubject(opts.cluster, op), body, { timeout: waitMs, headers: h });
        const reply = decodeReply(msg.data) as ApiReply;
        if (opts.clock) opts.clock.observe(reply.lamport);
        return reply;
      } catch (error) {
        if (isNoResponders(error)) {
          await new Promise((r) => setTimeout(r, Math.min(retryStepMs, Math.max(0, deadline - Date.now()))));
          continue;
        }
        if (isTimeout(error)) {
          if (waitMs < remaining) {
            attemptTimedOut = true;
            continue;
          }
          return timedOut(op, options.timeoutMs, opts);
        }
        return unavailable(`cannot reach the cluster over NATS: ${error instanceof Error ? error.message : String(error)}`, opts);
      }
    }
  };
}

function isNoResponders(error: unknown): boolean {
  if (error instanceof NoRespondersError) return true;
  if (error instanceof RequestError) return error.isNoResponders();
  return false;
}

function isTimeout(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  return error instanceof Error && error.cause instanceof TimeoutError;
}

function timedOut(op: string, timeoutMs: number, opts: NatsApiClientOptions): ApiReply {
  return failure(ApiErrorCode.Timeout, `${op} timed out after ${timeoutMs} ms; the outcome is unknown (retry with the same Idempotency-Key)`, opts);
}

function unavailable(message: string, opts: NatsApiClientOptions): ApiReply {
  return failure(ApiErrorCode.Unavailable, message, opts);
}

function failure(code: ApiErrorCode, message: string, opts: NatsApiClientOptions): ApiReply {
  return { ok: false, error: { code, message }, lamport: opts.clock?.now() ?? 0 };
}
