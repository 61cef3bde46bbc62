// LogStore on a Durable Object's SQLite storage (`ctx.storage.sql`), for replicas hosted by workerd.
//
// Tables, named after the store's namespace `<ns>`:
//   <ns>_log(idx, part, body)    each entry encoded by entry-codec, split into parts of PART_BYTES
//   <ns>_snapshot(part, body)    the latest snapshot, encoded and split likewise
//   <ns>_meta(key, body)         'hardstate': the encoded hard state
// Parts exist because a SQLite row in a Durable Object holds at most 2 MB, and entries (transactions)
// and snapshots may be larger.
//
// Durability. Writes change only this object's bookkeeping and a queue; `sync()` claims the queue
// (later writes belong to the next sync), applies it to SQLite in ONE `transactionSync` (all or
// nothing), then awaits `storage.sync()`, which resolves once that transaction is durable: the
// runtime commits it to disk (and, in production, to replicas of the object's storage) before
// resolving. So a resolved `sync()` means durable, as the LogStore contract requires; a reset or
// eviction before it resolves loses exactly the unclaimed queue and possibly the claimed transaction,
// never a part of it. (The runtime's output gate also holds outgoing messages until pending writes are
// durable; the replica does not rely on it, it awaits `sync()` before sending what depends on it.)
//
// Memory: `load()` reads SQLite; between loads the store keeps only each entry's term and size.

import { CodecError, decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot, encodedEntryBytes, encodedSnapshotBytes } from '../actors/storage/entry-codec.ts';
import { EMPTY_HARD_STATE, LogState, assertAppendable, assertSnapshotNotOlder } from '../actors/storage/log-state.ts';
import { StorageCorruptionError, type LogStore } from '../actors/storage/types.ts';
import type { Entry, HardState, RestoredState, Snapshot } from '../actors/raft/types.ts';
import type { DurableObjectStorage } from './runtime.ts';

/** Largest BLOB written in one row; Durable Object SQLite rows hold at most 2 MB. */
export const PART_BYTES = 1024 * 1024;
const HARD_STATE_KEY = 'hardstate';
const NAMESPACE = /^[a-z][a-z0-9_]{0,31}$/;

type PendingWrite =
  | { readonly kind: 'append'; readonly entries: readonly Entry[] }
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  /** `keepAfter`: the log agreed with the snapshot when it was saved, so entries after it stay. */
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot; readonly keepAfter: boolean };

export interface DurableObjectLogStoreOptions {
  /** Table name prefix: lowercase letters, digits, `_`. Default `raft`. */
  readonly namespace?: string;
}

export class DurableObjectLogStore implements LogStore {
  /** Syncs that wrote something. */
  syncCount = 0;
  private readonly tables: { readonly log: string; readonly snapshot: string; readonly meta: string };
  private pending: PendingWrite[] = [];
  private closed = false;
  private abandoned = false;

