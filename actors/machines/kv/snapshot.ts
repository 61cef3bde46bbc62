// KV snapshot encoding. Layout (plain msgpack-able data):
//   { revision, entries: [key, value, createRevision, modRevision, version, lamport, expiresAtMs|null][]
//     in key order, tombstones: [key, revision, lamport][] oldest delete first }
// Both orders are functions of the state alone, so equal states snapshot to equal bytes.

import { isNonNegativeSafeInteger } from '../codec.ts';
import { invariant } from '../errors.ts';
import { compareKeys, keyProblem } from './keys.ts';
import { createKvState } from './state.ts';
import type { KvState } from './state.ts';

export function snapshotKvState(state: KvState): unknown {
  const entries: unknown[] = [];
  state.keyIndex.forEach((key) => {
    const e = state.live.get(key)!;
    entries.push([key, e.value, e.createRevision, e.modRevision, e.version, e.lamport, e.expiresAtMs ?? null]);
  });
  const tombstones = [...state.tombstones].map(([key, t]) => [key, t.revision, t.lamport]);
  return { revision: state.revision, entries, tombstones };
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
    if (expiresAtMs !== null) state.ttl.set(k, expiresAtMs);
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
