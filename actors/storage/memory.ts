// In-memory storage for the deterministic simulator and unit tests.
//
// A MemoryDisk is what survives a crash: the synced log state and the synced actor key/value map.
// Stores opened on it buffer their writes and copy them to the disk only in `syncNow()`. After
// `disk.crash()` the stores opened before it refuse every call, and a store opened afterwards sees
// exactly the writes that were synced.

import type { Entry, HardState, RestoredState, Snapshot } from '../raft/types.ts';
import { LogState, assertAppendable, assertSnapshotNotOlder } from './log-state.ts';
import { MapActorStorage } from './map-actor-storage.ts';
import type { LogStore } from './types.ts';

type PendingWrite =
  | { readonly kind: 'append'; readonly entries: readonly Entry[] }
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot };

export class MemoryDisk {
  /** Synced log state. Mutated only by MemoryLogStore.syncNow. */
  readonly log = new LogState();
  /** Synced actor key/value map. Replaced only by MemoryActorStorage.syncNow. */
  kv: ReadonlyMap<string, unknown> = new Map();
  /** Incremented by every crash; a store remembers the epoch it was opened in. */
  private epochCount = 0;
  /** Number of syncs that reached this disk with at least one write, for simulator statistics. */
  syncCount = 0;

  get epoch(): number {
    return this.epochCount;
  }

  /** Loses every unsynced write and invalidates every store opened on this disk so far. */
  crash(): void {
    this.epochCount++;
  }
}

/** Throws when `disk` crashed after the store was opened: a dead replica must not keep writing. */
function checkEpoch(disk: MemoryDisk, epoch: number, what: string): void {
  if (disk.epoch !== epoch) throw new Error(`${what} used after its MemoryDisk crashed`);
}

export class MemoryLogStore implements LogStore {
  private readonly epoch: number;
  /** Synced state plus every write issued since: what `load()` returns. */
  private readonly view: LogState;
  /** Writes not yet on the disk, in issue order. */
  private pending: PendingWrite[] = [];
  private closed = false;

  constructor(private readonly disk: MemoryDisk) {
    this.epoch = disk.epoch;
    this.view = disk.log.clone();
  }

  async load(): Promise<RestoredState> {
    this.checkUsable();
    return this.view.restored();
  }

  append(entries: readonly Entry[]): void {
    this.checkUsable();
    if (entries.length === 0) return;
    assertAppendable(entries, this.view.snapshotIndex, this.view.lastIndex);
    // Private copies: the disk must not change if a caller reuses a data buffer.
    const copies = entries.map((entry) => ({ ...entry, data: entry.data.slice() }));
    this.view.append(copies);
    this.pending.push({ kind: 'append', entries: copies });
  }

  setHardState(hardState: HardState): void {
    this.checkUsable();
    const copy = { ...hardState };
    this.view.hardState = copy;
    this.pending.push({ kind: 'hardState', hardState: copy });
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.checkUsable();
    assertSnapshotNotOlder(snapshot, this.view.snapshotIndex);
    const copy: Snapshot = { meta: snapshot.meta, data: snapshot.data.slice() };
    this.view.saveSnapshot(copy);
    this.pending.push({ kind: 'snapshot', snapshot: copy });
  }

  /** Makes every earlier write durable at once. The simulator calls this at the instant it chooses. */
  syncNow(): void {
    this.checkUsable();
    if (this.pending.length === 0) return;
    for (const write of this.pending) {
      if (write.kind === 'append') this.disk.log.append(write.entries);
      else if (write.kind === 'hardState') this.disk.log.hardState = write.hardState;
      else this.disk.log.saveSnapshot(write.snapshot);
    }
    this.pending = [];
    this.disk.syncCount++;
  }

  async sync(): Promise<void> {
    this.syncNow();
  }

  sizeBytes(): { log: number; snapshot: number } {
    return this.view.sizeBytes();
  }

  /** Syncs pending writes, then refuses further use. Closing a store whose disk crashed does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.disk.epoch === this.epoch) this.syncNow();
    this.closed = true;
  }

  private checkUsable(): void {
    checkEpoch(this.disk, this.epoch, 'MemoryLogStore');
    if (this.closed) throw new Error('MemoryLogStore used after close');
  }
}

export class MemoryActorStorage extends MapActorStorage {
  private readonly epoch: number;
  private syncedVersion = 0;

  constructor(private readonly disk: MemoryDisk) {
    super(disk.kv);
    this.epoch = disk.epoch;
  }

  /** Copies the current map to the disk. */
  syncNow(): void {
    this.checkUsable();
    if (this.version === this.syncedVersion) return;
    this.disk.kv = new Map(this.entries);
    this.syncedVersion = this.version;
  }

  async sync(): Promise<void> {
    this.syncNow();
  }

  protected override checkUsable(): void {
    checkEpoch(this.disk, this.epoch, 'MemoryActorStorage');
  }
}
