// A replica's durable state for scenario tests: what survives a crash. Every write here stands for a
// completed sync; anything the core holds that was never written here is lost by `crash`.

import type { Entry, HardState, Ready, RestoredState, Snapshot } from '../../../actors/raft/types.ts';

export class MemoryStorage {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  /** entries[i] is at log index `snapshotIndex() + 1 + i`. */
  entries: Entry[] = [];

  snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  lastIndex(): number {
    return this.snapshotIndex() + this.entries.length;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - this.snapshotIndex() - 1];
  }

  /** Step 2 of the Ready contract: snapshot, entries and hard state made durable together. */
  persist(ready: Ready): void {
    if (ready.snapshot) this.installSnapshot(ready.snapshot);
    const first = ready.entries[0];
    if (first) {
      // A follower's append may overwrite a conflicting suffix: truncate from the first new index.
      this.entries.length = Math.max(0, first.index - this.snapshotIndex() - 1);
      for (const e of ready.entries) {
        if (e.index !== this.lastIndex() + 1) throw new Error(`storage: gap writing ${e.index} after ${this.lastIndex()}`);
        this.entries.push(e);
      }
    }
    if (ready.hardState) this.hardState = ready.hardState;
  }

  /** A snapshot received from the leader: keep the suffix after it only when the log matches it. */
  installSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    const matches = this.entry(index)?.term === term;
    this.entries = matches ? this.entries.slice(index - this.snapshotIndex()) : [];
    this.snapshot = snapshot;
  }

  /** The replica's own snapshot (from `Raft.compact`): entries it covers are dropped. */
  saveLocalSnapshot(snapshot: Snapshot): void {
    this.entries = this.entries.slice(snapshot.meta.index - this.snapshotIndex());
    this.snapshot = snapshot;
  }

  restored(): RestoredState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }
}
