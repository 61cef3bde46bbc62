// KV snapshot encoding. Layout (plain msgpack-able data):
//   { revision, entries: [key, value, createRevision, modRevision, version, lamport, expiresAtMs|null][]
//     in key order, tombstones: [key, revision, lamport][] oldest delete first }
// Both orders are functions of the state alone, so equal states snapshot to equal bytes.

import { isNonNegativeSafeInteger } from '../codec.ts';
import { invariant } from '../errors.ts';
import { compareKeys, keyProblem } from './keys.ts';
import { ByteSlab } from '../../codec/byte-slab.ts';
import { joinBytes } from '../../codec/join-bytes.ts';
import { arrayHeader, encodeSnapshotPart, mapHeader, type StreamedValue } from '../snapshot-build.ts';
import { createKvState } from './state.ts';
import type { KvCapture, KvEntry, KvState } from './state.ts';

/**
 * The same snapshot as snapshotKvState, captured now and encoded later in slices (snapshot-build.ts).
 * Capturing copies only the ordered key list (chunk by chunk, no call per key: at a million keys a
 * pass that also looked up each entry held the thread for half a second, an election timeout) and
 * registers a KvCapture, through which later writes record the entries they replace; the rows read
 * each key's entry as of the capture when the build asks for them. The capture ends with the build.
 */
export function captureKvSnapshot(state: KvState): StreamedValue {
  const capture: KvCapture = { before: new Map() };
  state.captures.add(capture);
  const chunks = state.keyIndex.copyChunks();
  const count = state.keyIndex.size;
  const tombstones = [...state.tombstones].map(([key, t]) => [key, t.revision, t.lamport]);
  // Map keys in canonical (sorted) order: entries, revision, tombstones.
  const before = [mapHeader(3), encodeSnapshotPart('entries'), arrayHeader(count)];
  const after = [encodeSnapshotPart('revision'), encodeSnapshotPart(state.revision), encodeSnapshotPart('tombstones'), encodeSnapshotPart(tombstones)];
  let chunk = 0;
  let offset = 0;
  let emitted = 0;
  return {
    before: joinBytes(before),
    count,
    rows(from, to) {
      invariant(from === emitted && to <= count, `kv snapshot rows [${from}, ${to}) after ${emitted} of ${count}`);
      const rows: unknown[] = [];
      for (; emitted < to; emitted++) {
        const keys = chunks[chunk]!;
        const key = keys[offset]!;
        const entry = capture.before.has(key) ? capture.before.get(key) : state.live.get(key);
        rows.push(kvRow(key, entry!));
        if (++offset === keys.length) {
          chunk++;
          offset = 0;
        }
      }
      return rows;
    },
    after: joinBytes(after),
    release() {
      state.captures.delete(capture);
    },
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

/**
 * Bytes of each slab the restored values are copied into. One buffer per value (as a put stores it)
 * made restoring a million 100-byte values take 3 s more (5 s against 2 s) in allocations and GC. A
 * slab stays while any of its values lives, so a restored state never pins more than it held then.
 */
const RESTORE_SLAB_BYTES = 64 * 1024;

/** Rebuilds a state; throws an invariant Error when `data` is not a KV snapshot. */
export function restoreKvState(data: unknown): KvState {
  const snapshot = data as { revision?: unknown; entries?: unknown; tombstones?: unknown };
  invariant(typeof data === 'object' && data !== null, 'kv snapshot must be a map');
  invariant(isNonNegativeSafeInteger(snapshot.revision), 'kv snapshot revision is invalid');
  invariant(Array.isArray(snapshot.entries) && Array.isArray(snapshot.tombstones), 'kv snapshot lists are missing');
  const state = createKvState();
  const slab = new ByteSlab(RESTORE_SLAB_BYTES, RESTORE_SLAB_BYTES / 16);
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
      value: slab.copy(value),
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
