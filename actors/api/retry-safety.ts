// Which API calls a client may send again after a request timed out with its outcome unknown.
//
// A request that was delivered and timed out may still be carried out. Sending it again is safe when
// doing it twice is the same as doing it once: reads, and writes that carry an idempotency key (the
// leader's dedup table answers the second with the first's outcome). Any other write is not retried:
// its caller gets the timeout (504, outcome unknown) and decides.

import { CHAT_WRITE_OPS } from './chat-op-names.ts';
import type { ApiOp } from './ops.ts';

/** Ops that change replicated state or cluster membership/leadership. */
const WRITE_OPS: ReadonlySet<string> = new Set<string>([
  'kv.put',
  'kv.delete',
  'txn',
  'propose',
  'members.add',
  'members.promote',
  'members.remove',
  'leader.transfer',
  ...CHAT_WRITE_OPS,
  // Not a write, but each call holds a backup on the replica (backup-ops.ts): not sent twice.
  'snapshot.begin',
]);

export function isRetrySafe(op: ApiOp, request: Record<string, unknown>): boolean {
  if (op === 'batch') {
    const calls = request.calls;
    return Array.isArray(calls) && calls.every((c) => isRetrySafeCall(c));
  }
  return !WRITE_OPS.has(op) || typeof request.idempotencyKey === 'string';
}

function isRetrySafeCall(call: unknown): boolean {
  if (typeof call !== 'object' || call === null) return false;
  const { op, request } = call as { op?: unknown; request?: unknown };
  if (typeof op !== 'string' || op === 'batch' || typeof request !== 'object' || request === null) return false;
  return isRetrySafe(op as ApiOp, request as Record<string, unknown>);
}
