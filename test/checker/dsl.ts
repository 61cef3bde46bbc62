import type {
  CasOp,
  DeleteOp,
  GetOp,
  History,
  HistoryEntry,
  KvOp,
  Outcome,
  ProcessId,
  PutOp,
  TxnCompare,
  TxnOp,
  TxnStep,
  TxnStepResult,
} from '../faults/checker/history.ts';

/** Compact hand-written histories for checker tests: `op(process, call, ret, kvOp, outcome)`. */
export type Row = readonly [process: ProcessId, call: number, ret: number, op: KvOp, outcome: Outcome<unknown>];

export function history(...rows: Row[]): History {
  return rows.map(
    ([process, call, ret, op, outcome], id) =>
      ({ id, process, call, ret: outcome.type === 'unknown' ? Number.POSITIVE_INFINITY : ret, op, outcome }) as HistoryEntry,
  );
}

export const put = (key: string, value: string): PutOp => ({ type: 'put', key, value });
export const get = (key: string): GetOp => ({ type: 'get', key });
export const del = (key: string): DeleteOp => ({ type: 'delete', key });
export const cas = (key: string, expected: string | null, value: string): CasOp => ({ type: 'cas', key, expected, value });
export const txn = (compare: TxnCompare[], success: TxnStep[], failure: TxnStep[] = []): TxnOp => ({
  type: 'txn',
  compare,
  success,
  failure,
});

/** Txn steps and their results. */
export const step = {
  put: (key: string, value: string): TxnStep => ({ op: 'put', key, value }),
  get: (key: string): TxnStep => ({ op: 'get', key }),
  del: (key: string): TxnStep => ({ op: 'delete', key }),
};
export const result = {
  put: { op: 'put' } as TxnStepResult,
  get: (value: string | null): TxnStepResult => ({ op: 'get', value }),
  del: (deleted?: boolean): TxnStepResult => (deleted === undefined ? { op: 'delete' } : { op: 'delete', deleted }),
};
/** `when(key, value)`: a txn compare. */
export const when = (key: string, value: string | null): TxnCompare => ({ key, value });

export const ok = (result?: unknown): Outcome<unknown> => ({ type: 'ok', result });
export const fail: Outcome<unknown> = { type: 'fail' };
export const unknown: Outcome<unknown> = { type: 'unknown' };
export const txnOk = (succeeded: boolean, results: TxnStepResult[]): Outcome<unknown> => ok({ succeeded, results });
export const INF = Number.POSITIVE_INFINITY;
