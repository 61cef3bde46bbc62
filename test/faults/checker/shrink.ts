import type { HistoryEntry } from './history.ts';
import { contentToken, observedContents, writtenContents, type Content } from './observations.ts';

/**
 * Shrinks a non-linearizable sub-history to a small one that fails for the same reason. A candidate
 * (the current history minus some operations) is kept when:
 * - it is still not linearizable, and its search still dies at the same operation (the frontier,
 *   see SearchResult): removing an operation must not create an earlier, different violation, such
 *   as a delete that reports a value nobody wrote any more;
 * - no operation is left reading a value whose every writer was removed: removing a writer also
 *   removes its readers, so a stale read stays "write, overwrite, stale read" instead of becoming a
 *   bare read of a value nobody wrote.
 * Operations are taken in call order. First everything called after the frontier operation returned
 * goes; then everything but the last 8, 16, 32, ... operations, the first window that still fails;
 * then delta debugging: halving chunks, then single operations, until no single removal is kept
 * (1-minimal).
 */
export interface ShrinkResult {
  readonly entries: readonly HistoryEntry[];
  /** False when the deadline stopped shrinking early; `entries` still fail. */
  readonly minimal: boolean;
}

/** The search outcome a shrink candidate needs: failed, and the frontier's entry if any. */
export type FailureProbe = (
  entries: readonly HistoryEntry[],
) => { readonly frontier: HistoryEntry | undefined } | undefined;

const FIRST_WINDOW = 8;

export function shrinkHistory(
  failing: readonly HistoryEntry[],
  frontier: HistoryEntry | undefined,
  probe: FailureProbe,
  deadlinePassed: () => boolean,
): ShrinkResult {
  const writtenAtStart = new Set(failing.flatMap(writtenValues));
  const stillFails = (candidate: readonly HistoryEntry[]) => {
    const failure = probe(candidate);
    return failure !== undefined && failure.frontier === frontier;
  };
  const without = (entries: readonly HistoryEntry[], removed: readonly HistoryEntry[]) =>
    removeWithReaders(entries, removed, writtenAtStart);

  let current = [...failing].sort((a, b) => a.call - b.call || a.id - b.id);
  if (frontier !== undefined) {
    const tail = without(current, current.filter((entry) => entry.call > frontier.ret));
    if (tail.length < current.length && stillFails(tail)) current = tail;
  }
  for (let window = FIRST_WINDOW; window < current.length; window *= 2) {
    if (deadlinePassed()) return { entries: current, minimal: false };
    const recent = without(current, current.slice(0, current.length - window));
    if (recent.length > 0 && stillFails(recent)) {
      current = recent;
      break;
    }
  }

  let chunk = Math.max(1, Math.ceil(current.length / 2));
  for (;;) {
    let removedAny = false;
    for (let start = 0; start < current.length; ) {
      if (deadlinePassed()) return { entries: current, minimal: false };
      const candidate = without(current, current.slice(start, start + chunk));
      if (candidate.length > 0 && candidate.length < current.length && stillFails(candidate)) {
        current = candidate;
        removedAny = true;
      } else {
        start += chunk;
      }
    }
    if (chunk === 1 && !removedAny) return { entries: current, minimal: true };
    chunk = Math.max(1, Math.floor(chunk / 2));
  }
}

/** `entries` minus `removed` and, transitively, the readers of values left with no writer. */
function removeWithReaders(
  entries: readonly HistoryEntry[],
  removed: readonly HistoryEntry[],
  writtenAtStart: ReadonlySet<string>,
): HistoryEntry[] {
  const gone = new Set(removed);
  for (;;) {
    const remaining = entries.filter((entry) => !gone.has(entry));
    const written = new Set(remaining.flatMap(writtenValues));
    const orphans = remaining.filter((entry) =>
      observedValues(entry).some((token) => writtenAtStart.has(token) && !written.has(token)),
    );
    if (orphans.length === 0) return remaining;
    for (const orphan of orphans) gone.add(orphan);
  }
}

const isValue = (content: Content) => content[1] !== null;
const writtenValues = (entry: HistoryEntry) => writtenContents(entry).filter(isValue).map(contentToken);
const observedValues = (entry: HistoryEntry) => observedContents(entry).filter(isValue).map(contentToken);
