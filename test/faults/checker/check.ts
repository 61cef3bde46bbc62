import type { History, HistoryEntry } from './history.ts';
import { compileEntries, kvModel } from './model.ts';
import { partitionHistory, type Partition } from './partition.ts';
import { renderHistory } from './render.ts';
import { shrinkHistory } from './shrink.ts';
import { searchLinearization } from './wing-gong.ts';

/**
 * Checks that a history of Atlas key-value operations is linearizable: partition by keys, search
 * each partition, and shrink every failing partition to a small counterexample.
 */

export interface CheckOptions {
  /** Budget for the search over all partitions; past it the remaining ones are `unknown`. */
  readonly timeoutMs?: number;
  /** Budget per partition search, in search steps. */
  readonly maxStepsPerPartition?: number;
  /** Budget for shrinking all counterexamples; a counterexample cut short has `minimal: false`. */
  readonly shrinkTimeoutMs?: number;
  /** Monotonic milliseconds for the budgets; `performance.now()` by default. */
  readonly now?: () => number;
}

export interface CheckFailure {
  /** The keys of the failing partition. */
  readonly keys: readonly string[];
  /** The shrunken sub-history rendered one operation per line (see render.ts). */
  readonly counterexample: string;
  /** The shrunken sub-history itself: still not linearizable. */
  readonly operations: readonly HistoryEntry[];
  /**
   * Whether shrinking ran to the end: no single operation (with the reads of the values only it
   * wrote) can be removed with the history still failing at the same operation (see shrink.ts).
   */
  readonly minimal: boolean;
}

export interface CheckResult {
  /** True only when every partition was proven linearizable. */
  readonly ok: boolean;
  /** Operations in the history. */
  readonly checkedOps: number;
  readonly partitions: number;
  readonly failures: readonly CheckFailure[];
  /** Set when a budget ran out before some partition was decided. */
  readonly unknown?: boolean;
  /** The keys of each undecided partition. */
  readonly unknownKeys?: readonly (readonly string[])[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_STEPS_PER_PARTITION = 50_000_000;
const DEFAULT_SHRINK_TIMEOUT_MS = 10_000;

/** Throws MalformedHistoryError when an entry cannot be interpreted. */
export function checkHistory(history: History, options: CheckOptions = {}): CheckResult {
  const now = options.now ?? (() => performance.now());
  const deadlineMs = now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const maxSteps = options.maxStepsPerPartition ?? DEFAULT_MAX_STEPS_PER_PARTITION;
  const partitions = partitionHistory(history);

  const failing: { partition: Partition; frontier: HistoryEntry | undefined }[] = [];
  const unknownKeys: (readonly string[])[] = [];
  for (const partition of partitions) {
    const result = checkPartition(partition.entries, partition.keys, { deadlineMs, maxSteps, now });
    if (result.type === 'not-linearizable') failing.push({ partition, frontier: result.frontier });
    if (result.type === 'unknown') unknownKeys.push(partition.keys);
  }

  const shrinkDeadlineMs = now() + (options.shrinkTimeoutMs ?? DEFAULT_SHRINK_TIMEOUT_MS);
  const failures = failing.map(({ partition, frontier }) => {
    const shrunk = shrinkHistory(
      partition.entries,
      frontier,
      (entries) => {
        const result = checkPartition(entries, partition.keys, { deadlineMs: shrinkDeadlineMs, maxSteps, now });
        return result.type === 'not-linearizable' ? result : undefined;
      },
      () => now() > shrinkDeadlineMs,
    );
    return {
      keys: partition.keys,
      counterexample: renderHistory(shrunk.entries),
      operations: shrunk.entries,
      minimal: shrunk.minimal,
    };
  });

  return {
    ok: failures.length === 0 && unknownKeys.length === 0,
    checkedOps: history.length,
    partitions: partitions.length,
    failures,
    ...(unknownKeys.length > 0 ? { unknown: true, unknownKeys } : {}),
  };
}

export type PartitionResult =
  | { readonly type: 'linearizable'; readonly order: readonly HistoryEntry[]; readonly steps: number }
  | { readonly type: 'not-linearizable'; readonly frontier: HistoryEntry | undefined; readonly steps: number }
  | { readonly type: 'unknown'; readonly reason: 'steps' | 'time'; readonly steps: number };

/**
 * Searches one partition's entries; `keys` must cover every key they touch. A linearizable result
 * carries the witness order (entries that need not take effect are left out); a failing one the
 * operation where the deepest attempts died.
 */
export function checkPartition(
  entries: readonly HistoryEntry[],
  keys: readonly string[],
  budget: { readonly deadlineMs: number; readonly maxSteps: number; readonly now: () => number },
): PartitionResult {
  const ops = compileEntries(entries, keys);
  const result = searchLinearization(ops, kvModel(keys), budget);
  switch (result.type) {
    case 'linearizable':
      return { ...result, order: result.order.map((index) => ops[index]!.entry) };
    case 'not-linearizable':
      return { type: result.type, frontier: ops[result.frontierOp]?.entry, steps: result.steps };
    case 'unknown':
      return result;
  }
}
