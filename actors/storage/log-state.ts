// The logical content of a LogStore (what `load()` returns) and the LogStore write rules applied to
// it in memory. The memory backend keeps one LogState as its view and one as its disk; the rules live
// here once so that both, and every test oracle, agree.

import type { Entry, HardState, RestoredState, Snapshot } from '../raft/types.ts';
import { encodedEntryBytes, encodedSnapshotBytes } from './entry-codec.ts';

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

export class LogState {
  hardState: HardState = EMPTY_HARD_STATE;
  snapshot: Snapshot | null = null;
  /** Entries after the snapshot: `entries[i].index === snapshotIndex + 1 + i`. */
  private entries: Entry[] = [];
  /** Sum of the encoded sizes of `entries`. */
  private entryBytes = 0;
  private snapshotBytes = 0;

  get snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  get snapshotTerm(): number {
    return this.snapshot?.meta.term ?? 0;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  /** Term of the entry at `index`, the snapshot's term at its index, undefined when not held. */
  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    return this.entries[index - this.snapshotIndex - 1]?.term;
  }

  /** See LogStore.append: discards the stored suffix from `entries[0].index` first. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    assertAppendable(entries, this.snapshotIndex, this.lastIndex);
    const keep = entries[0]!.index - this.snapshotIndex - 1;
    for (const removed of this.entries.splice(keep)) this.entryBytes -= encodedEntryBytes(removed);
    for (const entry of entries) {
      this.entries.push(entry);
      this.entryBytes += encodedEntryBytes(entry);
    }
  }

  /** See LogStore.saveSnapshot: keeps the entries after the snapshot only if the log agrees with it. */
  saveSnapshot(snapshot: Snapshot): void {
    assertSnapshotNotOlder(snapshot, this.snapshotIndex);
    const { index, term } = snapshot.meta;
    const agrees = index <= this.lastIndex && this.termAt(index) === term;
    const removed = agrees ? this.entries.splice(0, index - this.snapshotIndex) : this.entries.splice(0);
    for (const entry of removed) this.entryBytes -= encodedEntryBytes(entry);
    this.snapshot = snapshot;
    this.snapshotBytes = encodedSnapshotBytes(snapshot);
  }

  sizeBytes(): { log: number; snapshot: number } {
    return { log: this.entryBytes, snapshot: this.snapshotBytes };
  }

  restored(): RestoredState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }

  clone(): LogState {
    const copy = new LogState();
    copy.hardState = this.hardState;
    copy.snapshot = this.snapshot;
    copy.entries = this.entries.slice();
    copy.entryBytes = this.entryBytes;
    copy.snapshotBytes = this.snapshotBytes;
    return copy;
  }
}

/** LogStore.append's precondition; a violation is a bug in the caller and stops the replica. */
export function assertAppendable(entries: readonly Entry[], snapshotIndex: number, lastIndex: number): void {
  const first = entries[0]!.index;
  if (first > lastIndex + 1 || first <= snapshotIndex) {
    throw new Error(
      `append at index ${first} violates snapshotIndex ${snapshotIndex} < index <= lastIndex + 1 = ${lastIndex + 1}`,
    );
  }
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.index !== first + i) {
      throw new Error(`append entries not contiguous: index ${entries[i]!.index} at position ${i} after ${first}`);
    }
  }
}

/** Snapshots only move forward; re-saving the current index is allowed. */
export function assertSnapshotNotOlder(snapshot: Snapshot, snapshotIndex: number): void {
  if (snapshot.meta.index < snapshotIndex) {
    throw new Error(`saveSnapshot at index ${snapshot.meta.index} is older than stored snapshot ${snapshotIndex}`);
  }
}
