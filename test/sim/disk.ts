// A replica's simulated disk. Writes are queued and become durable only when their sync completes,
// some steps later, strictly in submission order. A crash drops every write not yet synced; a restart
// reads back exactly what was durable.

import type { Entry, HardState, RestoredState, Snapshot } from '../../actors/raft/types.ts';
import { SimViolation } from './violation.ts';

/** One queued write: a Ready's persist work, or a locally taken snapshot (compaction). */
export interface DiskWrite {
  readonly syncAt: number;
  readonly hardState: HardState | null;
  /** A snapshot received from the leader: replaces the log unless the log holds its last entry. */
  readonly installed: Snapshot | null;
  /** A snapshot of this replica's own state machine: drops the durable log up to its index. */
  readonly compacted: Snapshot | null;
  /** Entries to write; `entries[0].index` may be <= the durable last index (truncate first). */
  readonly entries: readonly Entry[];
}

const ZERO_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

export class SimDisk {
  private hardState: HardState = ZERO_HARD_STATE;
  private snapshot: Snapshot | null = null;
  /** entries[i] is at log index `snapshotIndex() + 1 + i`. */
  private entries: Entry[] = [];
  private readonly queue: DiskWrite[] = [];

  constructor(private readonly owner: string) {}

  /** Queues a write that syncs at step `syncAt` (or later: writes sync in submission order). */
  submit(write: Omit<DiskWrite, 'syncAt'>, syncAt: number): DiskWrite {
    const last = this.queue.at(-1);
    const queued: DiskWrite = { ...write, syncAt: last ? Math.max(last.syncAt, syncAt) : syncAt };
    this.queue.push(queued);
    return queued;
  }

  /** Makes every write whose sync is due at `now` durable, oldest first; reports each one. */
  syncDue(now: number, onSynced: (write: DiskWrite) => void): void {
    while (this.queue.length > 0 && this.queue[0]!.syncAt <= now) {
      const write = this.queue.shift()!;
      this.makeDurable(write);
      onSynced(write);
    }
  }

  /** The disk is replaced by an empty one (after a crash): everything durable is gone too. */
  wipe(): void {
    this.hardState = ZERO_HARD_STATE;
    this.snapshot = null;
    this.entries = [];
  }

  /** Power loss: unsynced writes vanish. Returns how many were lost. */
  crash(): number {
    const lost = this.queue.length;
    this.queue.length = 0;
    return lost;
  }

  restore(): RestoredState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }

  durableLastIndex(): number {
    return this.snapshotIndex() + this.entries.length;
  }

  /** The last durable entry's index and term (the snapshot's when the log after it is empty). */
  durableLast(): { index: number; term: number } {
    const index = this.durableLastIndex();
    return { index, term: this.termAt(index) ?? 0 };
  }

  /**
   * Whether the durable log holds the entry `index`/`term` (and so, by log matching, everything before
   * it), or a snapshot at or past `index` (snapshots hold committed state only).
   */
  durablyHolds(index: number, term: number): boolean {
    return index <= this.snapshotIndex() || this.termAt(index) === term;
  }

  private snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  private termAt(index: number): number | undefined {
    if (index === this.snapshotIndex()) return this.snapshot?.meta.term ?? 0;
    return this.entries[index - this.snapshotIndex() - 1]?.term;
  }

  private makeDurable(write: DiskWrite): void {
    if (write.installed) this.install(write.installed);
    if (write.entries.length > 0) this.writeEntries(write.entries);
    if (write.hardState) this.hardState = write.hardState;
    if (write.compacted) this.compact(write.compacted);
  }

  private install(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    if (index <= this.snapshotIndex()) {
      throw new SimViolation('storage', `${this.owner}: installing snapshot ${index} at or below the durable snapshot ${this.snapshotIndex()}`);
    }
    // Same rule as the core's RaftLog.restore: keep the suffix only if the log holds the snapshot's last entry.
    const keep = index <= this.durableLastIndex() && this.termAt(index) === term;
    this.entries = keep ? this.entries.slice(index - this.snapshotIndex()) : [];
    this.snapshot = snapshot;
  }

  private writeEntries(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    const base = this.snapshotIndex();
    if (first <= base || first > this.durableLastIndex() + 1) {
      throw new SimViolation(
        'storage',
        `${this.owner}: Ready entries start at ${first}, durable log covers (${base}, ${this.durableLastIndex()}]`,
      );
    }
    this.entries.length = first - base - 1;
    for (const e of entries) this.entries.push(e);
  }

  private compact(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta;
    if (index <= this.snapshotIndex()) return; // a newer snapshot from the leader already covers it
    if (index > this.durableLastIndex() || this.termAt(index) !== term) {
      throw new SimViolation('storage', `${this.owner}: local snapshot at ${index}/${term} does not match the durable log`);
    }
    this.entries = this.entries.slice(index - this.snapshotIndex());
    this.snapshot = snapshot;
  }
}
