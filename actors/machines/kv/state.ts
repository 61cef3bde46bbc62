// The KV machine's replicated state and the only functions that change it. Invariants:
// - `keyIndex` holds exactly the keys of `live`, in compareKeys order;
// - `expiry` holds exactly the deadlines (`expiresAtMs`, key) of the live keys that have `expiresAtMs`;
// - a key is never both live and tombstoned;
// - every capture in `captures` holds, for each key written or deleted since it was taken, the entry
//   the key had then (undefined: none), so a snapshot encoded later reads the state as captured;
// - `tombstones` iterates in delete order (oldest first) and is pruned from the front.

import { invariant } from '../errors.ts';
import { ExpiryIndex } from './expiry-index.ts';
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
  /** Deadlines of the live keys with a TTL, soonest first, for the `expired` query. */
  readonly expiry: ExpiryIndex;
  /** Snapshots being encoded from this state (kv/snapshot.ts); usually none. */
  readonly captures: Set<KvCapture>;
}

/** A snapshot's view of the state at the moment it was captured. */
export interface KvCapture {
  /** The entry each key had at capture time (undefined: absent), recorded when the key first changes. */
  readonly before: Map<string, KvEntry | undefined>;
}

export function createKvState(): KvState {
  return { revision: 0, live: new Map(), keyIndex: new KeyIndex(), tombstones: new Map(), expiry: new ExpiryIndex(), captures: new Set() };
}

/** Stores `entry` under `key`, creating the key if needed. */
export function setEntry(state: KvState, key: string, entry: KvEntry): void {
  const previous = state.live.get(key);
  if (state.captures.size > 0) rememberForCaptures(state, key, previous);
  if (previous === undefined) {
    state.keyIndex.insert(key);
    state.tombstones.delete(key);
  }
  state.live.set(key, entry);
  moveDeadline(state, key, previous?.expiresAtMs, entry.expiresAtMs);
}

/** Deletes a live key, leaving a tombstone; forgets the oldest tombstones beyond `maxTombstones`. */
export function removeEntry(state: KvState, key: string, tombstone: Tombstone, maxTombstones: number): void {
  const previous = state.live.get(key);
  if (previous === undefined) return;
  if (state.captures.size > 0) rememberForCaptures(state, key, previous);
  state.live.delete(key);
  invariant(state.keyIndex.delete(key), `kv key index lost ${JSON.stringify(key)}`);
  moveDeadline(state, key, previous.expiresAtMs, undefined);
  state.tombstones.delete(key);
  state.tombstones.set(key, tombstone);
  for (const [oldest] of state.tombstones) {
    if (state.tombstones.size <= maxTombstones) break;
    state.tombstones.delete(oldest);
  }
}

function rememberForCaptures(state: KvState, key: string, previous: KvEntry | undefined): void {
  for (const capture of state.captures) if (!capture.before.has(key)) capture.before.set(key, previous);
}

/** Moves `key`'s deadline in `expiry` from `previous` to `next` (undefined: no TTL). */
function moveDeadline(state: KvState, key: string, previous: number | undefined, next: number | undefined): void {
  if (previous === next) return;
  if (previous !== undefined) invariant(state.expiry.delete({ expiresAtMs: previous, key }), `kv expiry index lost ${JSON.stringify(key)}`);
  if (next !== undefined) state.expiry.insert({ expiresAtMs: next, key });
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
