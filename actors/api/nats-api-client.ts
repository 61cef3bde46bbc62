// An ApiCall that reaches the leader over NATS request/reply (used by gateways and by followers
// forwarding writes). "No responders" means no leader is serving the API right now: the request was
// not delivered, so it is retried until the deadline, then answered 503. A request that timed out
// after delivery has an unknown outcome: 504.
//
// Unless the call is safe to send again (a read, or a write with an idempotency key: retry-safety.ts):
// then another attempt goes out after `attemptMs` without an answer, the first staying live (the first
// answer wins), until the deadline. A leader that died without closing its connection keeps its
// subscription in the API queue group until nats-server notices, and a request handed to it is never
// answered, while another attempt likely reaches the live leader. A leader merely too slow to answer
// within an attempt is not sent copies: retry-policy.ts allows another attempt only while other answers
// come back quickly, and within a budget; otherwise the attempts already sent are waited for.
//
// Each call is one request; wrap it in createBatchingCall (batch.ts) to send the calls of a turn as one.

import { headers as natsHeaders, type Msg, type NatsConnection, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { ApiErrorCode } from './errors.ts';
import type { ApiCall, ApiReply } from './ops.ts';
import { TIMEOUT_HEADER } from './nats-api-server.ts';
import { decodeReply, encodeRequest } from './wire.ts';
import { apiSubject } from '../transport/subjects.ts';
import { RetryPolicy } from './retry-policy.ts';
import { isRetrySafe } from './retry-safety.ts';

export interface NatsApiClientOptions {
  readonly nc: NatsConnection;
  readonly cluster: string;
  /** Lamport clock of the caller, sent as the request's `clock` and advanced by replies. */
  readonly clock?: { observe(received: number): number; now(): number };
  readonly retryStepMs?: number;
  /** How long a retry-safe call waits for one attempt's reply before sending it again. */
  readonly attemptMs?: number;
  /** Shared by every call of this client; default options DEFAULT_RETRY_POLICY. */
  readonly retryPolicy?: RetryPolicy;
}

export const DEFAULT_ATTEMPT_MS = 1_000;

/** How one attempt ended. */
type Attempt =
  | { readonly kind: 'answered'; readonly msg: Msg }
  | { readonly kind: 'refused' }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'failed'; readonly error: unknown };

export function createNatsApiCall(opts: NatsApiClientOptions): ApiCall {
  const retryStepMs = opts.retryStepMs ?? 25;
  const attemptMs = opts.attemptMs ?? DEFAULT_ATTEMPT_MS;
  const policy = opts.retryPolicy ?? new RetryPolicy();
  return async (op, request, options) => {
    const deadline = Date.now() + options.timeoutMs;
    const body = encodeRequest(opts.clock ? { ...request, clock: Math.max(Number(request.clock ?? 0), opts.clock.now()) } : request);
    const retrySafe = isRetrySafe(op, request);
    policy.sent();
    /** Attempts sent and not yet ended; each waits for its reply until the deadline. */
    const pending = new Set<Promise<Attempt>>();
    let delivered = false;
    const send = (remaining: number) => {
      const h = natsHeaders();
      // The server's budget is the whole remaining deadline: a slow leader still finishes the attempt.
      h.set(TIMEOUT_HEADER, String(Math.max(1, remaining - 5)));
      const sentAt = Date.now();
      const attempt: Promise<Attempt> = opts.nc.request(apiSubject(opts.cluster, op), body, { timeout: remaining, headers: h }).then(
        (msg): Attempt => {
          policy.answered(Date.now() - sentAt);
          return { kind: 'answered', msg };
        },
        (error: unknown): Attempt => (isNoResponders(error) ? { kind: 'refused' } : isTimeout(error) ? { kind: 'timed-out' } : { kind: 'failed', error }),
      );
      pending.add(attempt);
      void attempt.then(() => pending.delete(attempt));
    };
    let mayHedge = retrySafe;
    for (;;) {
      const remaining = deadline - Date.now();
      if (pending.size === 0) {
        // A delivered attempt of a call that is not retry-safe is never sent again.
        if (remaining <= 0 || (delivered && !retrySafe)) return delivered ? timedOut(op, options.timeoutMs, opts) : unavailable('no leader is serving the API', opts);
        send(remaining);
      }
      // A retry-safe call looks again after `attemptMs` without an answer, others wait for the deadline.
      const ended = await firstOf([...pending], mayHedge && remaining > attemptMs ? attemptMs : null);
      if (ended === null) {
        // Unanswered so far: another attempt (the first stays live) if the policy allows it, else
        // the attempts already sent are waited for.
        if (policy.mayRetry(attemptMs)) send(deadline - Date.now());
        else mayHedge = false;
        continue;
      }
      switch (ended.kind) {
        case 'answered': {
          const reply = decodeReply(ended.msg.data) as ApiReply;
          if (opts.clock) opts.clock.observe(reply.lamport);
          return reply;
        }
        case 'refused':
          // Not delivered: no leader serves the group right now. Try again shortly, until the deadline.
          if (pending.size === 0) await new Promise((r) => setTimeout(r, Math.min(retryStepMs, Math.max(0, deadline - Date.now()))));
          break;
        case 'timed-out':
          // Every attempt waits until the deadline: the last one to time out ends the call.
          delivered = true;
          if (pending.size === 0) return timedOut(op, options.timeoutMs, opts);
          break;
        case 'failed':
          if (pending.size === 0) return unavailable(`cannot reach the cluster over NATS: ${ended.error instanceof Error ? ended.error.message : String(ended.error)}`, opts);
          break;
      }
    }
  };
}

/** The first of `attempts` to end, or null after `withinMs` (never, when null) with none ended. */
function firstOf(attempts: readonly Promise<Attempt>[], withinMs: number | null): Promise<Attempt | null> {
  if (withinMs === null) return Promise.race(attempts);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), withinMs)));
  return Promise.race([...attempts, elapsed]).finally(() => clearTimeout(timer));
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
