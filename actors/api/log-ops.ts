// The ledger's API operations: `log.read` (GET /v1/log) and `log.verify` (GET /v1/log/verify), served
// from the local replica's applied log; no leader is needed (committed entries never change).

import { LogCompactedError, LogMovingError, readLog, verifyHeldLog, type LedgerSource, type LogPage } from '../ledger/log-view.ts';
import type { LedgerReport } from '../ledger/verify.ts';
import { ApiError, ApiErrorCode } from './errors.ts';
import type { LogOp } from './log-op-names.ts';

/** `log.read` takes optional non-negative integers `from` and `limit`; entries below the snapshot are `compacted`. */
export async function runLogOp(op: LogOp, request: Record<string, unknown>, source: LedgerSource): Promise<LogPage | LedgerReport> {
  if (op === 'log.verify') {
    try {
      return await verifyHeldLog(source);
    } catch (error) {
      if (error instanceof LogMovingError) throw new ApiError(ApiErrorCode.Unavailable, error.message);
      throw error;
    }
  }
  const from = optionalIndex(request, 'from');
  const limit = optionalIndex(request, 'limit');
  try {
    return readLog(source, from, limit);
  } catch (error) {
    if (!(error instanceof LogCompactedError)) throw error;
    throw new ApiError(ApiErrorCode.Compacted, `${error.message}; the first entry held is ${error.firstIndex}`);
  }
}

function optionalIndex(request: Record<string, unknown>, name: string): number | undefined {
  const value = request[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ApiError(ApiErrorCode.BadRequest, `"${name}" must be a non-negative integer`);
  }
  return value;
}
