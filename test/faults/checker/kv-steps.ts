import type {
  CasEntry,
  DeleteEntry,
  GetEntry,
  HistoryEntry,
  PutEntry,
  TxnEntry,
  TxnStep,
  TxnStepResult,
} from './history.ts';

/**
 * The sequential specification of Atlas's key-value API: each recorded operation compiled into a
 * step from a state to the next, or to undefined when its recorded result is impossible there.
 * The checker reasons on values only: revisions are not modelled.
 */

/** `values[i]` is the value of the partition's `keys[i]` (`null` = absent); `key` identifies it. */
export interface KvState {
  readonly values: readonly (string | null)[];
  readonly key: string;
}

/** Named error for histories the checker cannot interpret; the message names the entry. */
export class MalformedHistoryError extends Error {
  override readonly name = 'MalformedHistoryError';
  constructor(
    message: string,
    readonly entryId: number,
  ) {
    super(`history entry ${entryId}: ${message}`);
  }
}

export type Step = (state: KvState) => KvState | undefined;

export interface StepContext {
  /** The index of a key in KvState.values. */
  slot(key: string): number;
  /** How a written value is stored: itself, or the opaque value when nothing references it. */
  stored(key: string, value: string): string;
}

/**
 * The step of a recorded operation, or undefined when it cannot affect the outcome and is left out
 * (a definite failure other than a cas, a read whose outcome is unknown). Throws
 * MalformedHistoryError for results it cannot interpret.
 * - put, delete: set the value (`deleted`, when reported, must match presence);
 * - get: the value must equal the result;
 * - cas: ok = the value was `expected` and is now `value`; fail = the value was not `expected`;
 *   unknown = swaps if the value is `expected`;
 * - txn: the compares pick the branch (which must match `succeeded`); its steps run in order, each
 *   get result must match, each seeing the writes of the steps before it.
 */
export function compileStep(entry: HistoryEntry, context: StepContext): Step | undefined {
  switch (entry.op.type) {
    case 'put':
      return putStep(entry as PutEntry, context);
    case 'delete':
      return deleteStep(entry as DeleteEntry, context);
    case 'get':
      return getStep(entry as GetEntry, context);
    case 'cas':
      return casStep(entry as CasEntry, context);
    case 'txn':
      return txnStep(entry as TxnEntry, context);
  }
}

function putStep(entry: PutEntry, context: StepContext): Step | undefined {
  if (entry.outcome.type === 'fail') return undefined;
  const index = context.slot(entry.op.key);
  const value = context.stored(entry.op.key, entry.op.value);
  return (state) => withValue(state, index, value);
}

function deleteStep(entry: DeleteEntry, context: StepContext): Step | undefined {
  const outcome = entry.outcome;
  if (outcome.type === 'fail') return undefined;
  const index = context.slot(entry.op.key);
  const deleted = outcome.type === 'ok' ? outcome.result?.deleted : undefined;
  return (state) => {
    if (deleted !== undefined && (state.values[index] !== null) !== deleted) return undefined;
    return withValue(state, index, null);
  };
}

function getStep(entry: GetEntry, context: StepContext): Step | undefined {
  const outcome = entry.outcome;
  if (outcome.type !== 'ok') return undefined;
  const value = outcome.result;
  if (value !== null && typeof value !== 'string') {
    throw new MalformedHistoryError('an ok get needs a string or null result', entry.id);
  }
  const index = context.slot(entry.op.key);
  return (state) => (state.values[index] === value ? state : undefined);
}

function casStep(entry: CasEntry, context: StepContext): Step {
  const index = context.slot(entry.op.key);
  const expected = entry.op.expected;
  const value = context.stored(entry.op.key, entry.op.value);
  switch (entry.outcome.type) {
    case 'ok':
      return (state) => (state.values[index] === expected ? withValue(state, index, value) : undefined);
    case 'fail':
      return (state) => (state.values[index] === expected ? undefined : state);
    case 'unknown':
      return (state) => (state.values[index] === expected ? withValue(state, index, value) : state);
  }
}

function txnStep(entry: TxnEntry, context: StepContext): Step | undefined {
  const { op, outcome } = entry;
  if (outcome.type === 'fail') return undefined;
  const compare = op.compare.map((c) => ({ index: context.slot(c.key), value: c.value }));
  const compileBranch = (steps: readonly TxnStep[]) =>
    steps.map((step) =>
      step.op === 'put'
        ? { ...step, value: context.stored(step.key, step.value), index: context.slot(step.key) }
        : { ...step, index: context.slot(step.key) },
    );
  const success = compileBranch(op.success);
  const failure = compileBranch(op.failure);

  if (outcome.type === 'unknown') {
    if (![...op.success, ...op.failure].some((step) => step.op !== 'get')) return undefined;
    return (state) => {
      const succeeded = compare.every((c) => state.values[c.index] === c.value);
      return applyBranch(state, succeeded ? success : failure, undefined);
    };
  }

  const result = outcome.result;
  if (result === undefined || typeof result.succeeded !== 'boolean' || !Array.isArray(result.results)) {
    throw new MalformedHistoryError('an ok txn needs a { succeeded, results } result', entry.id);
  }
  const branch = result.succeeded ? success : failure;
  if (result.results.length !== branch.length) {
    throw new MalformedHistoryError('txn results must have one result per step of the branch that ran', entry.id);
  }
  branch.forEach((step, i) => {
    if (result.results[i]!.op !== step.op) {
      const got = result.results[i]!.op;
      throw new MalformedHistoryError(`txn result ${i} is for a ${got}, the step is a ${step.op}`, entry.id);
    }
  });
  return (state) => {
    const succeeded = compare.every((c) => state.values[c.index] === c.value);
    if (succeeded !== result.succeeded) return undefined;
    return applyBranch(state, branch, result.results);
  };
}

/** Runs txn steps in order; with `results`, returns undefined unless every result matches. */
function applyBranch(
  state: KvState,
  branch: readonly (TxnStep & { readonly index: number })[],
  results: readonly TxnStepResult[] | undefined,
): KvState | undefined {
  let values: (string | null)[] | undefined;
  const current = (index: number) => (values ?? state.values)[index]!;
  for (let i = 0; i < branch.length; i++) {
    const step = branch[i]!;
    const result = results?.[i];
    switch (step.op) {
      case 'get':
        if (result?.op === 'get' && result.value !== current(step.index)) return undefined;
        break;
      case 'delete': {
        const present = current(step.index) !== null;
        if (result?.op === 'delete' && result.deleted !== undefined && result.deleted !== present) return undefined;
        (values ??= state.values.slice())[step.index] = null;
        break;
      }
      case 'put':
        (values ??= state.values.slice())[step.index] = step.value;
        break;
    }
  }
  return values === undefined ? state : makeState(values);
}

function withValue(state: KvState, index: number, value: string | null): KvState {
  if (state.values[index] === value) return state;
  const values = state.values.slice();
  values[index] = value;
  return makeState(values);
}

export function makeState(values: (string | null)[]): KvState {
  if (values.length === 1) {
    const only = values[0]!;
    return { values, key: only === null ? '-' : `+${only}` };
  }
  return { values, key: JSON.stringify(values) };
}
