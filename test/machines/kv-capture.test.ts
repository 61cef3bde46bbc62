// A KV snapshot capture (captureKvSnapshot) reads the state as it was when captured while later
// writes change it, and stops recording once its build releases it (finished or abandoned).

import { describe, expect, it } from 'vitest';
import { captureKvSnapshot, snapshotKvState } from '../../actors/machines/kv/snapshot.ts';
import { createKvState, removeEntry, setEntry, type KvEntry, type KvState } from '../../actors/machines/kv/state.ts';
import { SnapshotBuild, encodeInSlices, encodeSnapshotPart } from '../../actors/machines/snapshot-build.ts';

let revision = 0;
function entry(value: string, expiresAtMs?: number): KvEntry {
  revision++;
  return { value: new TextEncoder().encode(value), createRevision: revision, modRevision: revision, version: 1, lamport: revision, ...(expiresAtMs !== undefined ? { expiresAtMs } : {}) };
}

function populated(keys: number): KvState {
  const state = createKvState();
  for (let i = 0; i < keys; i++) setEntry(state, `k/${String(i).padStart(5, '0')}`, entry(`v${i}`, i % 3 === 0 ? 1_000 + i : undefined));
  state.revision = revision;
  return state;
}

const key = (i: number) => `k/${String(i).padStart(5, '0')}`;
const tombstone = { revision: 0, lamport: 0 };

describe('KV snapshot capture', () => {
  it('reads every key as of the capture while keys are overwritten, deleted, created and recreated', () => {
    const state = populated(3_000);
    const expected = encodeSnapshotPart(snapshotKvState(state));
    const build = new SnapshotBuild([captureKvSnapshot(state)]);
    let bytes: Uint8Array | null = null;
    for (let step = 1; bytes === null; step++) {
      bytes = build.step(0);
      // Keys in the rows not encoded yet (1,024 per step), from the end backwards.
      setEntry(state, key(2_999 - step * 13), entry('overwritten', 5));
      removeEntry(state, key(2_998 - step * 7), tombstone, 100);
      setEntry(state, `k/${String(2_990 - step * 5)}x`, entry('created'));
      removeEntry(state, key(2_997 - step * 11), tombstone, 100);
      setEntry(state, key(2_997 - step * 11), entry('recreated'));
    }
    expect(bytes).toEqual(expected);
    expect(encodeSnapshotPart(snapshotKvState(state))).not.toEqual(expected);
  });

  it('stops recording when its build finishes or is abandoned', async () => {
    const state = populated(2_000);
    const finished = new SnapshotBuild([captureKvSnapshot(state)]);
    expect(state.captures.size).toBe(1);
    finished.finish();
    expect(state.captures.size).toBe(0);

    const abandoned = new SnapshotBuild([captureKvSnapshot(state)]);
    const [capture] = state.captures;
    setEntry(state, key(1), entry('while captured'));
    expect(capture!.before.size).toBe(1);
    expect(await encodeInSlices(abandoned, 0, () => true)).toBeNull();
    expect(state.captures.size).toBe(0);
    setEntry(state, key(2), entry('after release'));
    expect(capture!.before.size).toBe(1);
  });
});
