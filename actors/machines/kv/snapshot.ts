// KV snapshot encoding. Layout (plain msgpack-able data):
//   { revision, entries: [key, value, createRevision, modRevision, version, lamport, expiresAtMs|null][]
//     in key order, tombstones: [key, revision, lamport][] oldest delete first }
// Both orders are functions of the state alone, so equal states snapshot to equal bytes.

import { isNonNegativeSafeInteger } from '../codec.ts';
import { invariant } from '../errors.ts';
import { compareKeys, keyProblem } from './keys.ts';
import { joinBytes } from '../../codec/join-bytes.ts';
import { arrayHeader, encodeSnapshotPart, mapHeader, type StreamedValue } from '../snapshot-build.ts';
import { createKvState } from './state.ts';
import type { KvEntry, KvState } from './state.ts';

/**
 * The same snapshot as snapshotKvState, captured now and encoded later in slices (snapshot-build.ts):
 * the keys and their entry objects are collected at once (entries are immutable, so applies after the
 * capture cannot change them); the rows are built from those references as the build asks for them.
 */
export function captureKvSnapshot(state: KvState): StreamedValue {
  const keys: string[] = [];
  const entries: KvEntry[] = [];
  state.keyIndex.forEach((key) => {
    keys.push(key);
    entries.push(state.live.get(key)!);
  });
  const tombstones = [...state.tombstones].map(([key, t]) => [key, t.revision, t.lamport]);
  // Map keys in canonical (sorted) order: entries, revision, tombstones.
  const before = [mapHeader(3), encodeSnapshotPart('entries'), arrayHeader(keys.length)];
  const after = [encodeSnapshotPart('revision'), encodeSnapshotPart(state.revision), encodeSnapshotPart('tombstones'), encodeSnapshotPart(tombstones)];
  return {
    before: joinBytes(before),
    count: keys.length,
    rows(from, to) {
      const rows: unknown[] = [];
      for (let i = from; i < to; i++) {
        rows.push(kvRow(keys[i]!, entries[i]!));
      }
      return rows;
    },
    after: joinBytes(after),
  };
}

export function snapshotKvState(state: KvState): unknown {
  const entries: unknown[] = [];
  state.keyIndex.forEach((key) => entries.push(kvRow(key, state.live.get(key)!)));
  const tombstones = [...state.tombstones].map(([key, t]) => [key, t.revision, t.lamport]);
  return { revision: state.revision, entries, tombstones };
}

function kvRow(key: string, e: KvEntry): unknown[] {
  return [key, e.value, e.createRevision, e.modRevision, e.version, e.lamport, e.expiresAtMs ?? null];
}

/** Rebuilds a state; throws an invariant Error when `data` is not a KV snapshot. */
export function restoreKvState(data: unknown): KvState {
  const snapshot = data as { revision?: unknown; entries?: unknown; tombstones?: unknown };
  invariant(typeof data === 'object' && data !== null, 'kv snapshot must be a map');
  invariant(isNonNegativeSafeInteger(snapshot.revision), 'kv snapshot revision is invalid');
  invariant(Array.isArray(snapshot.entries) && Array.isArray(snapshot.tombstones), 'kv snapshot lists are missing');
  const state = createKvState();
  state.revision = snapshot.revision;
  let previousKey: string | null = null;
  for (const row of snapshot.entries as unknown[]) {
    invariant(Array.isArray(row) && row.length === 7, 'kv snapshot entry must be a 7-tuple');
    const [key, value, createRevision, modRevision, version, lamport, expiresAtMs] = row as unknown[];
    invariant(keyProblem(key) === null, 'kv snapshot key is invalid');
    const k = key as string;
    invariant(previousKey === null || compareKeys(previousKey, k) < 0, 'kv snapshot keys are not sorted');
    invariant(value instanceof Uint8Array, 'kv snapshot value must be bytes');
    invariant(
      isNonNegativeSafeInteger(createRevision) &&
        isNonNegativeSafeInteger(modRevision) &&
        isNonNegativeSafeInteger(version) &&
        isNonNegativeSafeInteger(lamport) &&
        (expiresAtMs === null || isNonNegativeSafeInteger(expiresAtMs)),
      'kv snapshot entry has invalid numbers',
    );
    state.live.set(k, {
      value: value.slice(),
      createRevision,
      modRevision,
      version,
      lamport,
      ...(expiresAtMs !== null ? { expiresAtMs } : {}),
    });
    state.keyIndex.append(k);
    if (expiresAtMs !== null) state.expiry.insert({ expiresAtMs, key: k });
    previousKey = k;
  }
  for (const row of snapshot.tombstones as unknown[]) {
    invariant(Array.isArray(row) && row.length === 3, 'kv snapshot tombstone must be a 3-tuple');
    const [key, revision, lamport] = row as unknown[];
    invariant(
      typeof key === 'string' && !state.live.has(key) && isNonNegativeSafeInteger(revision) && isNonNegativeSafeInteger(lamport),
      'kv snapshot tombstone is invalid',
    );
    state.tombstones.set(key, { revision, lamport });
  }
  return state;
}
