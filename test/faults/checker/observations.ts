import type { HistoryEntry, TxnResult, TxnStep } from './history.ts';

/**
 * Which contents (a value, or absence) of which keys an operation may write, leaves behind, or proves
 * were there. Used to prune the search (token-index.ts), to merge values nobody reads (model.ts) and
 * to keep shrunken counterexamples readable (shrink.ts). Deletes write absence; the initial absence
 * of every key has no writer.
 */
export type Content = readonly [key: string, value: string | null];

/** A content as one string. */
export type Token = string;

/** The length prefix keeps tokens unambiguous whatever the key and value contain. */
export function valueToken(key: string, value: string): Token {
  return `${key.length}:${key}=${value}`;
}

export function absenceToken(key: string): Token {
  return `${key.length}:${key}!`;
}

export function contentToken([key, value]: Content): Token {
  return value === null ? absenceToken(key) : valueToken(key, value);
}

/** Contents the operation may have written: none for a definite failure; both branches of an unknown txn. */
export function writtenContents(entry: HistoryEntry): Content[] {
  if (entry.outcome.type === 'fail') return [];
  const op = entry.op;
  switch (op.type) {
    case 'put':
    case 'cas':
      return [[op.key, op.value]];
    case 'delete':
      return [[op.key, null]];
    case 'get':
      return [];
    case 'txn': {
      const outcome = entry.outcome;
      const steps =
        outcome.type === 'ok'
          ? (outcome.result as TxnResult).succeeded
            ? op.success
            : op.failure
          : [...op.success, ...op.failure];
      return steps.flatMap((step): Content[] =>
        step.op === 'put' ? [[step.key, step.value]] : step.op === 'delete' ? [[step.key, null]] : [],
      );
    }
  }
}

/**
 * What a completed (`ok`) operation leaves in each key it writes: the content its last write there
 * stored. Empty for other outcomes and for read-only operations.
 */
export function finalContents(entry: HistoryEntry): Content[] {
  const outcome = entry.outcome;
  if (outcome.type !== 'ok') return [];
  const op = entry.op;
  switch (op.type) {
    case 'put':
    case 'cas':
      return [[op.key, op.value]];
    case 'delete':
      return [[op.key, null]];
    case 'get':
      return [];
    case 'txn': {
      const result = outcome.result as TxnResult;
      const last = new Map<string, string | null>();
      for (const step of result.succeeded ? op.success : op.failure) {
        if (step.op === 'put') last.set(step.key, step.value);
        if (step.op === 'delete') last.set(step.key, null);
      }
      return [...last];
    }
  }
}

/**
 * Contents the recorded result says were there when the operation took effect, before its own
 * writes. Only `ok` outcomes observe anything.
 */
export function observedContents(entry: HistoryEntry): Content[] {
  const outcome = entry.outcome;
  if (outcome.type !== 'ok') return [];
  const op = entry.op;
  switch (op.type) {
    case 'get':
      return [[op.key, outcome.result as string | null]];
    case 'cas':
      return [[op.key, op.expected]];
    case 'put':
      return [];
    case 'delete': {
      const deleted = (outcome.result as { deleted?: boolean } | undefined)?.deleted;
      return deleted === false ? [[op.key, null]] : [];
    }
    case 'txn': {
      const result = outcome.result as TxnResult;
      const observed: Content[] = [];
      if (result.succeeded) {
        for (const compare of op.compare) observed.push([compare.key, compare.value]);
      }
      const ownWrites = new Set<string>();
      const branch: readonly TxnStep[] = result.succeeded ? op.success : op.failure;
      branch.forEach((step, i) => {
        const stepResult = result.results[i];
        if (!ownWrites.has(step.key)) {
          if (stepResult?.op === 'get') observed.push([step.key, stepResult.value]);
          if (stepResult?.op === 'delete' && stepResult.deleted === false) observed.push([step.key, null]);
        }
        if (step.op !== 'get') ownWrites.add(step.key);
      });
      return observed;
    }
  }
}

/**
 * Every value the operation compares with or reports reading, whatever its outcome. A written
 * value no operation references is indistinguishable from any other such value.
 */
export function referencedTokens(entry: HistoryEntry): Token[] {
  const op = entry.op;
  const outcome = entry.outcome;
  switch (op.type) {
    case 'put':
    case 'delete':
      return [];
    case 'get':
      return outcome.type === 'ok' && outcome.result !== null ? [valueToken(op.key, outcome.result as string)] : [];
    case 'cas':
      return op.expected === null ? [] : [valueToken(op.key, op.expected)];
    case 'txn': {
      const tokens = op.compare.flatMap((c) => (c.value === null ? [] : [valueToken(c.key, c.value)]));
      if (outcome.type !== 'ok') return tokens;
      const result = outcome.result as TxnResult;
      const branch = result.succeeded ? op.success : op.failure;
      result.results.forEach((stepResult, i) => {
        const step = branch[i];
        if (step !== undefined && stepResult.op === 'get' && stepResult.value !== null) {
          tokens.push(valueToken(step.key, stepResult.value));
        }
      });
      return tokens;
    }
  }
}
