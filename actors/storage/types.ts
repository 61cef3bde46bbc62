// Durable storage contracts used by a replica actor. Backends: in-memory (simulator and unit tests),
// files (Node host, infra/node), Durable Object storage (workerd). Every backend passes the same
// conformance suite (actors/storage/conformance.ts, run by test/storage/conformance.test.ts).

import type { Entry, HardState, RestoredState, Snapshot } from '../raft/types.ts';

/** How the caller wants a `LogStore.sync()` to run; durability is the same either way. */
export interface SyncOptions {
  /**
   * The caller has other work for its thread while the data is written (a replica that clients are
   * waiting on): a backend that can write and sync on another thread should, rather than block this
   * one. Without it a backend may block the calling thread when that is cheaper.
   */
  readonly offThread?: boolean;
}

/**
 * The replica's Raft log, hard state and latest snapshot.
 *
 * Writes are buffered: `append`, `setHardState` and `saveSnapshot` take effect in memory at
 * once (a later `load` in the same process sees them) but are durable only after the `sync()` that
 * follows them resolves. A crash loses exactly the writes whose sync had not resolved; it never loses
 * or reorders a write that was covered by a resolved sync, and it never leaves a partially applied
 * `setHardState` (hard state is replaced atomically).
 *
 * Calls are made by one actor turn at a time: `sync()` is never called again before the previous one
 * resolved, but writes may be issued while a sync is running (they belong to the next sync: this is
 * group commit).
 */
export interface LogStore {
  /** Reads everything back. Called once at start, before any write. Repairs a torn tail. */
  load(): Promise<RestoredState>;
  /**
   * Appends contiguous entries. If `entries[0].index <= lastIndex`, the stored suffix from that index
   * is discarded first (a follower's conflicting, never-committed tail).
   * Precondition: `entries[0].index <= lastIndex + 1` and `entries[0].index > snapshot index`.
   */
  append(entries: readonly Entry[]): void;
  setHardState(hardState: HardState): void;
  /**
   * Stores a snapshot and discards every entry at or below `snapshot.meta.index`. If the log holds an
   * entry at `meta.index` with `meta.term`, the entries after it are kept; otherwise the whole log is
   * discarded (a follower whose log conflicts with an installed snapshot).
   *
   * A store may write a snapshot that only compacts the log (every entry it covers is already durable
   * in the log, with the same term at `meta.index`) beside its syncs instead of in the next one, so a
   * large snapshot does not hold back log writes. Until it is durable, a crash recovers the earlier
   * snapshot and the entries the new one covers: the same log. Any other snapshot is durable once the
   * next `sync()` resolves.
   */
  saveSnapshot(snapshot: Snapshot): void;
  /** Makes every earlier write durable (one fsync per batch on the file backend). */
  sync(options?: SyncOptions): Promise<void>;
  /**
   * Resolves once every snapshot saved so far is durable, for a store that writes compactions beside
   * its syncs (see saveSnapshot); never rejects (a failed write fails the next `sync()`). A store
   * without it makes snapshots durable in `sync()`.
   */
  compacted?(): Promise<void>;
  /** Bytes held by the log and the snapshot, for metrics. */
  sizeBytes(): { log: number; snapshot: number };
  close(): Promise<void>;
}

/**
 * A small key/value store shaped like Cloudflare's DurableObjectStorage: the replica keeps its
 * identity key pair and other small metadata here. Values are structured-clonable (msgpack-able).
 * `put`/`delete` are durable once `sync()` resolves; `transaction` applies all or nothing.
 */
export interface ActorStorage {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put<T = unknown>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
  list<T = unknown>(options?: { prefix?: string }): Promise<Map<string, T>>;
  transaction<R>(fn: (txn: ActorStorageTxn) => Promise<R>): Promise<R>;
  sync(): Promise<void>;
}

export interface ActorStorageTxn {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put<T = unknown>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** Raised when stored data fails its checksum anywhere but a torn last record. Stops the replica. */
export class StorageCorruptionError extends Error {
  override readonly name = 'StorageCorruptionError';
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`storage corrupted: ${file} at offset ${offset}: ${detail}`);
  }
}
