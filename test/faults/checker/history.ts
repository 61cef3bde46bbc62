/**
 * Histories of Atlas key-value operations as concurrent clients observed them: the input of the
 * linearizability checker.
 *
 * Model: every key is a register holding a string value or absent (`null`). The checker reasons on
 * values only (revisions are ignored), so a history should write each value at most once per key.
 *
 * Outcomes:
 * - `ok`: the operation took effect exactly once between `call` and `ret`, and `result` is what it
 *   returned. For `cas`, `ok` means the swap happened.
 * - `fail`: the operation definitely did not take effect. For `cas` it means the compare failed: at
 *   some instant between `call` and `ret` the value differed from `expected`. A cas refused before
 *   its compare was evaluated (no leader, overload) must be recorded as `unknown` instead.
 * - `unknown` (timeout, connection lost): it may or may not have taken effect, at any time after
 *   `call`. Its `ret` is +Infinity.
 */

/** A client: numbers render as `p3`, strings as themselves. */
export type ProcessId = number | string;

export interface PutOp {
  readonly type: 'put';
  readonly key: string;
  readonly value: string;
}

export interface DeleteOp {
  readonly type: 'delete';
  readonly key: string;
}

export interface GetOp {
  readonly type: 'get';
  readonly key: string;
}

/** Compare-and-swap on the value; `casRevision` (the `If-Match` sent) is recorded but never checked. */
export interface CasOp {
  readonly type: 'cas';
  readonly key: string;
  /** `null` = the key must be absent (`If-None-Match: *`). */
  readonly expected: string | null;
  readonly value: string;
  readonly casRevision?: number;
}

/** One compare of a txn: the key's current value equals `value` (`null` = absent). */
export interface TxnCompare {
  readonly key: string;
  readonly value: string | null;
}

export type TxnStep =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'get'; readonly key: string };

/**
 * Atomic multi-key transaction: if every compare holds, the `success` steps run, else the `failure`
 * steps, in order, each seeing the writes of the steps before it.
 */
export interface TxnOp {
  readonly type: 'txn';
  readonly compare: readonly TxnCompare[];
  readonly success: readonly TxnStep[];
  readonly failure: readonly TxnStep[];
}

export type KvOp = PutOp | DeleteOp | GetOp | CasOp | TxnOp;

/** `deleted` (when known): whether the key held a value just before the delete. */
export interface DeleteResult {
  readonly deleted?: boolean;
}

/** `results[i]` belongs to step i of the branch that ran; its `op` must match that step's. */
export type TxnStepResult =
  | { readonly op: 'get'; readonly value: string | null }
  | { readonly op: 'put' }
  | { readonly op: 'delete'; readonly deleted?: boolean };

export interface TxnResult {
  readonly succeeded: boolean;
  readonly results: readonly TxnStepResult[];
}

/** What an `ok` operation returned, per operation type; a get returns the value or `null` (absent). */
export interface OkResults {
  put: undefined;
  delete: DeleteResult | undefined;
  get: string | null;
  cas: undefined;
  txn: TxnResult;
}

export type ResultOf<O extends KvOp> = OkResults[O['type']];

export type Outcome<R> =
  | { readonly type: 'ok'; readonly result: R }
  | { readonly type: 'fail' }
  | { readonly type: 'unknown' };

/** One operation. Times are milliseconds on one monotonic clock; `ret` is +Infinity when unknown. */
export interface EntryOf<O extends KvOp> {
  readonly id: number;
  readonly process: ProcessId;
  readonly call: number;
  readonly ret: number;
  readonly op: O;
  readonly outcome: Outcome<ResultOf<O>>;
}

export type PutEntry = EntryOf<PutOp>;
export type DeleteEntry = EntryOf<DeleteOp>;
export type GetEntry = EntryOf<GetOp>;
export type CasEntry = EntryOf<CasOp>;
export type TxnEntry = EntryOf<TxnOp>;
export type HistoryEntry = PutEntry | DeleteEntry | GetEntry | CasEntry | TxnEntry;
export type History = readonly HistoryEntry[];

/** Completes one invoked operation; exactly one of the three may be called, once. */
export interface OperationHandle<R> {
  /** The entry's id in the history. */
  readonly id: number;
  ok(...result: undefined extends R ? [result?: R] : [result: R]): void;
  fail(): void;
  unknown(): void;
}

export interface HistoryRecorderOptions {
  /** Monotonic milliseconds; `performance.now()` by default. */
  readonly clock?: () => number;
}

type MutableEntry = { -readonly [K in keyof EntryOf<KvOp>]: EntryOf<KvOp>[K] };

/**
 * Records a history from concurrent clients. Times are milliseconds since the recorder was created.
 * Operations still in flight when `history()` is taken appear as `unknown`.
 */
export class HistoryRecorder {
  readonly #clock: () => number;
  readonly #originMs: number;
  readonly #entries: MutableEntry[] = [];
  readonly #completed: boolean[] = [];

  constructor(options: HistoryRecorderOptions = {}) {
    this.#clock = options.clock ?? (() => performance.now());
    this.#originMs = this.#clock();
  }

  invoke<O extends KvOp>(process: ProcessId, op: O): OperationHandle<ResultOf<O>> {
    const id = this.#entries.length;
    const entry: MutableEntry = {
      id,
      process,
      call: this.#now(),
      ret: Number.POSITIVE_INFINITY,
      op,
      outcome: { type: 'unknown' },
    };
    this.#entries.push(entry);
    this.#completed.push(false);
    const complete = (outcome: Outcome<unknown>, ret: number): void => {
      if (this.#completed[id]) throw new Error(`operation ${id} was already completed`);
      this.#completed[id] = true;
      entry.ret = ret;
      entry.outcome = outcome as EntryOf<KvOp>['outcome'];
    };
    return {
      id,
      ok: (...result: unknown[]) => complete({ type: 'ok', result: result[0] }, this.#now()),
      fail: () => complete({ type: 'fail' }, this.#now()),
      unknown: () => complete({ type: 'unknown' }, Number.POSITIVE_INFINITY),
    } as OperationHandle<ResultOf<O>>;
  }

  /** A snapshot, in invocation order (`history[i].id === i`). */
  history(): History {
    return this.#entries.map((entry) => ({ ...entry }) as HistoryEntry);
  }

  #now(): number {
    return this.#clock() - this.#originMs;
  }
}
