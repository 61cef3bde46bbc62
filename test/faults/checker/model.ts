import type { DeleteResult, HistoryEntry, TxnResult } from './history.ts';
import { compileStep, makeState, MalformedHistoryError, type StepContext, type KvState } from './kv-steps.ts';
import {
  contentToken,
  finalContents,
  observedContents,
  referencedTokens,
  valueToken,
  writtenContents,
  type Content,
} from './observations.ts';
import type { ContentChange, SearchModel, SearchOp } from './wing-gong.ts';

/**
 * Compiles one partition's entries into search operations: their steps (kv-steps.ts) and what the
 * search's prunings need to know about them. Operations that cannot influence the outcome
 * (definite failures other than a cas, reads with an unknown outcome) are dropped here.
 *
 * Values that no operation of the partition compares with or reads back are stored as one opaque
 * value: no operation can tell them apart, and merging them keeps unknown writes from multiplying
 * the states the search visits.
 */

export interface KvSearchOp extends SearchOp<KvState> {
  readonly entry: HistoryEntry;
}

/** The model over a partition's keys: every key starts absent. */
export function kvModel(keys: readonly string[]): SearchModel<KvState> {
  return {
    initial: makeState(new Array<string | null>(keys.length).fill(null)),
    stateKey: (state) => state.key,
    changes: (before, after) => {
      const changes: ContentChange[] = [];
      before.values.forEach((value, index) => {
        const now = after.values[index]!;
        if (now === value) return;
        const key = keys[index]!;
        changes.push({ key, lost: contentToken([key, value]), gained: contentToken([key, now]) });
      });
      return changes;
    },
  };
}

/** Compiles a partition; `keys` must include every key its entries touch. */
export function compileEntries(entries: readonly HistoryEntry[], keys: readonly string[]): KvSearchOp[] {
  const indexOf = new Map(keys.map((key, index) => [key, index]));
  const referenced = new Set(entries.flatMap(referencedTokens));
  const opaque = opaqueValue(referenced, keys);
  const stored = (key: string, value: string) => (referenced.has(valueToken(key, value)) ? value : opaque);
  const context: StepContext = { slot: (key) => indexOf.get(key)!, stored };
  const keyed = ([key, value]: Content) => ({
    key,
    token: contentToken([key, value === null ? null : stored(key, value)]),
  });
  const compiled: KvSearchOp[] = [];
  for (const entry of entries) {
    validateTimes(entry);
    const step = compileStep(entry, context);
    if (step === undefined) continue;
    const omittable = entry.outcome.type === 'unknown';
    const effect = omittable ? effectOf(entry, context) : undefined;
    compiled.push({
      ...(effect === undefined ? {} : { effect }),
      entry,
      call: entry.call,
      ret: omittable ? Number.POSITIVE_INFINITY : entry.ret,
      omittable,
      step,
      readOnly: isReadOnly(entry),
      writes: writtenContents(entry).map(keyed),
      leaves: finalContents(entry).map(keyed),
      observes: (omittable ? actsOnContents(entry) : observedContents(entry)).map(contentToken),
      probesKeys: probedKeys(entry),
    });
  }
  return compiled;
}

/** For an unknown operation: contents whose presence makes it act (a cas's expected value). */
function actsOnContents(entry: HistoryEntry): Content[] {
  return entry.op.type === 'cas' ? [[entry.op.key, entry.op.expected]] : [];
}

/**
 * Keys whose content matters to the operation, as recorded, other than by having to hold an
 * observed content: a failed cas (must differ), a delete that reports it deleted something (must
 * be present), a txn's compares when it failed or its outcome is unknown (pick the branch).
 */
function probedKeys(entry: HistoryEntry): string[] {
  const { op, outcome } = entry;
  switch (op.type) {
    case 'put':
    case 'get':
      return [];
    case 'cas':
      return outcome.type === 'fail' ? [op.key] : [];
    case 'delete':
      return outcome.type === 'ok' && (outcome.result as DeleteResult | undefined)?.deleted === true ? [op.key] : [];
    case 'txn': {
      if (outcome.type === 'fail') return [];
      const keys = new Set<string>();
      const result = outcome.type === 'ok' ? (outcome.result as TxnResult) : undefined;
      if (result === undefined || !result.succeeded) for (const compare of op.compare) keys.add(compare.key);
      if (result !== undefined) {
        (result.succeeded ? op.success : op.failure).forEach((step, i) => {
          const stepResult = result.results[i];
          if (stepResult?.op === 'delete' && stepResult.deleted === true) keys.add(step.key);
        });
      }
      return [...keys];
    }
  }
}

/** Identifies what an unknown single-key operation does; unknown txns get none. */
function effectOf(entry: HistoryEntry, context: StepContext): string | undefined {
  const op = entry.op;
  switch (op.type) {
    case 'put':
      return JSON.stringify(['put', op.key, context.stored(op.key, op.value)]);
    case 'delete':
      return JSON.stringify(['delete', op.key]);
    case 'cas':
      return JSON.stringify(['cas', op.key, op.expected, context.stored(op.key, op.value)]);
    case 'get':
    case 'txn':
      return undefined;
  }
}

/** Whether the operation, as recorded, cannot change any value. */
export function isReadOnly(entry: HistoryEntry): boolean {
  const { op, outcome } = entry;
  if (outcome.type === 'unknown') return false;
  switch (op.type) {
    case 'get':
      return true;
    case 'cas':
      return outcome.type === 'fail';
    case 'put':
    case 'delete':
      return false;
    case 'txn': {
      if (outcome.type !== 'ok') return false;
      const branch = (outcome.result as TxnResult).succeeded ? op.success : op.failure;
      return branch.every((step) => step.op === 'get');
    }
  }
}

/** A string that is no referenced value of any key. */
function opaqueValue(referenced: ReadonlySet<string>, keys: readonly string[]): string {
  let opaque = '\u0000opaque';
  while (keys.some((key) => referenced.has(valueToken(key, opaque)))) opaque += '\u0000';
  return opaque;
}

function validateTimes(entry: HistoryEntry): void {
  if (!Number.isFinite(entry.call)) throw new MalformedHistoryError('call time must be finite', entry.id);
  if (entry.outcome.type === 'unknown') return;
  if (!Number.isFinite(entry.ret)) {
    const kind = entry.outcome.type === 'ok' ? 'an ok' : 'a failed';
    throw new MalformedHistoryError(`${kind} operation needs a finite ret time`, entry.id);
  }
  if (entry.ret < entry.call) throw new MalformedHistoryError('ret is before call', entry.id);
}
