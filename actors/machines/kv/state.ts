// The KV machine's replicated state and the only functions that change it. Invariants:
// - `keyIndex` holds exactly the keys of `live`, in compareKeys order;
// - `ttl` holds exactly the live keys that have `expiresAtMs`;
// - a key is never both live and tombstoned;
// - `tombstones` iterates in delete order (oldest first) and is pruned from the front.

import { invariant } from '../errors.ts';
import { KeyIndex } from './key-index.ts';

/** A live key. Immutable: a write replaces the whole object. */
export interface KvEntry {
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly lamport: number;
  readonly expiresAtMs?: number;
}

/** What remains of a deleted key. */
export interface Tombstone {
  /** Revision of the delete. */
  readonly revision: number;
  readonly lamport: number;
}

export interface KvState {
  /** Store revision: the revision of the last write (0 before any). */
  revision: number;
  readonly live: Map<string, KvEntry>;
  /** The live keys in key order, for listing and snapshots. */
  readonly keyIndex: KeyIndex;
  readonly tombstones: Map<string, Tombstone>;
  /** Live keys with a TTL -> their expiresAtMs. */
  readonly ttl: Map<string, number>;
}

export function createKvState(): KvState {
  return { revision: 0, live: new Map(), keyIndex: new KeyIndex(), tombstones: new Map(), ttl: new Map() };
}

/** Stores `entry` under `key`, creating the key if needed. */
export function setEntry(state: KvState, key: string, entry: KvEntry): void {
  if (!state.live.has(key)) {
    state.keyIndex.insert(key);
    state.tombstones.delete(key);
  }
  state.live.set(key, entry);
  if (entry.expiresAtMs === undefined) state.ttl.delete(key);
  else state.ttl.set(key, entry.expiresAtMs);
}

/** Deletes a live key, leaving a tombstone; forgets the oldest tombstones beyond `maxTombstones`. */
export function removeEntry(state: KvState, key: string, tombstone: Tombstone, maxTombstones: number): void {
  if (!state.live.delete(key)) return;
  invariant(state.keyIndex.delete(key), `kv key index lost ${JSON.stringify(key)}`);
  state.ttl.delete(key);
  state.tombstones.delete(key);
  state.tombstones.set(key, tombstone);
  for (const [oldest] of state.tombstones) {
    if (state.tombstones.size <= maxTombstones) break;
    state.tombstones.delete(oldest);
  }
}

/** The key's modRevision, 0 when absent. */
export function modRevisionOf(state: KvState, key: string): number {
  return state.live.get(key)?.modRevision ?? 0;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