  // Bookkeeping of the current log (synced plus queued writes): what append and saveSnapshot check.
  private snapshotIndex = 0;
  private snapshotBytes = 0;
  /** Entries after the snapshot: slot i describes entry snapshotIndex + 1 + i. */
  private terms: number[] = [];
  private sizes: number[] = [];
  private logBytes = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    options: DurableObjectLogStoreOptions = {},
  ) {
    const ns = options.namespace ?? 'raft';
    if (!NAMESPACE.test(ns)) throw new RangeError(`invalid log store namespace ${JSON.stringify(ns)}`);
    this.tables = { log: `${ns}_log`, snapshot: `${ns}_snapshot`, meta: `${ns}_meta` };
    const sql = storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS ${this.tables.log} (idx INTEGER NOT NULL, part INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (idx, part))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ${this.tables.snapshot} (part INTEGER PRIMARY KEY, body BLOB NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS ${this.tables.meta} (key TEXT PRIMARY KEY, body BLOB NOT NULL)`);
  }

  async load(): Promise<RestoredState> {
    this.checkUsable();
    const state = this.readStored();
    for (const write of this.pending) {
      if (write.kind === 'append') state.append(write.entries);
      else if (write.kind === 'hardState') state.hardState = write.hardState;
      else state.saveSnapshot(write.snapshot);
    }
    const restored = state.restored();
    this.snapshotIndex = restored.snapshot?.meta.index ?? 0;
    this.snapshotBytes = restored.snapshot ? encodedSnapshotBytes(restored.snapshot) : 0;
    this.terms = restored.entries.map((entry) => entry.term);
    this.sizes = restored.entries.map((entry) => encodedEntryBytes(entry));
    this.logBytes = this.sizes.reduce((sum, n) => sum + n, 0);
    return restored;
  }

  append(entries: readonly Entry[]): void {
    this.checkUsable();
    if (entries.length === 0) return;
    assertAppendable(entries, this.snapshotIndex, this.lastIndex);
    this.dropFrom(entries[0]!.index - this.snapshotIndex - 1);
    // Private copies: what gets stored must not change if the caller reuses a data buffer.
    const copies = entries.map((entry) => ({ ...entry, data: entry.data.slice() }));
    for (const entry of copies) {
      const size = encodedEntryBytes(entry);
      this.terms.push(entry.term);
      this.sizes.push(size);
      this.logBytes += size;
    }
    this.pending.push({ kind: 'append', entries: copies });
  }

  setHardState(hardState: HardState): void {
    this.checkUsable();
    this.pending.push({ kind: 'hardState', hardState: { ...hardState } });
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.checkUsable();
    assertSnapshotNotOlder(snapshot, this.snapshotIndex);
    const { index, term } = snapshot.meta;
    const keepAfter = index <= this.lastIndex && this.termAt(index) === term;
    if (keepAfter) {
      const covered = index - this.snapshotIndex;
      this.logBytes -= this.sizes.splice(0, covered).reduce((sum, n) => sum + n, 0);
      this.terms.splice(0, covered);
    } else {
      this.dropFrom(0);
    }
    const copy: Snapshot = { meta: snapshot.meta, data: snapshot.data.slice() };
    this.snapshotIndex = index;
    this.snapshotBytes = encodedSnapshotBytes(copy);
    this.pending.push({ kind: 'snapshot', snapshot: copy, keepAfter });
  }

  async sync(): Promise<void> {
    this.checkUsable();
    if (this.pending.length === 0) return;
    const claimed = this.pending;
    this.pending = [];
    this.storage.transactionSync(() => {
      for (const write of claimed) this.applyToSql(write);
    });
    await this.storage.sync();
    this.syncCount++;
  }

  sizeBytes(): { log: number; snapshot: number } {
    return { log: this.logBytes, snapshot: this.snapshotBytes };
  }

  async close(): Promise<void> {
    if (this.closed || this.abandoned) return;
    await this.sync();
    this.closed = true;
  }

  /** Drops unsynced writes and refuses further use: what a reset of the object does to this store. */
  abandon(): void {
    this.abandoned = true;
    this.pending = [];
  }

  /** Removes this store's tables (a conformance run cleaning up after itself). */
  dropTables(): void {
    for (const table of Object.values(this.tables)) this.storage.sql.exec(`DROP TABLE IF EXISTS ${table}`);
    this.abandon();
  }

  private get lastIndex(): number {
    return this.snapshotIndex + this.terms.length;
  }

  private termAt(index: number): number | undefined {
    return this.terms[index - this.snapshotIndex - 1];
  }

  /** Forgets the bookkeeping of entries from slot `keep` on. */
  private dropFrom(keep: number): void {
    this.logBytes -= this.sizes.splice(keep).reduce((sum, n) => sum + n, 0);
    this.terms.splice(keep);
  }

  private applyToSql(write: PendingWrite): void {
    const { sql } = this.storage;
    if (write.kind === 'hardState') {
      sql.exec(`INSERT OR REPLACE INTO ${this.tables.meta} (key, body) VALUES (?, ?)`, HARD_STATE_KEY, blob(encodeHardState(write.hardState)));
    } else if (write.kind === 'append') {
      sql.exec(`DELETE FROM ${this.tables.log} WHERE idx >= ?`, write.entries[0]!.index);
      for (const entry of write.entries) {
        splitParts(encodeEntry(entry)).forEach((body, part) => {
          sql.exec(`INSERT INTO ${this.tables.log} (idx, part, body) VALUES (?, ?, ?)`, entry.index, part, body);
        });
      }
    } else {
      sql.exec(`DELETE FROM ${this.tables.snapshot}`);
      splitParts(encodeSnapshot(write.snapshot)).forEach((body, part) => {
        sql.exec(`INSERT INTO ${this.tables.snapshot} (part, body) VALUES (?, ?)`, part, body);
      });
      if (write.keepAfter) sql.exec(`DELETE FROM ${this.tables.log} WHERE idx <= ?`, write.snapshot.meta.index);
      else sql.exec(`DELETE FROM ${this.tables.log}`);
    }
  }

  /** The durable (and claimed) content of SQLite as a LogState. */
  private readStored(): LogState {
    const { sql } = this.storage;
    const state = new LogState();
    try {
      const hard = sql.exec<{ body: ArrayBuffer }>(`SELECT body FROM ${this.tables.meta} WHERE key = ?`, HARD_STATE_KEY).toArray()[0];
      state.hardState = hard ? decodeHardState(new Uint8Array(hard.body)) : EMPTY_HARD_STATE;
    } catch (error) {
      throw this.corruption(this.tables.meta, 0, error);
    }
    const snapshotParts = sql.exec<{ part: number; body: ArrayBuffer }>(`SELECT part, body FROM ${this.tables.snapshot} ORDER BY part`).toArray();
    if (snapshotParts.length > 0) {
      snapshotParts.forEach((row, i) => {
        if (row.part !== i) throw this.corruption(this.tables.snapshot, i, new Error(`part ${i} missing`));
      });
      try {
        state.saveSnapshot(decodeSnapshot(joinParts(snapshotParts.map((row) => row.body))));
      } catch (error) {
        throw this.corruption(this.tables.snapshot, 0, error);
      }
    }
    let expected = state.snapshotIndex + 1;
    let parts: ArrayBuffer[] = [];
    let partsIndex = -1;
    const entries: Entry[] = [];
    const finish = () => {
      if (partsIndex < 0) return;
      if (partsIndex !== expected) throw this.corruption(this.tables.log, partsIndex, new Error(`expected entry ${expected}`));
      try {
        const entry = decodeEntry(joinParts(parts));
        if (entry.index !== partsIndex) throw new CodecError(`row ${partsIndex} holds entry ${entry.index}`);
        entries.push(entry);
      } catch (error) {
        throw this.corruption(this.tables.log, partsIndex, error);
      }
      expected++;
    };
    for (const row of sql.exec<{ idx: number; part: number; body: ArrayBuffer }>(`SELECT idx, part, body FROM ${this.tables.log} ORDER BY idx, part`)) {
      if (row.idx !== partsIndex) {
        finish();
        partsIndex = row.idx;
        parts = [];
      }
      if (row.part !== parts.length) throw this.corruption(this.tables.log, row.idx, new Error(`part ${parts.length} missing`));
      parts.push(row.body);
    }
    finish();
    if (entries.length > 0) state.append(entries);
    return state;
  }

  private corruption(table: string, at: number, error: unknown): StorageCorruptionError {
    if (error instanceof StorageCorruptionError) return error;
    return new StorageCorruptionError(table, at, error instanceof Error ? error.message : String(error));
  }

  private checkUsable(): void {
    if (this.abandoned) throw new Error('DurableObjectLogStore used after its object was reset');
    if (this.closed) throw new Error('DurableObjectLogStore used after close');
  }
}

/** An exact ArrayBuffer holding `bytes`, as SQL bindings take BLOBs. */
function blob(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

function splitParts(bytes: Uint8Array): ArrayBuffer[] {
  if (bytes.byteLength <= PART_BYTES) return [blob(bytes)];
  const parts: ArrayBuffer[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += PART_BYTES) parts.push(blob(bytes.subarray(offset, offset + PART_BYTES)));
  return parts;
}

function joinParts(parts: readonly ArrayBuffer[]): Uint8Array {
  if (parts.length === 1) return new Uint8Array(parts[0]!);
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(new Uint8Array(part), offset);
    offset += part.byteLength;
  }
  return bytes;
}
