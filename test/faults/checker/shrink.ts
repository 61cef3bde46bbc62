import type { HistoryEntry } from './history.ts';
import { contentToken, finalContents, observedContents, writtenContents, type Content } from './observations.ts';

/**
 * Shrinks a non-linearizable sub-history to a small one that fails for the same reason. A candidate
 * (the current history minus some operations) is kept when:
 * - it is still not linearizable, and its search still dies at the same operation (the frontier,
 *   see SearchResult): removing an operation must not create an earlier, different violation, such
 *   as a delete that reports a value nobody wrote any more;
 * - no operation is left reading a value whose every writer was removed: removing a writer also
 *   removes its readers, so a stale read stays "write, overwrite, stale read" instead of becoming a
 *   bare read of a value nobody wrote;
 * - when the frontier operation saw a key absent, no delete that may have caused that absence is
 *   removed (absenceGuard): absence has many writers, so the rule above cannot protect it, and
 *   dropping the delete that explains "deleted=false" would turn a stale read elsewhere into a
 *   counterexample made of writes that are linearizable together.
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
  const keepsAbsence = absenceGuard(failing, frontier);
  const stillFails = (candidate: readonly HistoryEntry[]) => {
    if (!keepsAbsence(candidate)) return false;
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

/**
 * For a frontier that observed keys absent: whether a candidate keeps every delete of those keys that
 * may have taken effect before the frontier. A delete may go when it was called after the frontier
 * returned, or when a completed write of the same key that the candidate keeps was called after the
 * delete returned and returned before the frontier was called (it definitely came in between).
 */
function absenceGuard(failing: readonly HistoryEntry[], frontier: HistoryEntry | undefined): (candidate: readonly HistoryEntry[]) => boolean {
  const keys = new Set(frontier === undefined ? [] : observedContents(frontier).filter(([, value]) => value === null).map(([key]) => key));
  if (frontier === undefined || keys.size === 0) return () => true;
  const deletesBefore = failing.filter(
    (entry) => entry !== frontier && entry.call <= frontier.ret && writtenContents(entry).some(([key, value]) => value === null && keys.has(key)),
  );
  if (deletesBefore.length === 0) return () => true;
  return (candidate) => {
    const kept = new Set(candidate);
    // Per key, the latest call among kept completed writes of it that returned before the frontier's call.
    const latestCall = new Map<string, number>();
    for (const entry of candidate) {
      if (entry.ret >= frontier.call) continue;
      for (const [key] of finalContents(entry)) {
        if (keys.has(key)) latestCall.set(key, Math.max(latestCall.get(key) ?? -Infinity, entry.call));
      }
    }
    return deletesBefore.every(
      (entry) =>
        kept.has(entry) ||
        writtenContents(entry).every(([key, value]) => value !== null || !keys.has(key) || entry.ret < (latestCall.get(key) ?? -Infinity)),
    );
  };
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
