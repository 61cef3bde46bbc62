// The `batch` operation: several API calls in one request, answered by one reply with their replies
// in order. Followers forwarding writes and gateways send every call of an event-loop turn as one
// batch, so the leader handles one NATS message (one header block, one timer, one reply) per turn
// instead of one per call. Calls inside a batch run concurrently and independently: each has its own
// outcome, and one failing never fails the others.
//
// Request: { calls: [{ op, request, timeoutMs? }, ...] }  (at most MAX_BATCH_CALLS, no nested batch)
// Reply:   { replies: [ApiReply, ...] }                    (same length and order as `calls`)

import { ApiErrorCode } from './errors.ts';
import { deferToTurnEnd } from './next-turn.ts';
import { type ApiCall, type ApiCallOptions, type ApiOp, type ApiReply, isApiOp } from './ops.ts';

export const MAX_BATCH_CALLS = 1_024;

export interface BatchCall {
  readonly op: string;
  readonly request: Record<string, unknown>;
  readonly timeoutMs?: number;
}

export interface BatchReply {
  readonly replies: readonly ApiReply[];
}

/** Runs a batch request's calls through `call`; every call gets a reply, malformed ones an error. */
export async function runBatch(call: ApiCall, request: Record<string, unknown>, options: ApiCallOptions, lamport: () => number): Promise<ApiReply<BatchReply>> {
  const calls = request.calls;
  if (!Array.isArray(calls)) return batchError('"calls" must be an array of { op, request }', lamport());
  if (calls.length > MAX_BATCH_CALLS) return batchError(`a batch holds at most ${MAX_BATCH_CALLS} calls, got ${calls.length}`, lamport());
  const replies = await Promise.all(
    calls.map((item: unknown): Promise<ApiReply> | ApiReply => {
      const problem = batchCallProblem(item);
      if (problem) return batchError(problem, lamport());
      const c = item as BatchCall;
      const timeoutMs = typeof c.timeoutMs === 'number' && c.timeoutMs > 0 ? Math.min(c.timeoutMs, options.timeoutMs) : options.timeoutMs;
      return call(c.op as ApiOp, c.request, { ...options, timeoutMs });
    }),
  );
  return { ok: true, result: { replies }, lamport: lamport() };
}

function batchCallProblem(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'each batch call must be an object { op, request }';
  const { op, request } = item as Record<string, unknown>;
  if (typeof op !== 'string' || !isApiOp(op)) return `unknown operation ${JSON.stringify(op)}`;
  if (op === 'batch') return 'a batch cannot contain a batch';
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return 'each batch call needs a "request" object';
  return null;
}

function batchError(message: string, lamport: number): ApiReply<never> {
  return { ok: false, error: { code: ApiErrorCode.BadRequest, message }, lamport };
}

/** Batches stay well under NATS's default 1 MiB max_payload; a call estimated above this travels alone. */
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Wraps `inner` so that the calls made during one event-loop turn travel as `batch` calls of at most
 * MAX_BATCH_CALLS calls and about MAX_BATCH_BYTES (a lone call travels as itself). A failed batch
 * (timeout, no leader) is that failure for each of its calls.
 */
export function createBatchingCall(inner: ApiCall): ApiCall {
  type Pending = { op: ApiOp; request: Record<string, unknown>; options: ApiCallOptions; resolve: (reply: ApiReply) => void };
  let pending: Pending[] = [];
  const send = (group: Pending[]) => {
    if (group.length === 1) {
      const only = group[0]!;
      void inner(only.op, only.request, only.options).then(only.resolve, (error: unknown) => only.resolve(internalError(error)));
      return;
    }
    const timeoutMs = Math.max(...group.map((p) => p.options.timeoutMs));
    const calls: BatchCall[] = group.map((p) => ({ op: p.op, request: p.request, timeoutMs: p.options.timeoutMs }));
    void inner('batch', { calls }, { timeoutMs, forwarded: group.every((p) => p.options.forwarded === true) }).then((reply) => {
      const replies = reply.ok ? (reply.result as BatchReply).replies : null;
      group.forEach((p, i) => p.resolve(replies?.[i] ?? (reply.ok ? batchError('the batch reply is missing this call', reply.lamport) : reply)));
    }, (error: unknown) => group.forEach((p) => p.resolve(internalError(error))));
  };
  const flush = () => {
    const all = pending;
    pending = [];
    let group: Pending[] = [];
    let bytes = 0;
    for (const p of all) {
      const size = approximateBytes(p.request, 0);
      if (group.length > 0 && (bytes + size > MAX_BATCH_BYTES || group.length >= MAX_BATCH_CALLS)) {
        send(group);
        group = [];
        bytes = 0;
      }
      group.push(p);
      bytes += size;
    }
    if (group.length > 0) send(group);
  };
  return (op, request, options) =>
    new Promise<ApiReply>((resolve) => {
      if (op === 'batch') {
        void inner(op, request, options).then(resolve, (error: unknown) => resolve(internalError(error)));
        return;
      }
      pending.push({ op, request, options, resolve });
      if (pending.length === 1) deferToTurnEnd(flush);
    });
}

/** ApiCalls never throw; if one does anyway, its callers still get an answer. */
function internalError(error: unknown): ApiReply<never> {
  return { ok: false, error: { code: ApiErrorCode.Internal, message: error instanceof Error ? error.message : String(error) }, lamport: 0 };
}

/** An upper-bound guess of a request's encoded size: bytes, strings at 3 bytes a unit, 16 per other value. */
function approximateBytes(value: unknown, depth: number): number {
  if (value instanceof Uint8Array) return value.byteLength + 8;
  if (typeof value === 'string') return value.length * 3 + 8;
  if (typeof value !== 'object' || value === null) return 16;
  if (depth > 8) return MAX_BATCH_BYTES;
  let total = 16;
  for (const [key, child] of Object.entries(value)) total += key.length + approximateBytes(child, depth + 1);
  return total;
}
