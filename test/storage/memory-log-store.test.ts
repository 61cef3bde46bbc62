import { describe, expect, it } from 'vitest';
import { makeEntries, makeEntry } from '../../actors/storage/conformance.ts';
import { MemoryActorStorage, MemoryDisk, MemoryLogStore } from '../../actors/storage/memory.ts';
import type { Snapshot } from '../../actors/raft/types.ts';

const snapshot: Snapshot = {
  meta: { index: 3, term: 1, lamport: 9, config: { voters: ['n1'], learners: [] } },
  data: new Uint8Array([1, 2, 3]),
};

describe('MemoryLogStore crash semantics', () => {
  it('loses exactly the writes not covered by syncNow', async () => {
    const disk = new MemoryDisk();
    const store = new MemoryLogStore(disk);
    await store.load();
    store.append(makeEntries(1, 5, 1));
    store.setHardState({ term: 1, vote: 'n1', commit: 2 });
    store.syncNow();
    store.append(makeEntries(4, 7, 2));
    store.setHardState({ term: 2, vote: null, commit: 5 });
    store.saveSnapshot(snapshot);
    expect((await store.load()).entries).toEqual(makeEntries(4, 7, 2));
    disk.crash();

    const reopened = new MemoryLogStore(disk);
    expect(await reopened.load()).toEqual({
      hardState: { term: 1, vote: 'n1', commit: 2 },
      snapshot: null,
      entries: makeEntries(1, 5, 1),
    });
  });

  it('applies a sync to the disk synchronously', () => {
    const disk = new MemoryDisk();
    const store = new MemoryLogStore(disk);
    store.append(makeEntries(1, 3, 1));
    expect(disk.log.lastIndex).toBe(0);
    store.syncNow();
    expect(disk.log.lastIndex).toBe(3);
    expect(disk.syncCount).toBe(1);
    store.syncNow();
    expect(disk.syncCount).toBe(1);
  });

  it('refuses every call on a store opened before the crash', async () => {
    const disk = new MemoryDisk();
    const store = new MemoryLogStore(disk);
    disk.crash();
    expect(() => store.append([makeEntry(1, 1)])).toThrow(/used after its MemoryDisk crashed/);
    expect(() => store.syncNow()).toThrow(/crashed/);
    await expect(store.load()).rejects.toThrow(/crashed/);
  });

  it('keeps its own copy of entry data', async () => {
    const disk = new MemoryDisk();
    const store = new MemoryLogStore(disk);
    const entry = makeEntry(1, 1);
    const original = entry.data.slice();
    store.append([entry]);
    store.syncNow();
    entry.data.fill(0);
    disk.crash();
    expect((await new MemoryLogStore(disk).load()).entries[0]!.data).toEqual(original);
  });

  it('rejects appends that would leave a gap or rewrite the snapshot', () => {
    const store = new MemoryLogStore(new MemoryDisk());
    store.append(makeEntries(1, 5, 1));
    expect(() => store.append([makeEntry(7, 1)])).toThrow(/violates/);
    store.saveSnapshot(snapshot);
    expect(() => store.append([makeEntry(3, 2)])).toThrow(/violates/);
    expect(() => store.append([makeEntry(4, 1), makeEntry(6, 1)])).toThrow(/not contiguous/);
    expect(() => store.saveSnapshot({ ...snapshot, meta: { ...snapshot.meta, index: 2 } })).toThrow(/older/);
  });
});

describe('MemoryActorStorage crash semantics', () => {
  it('keeps synced puts and deletes, loses the rest', async () => {
    const disk = new MemoryDisk();
    const storage = new MemoryActorStorage(disk);
    await storage.put('identity', { publicKey: new Uint8Array([7, 7]) });
    await storage.put('doomed', 1);
    storage.syncNow();
    await storage.delete('doomed');
    await storage.put('later', 2);
    disk.crash();
    await expect(storage.get('identity')).rejects.toThrow(/crashed/);

    const reopened = new MemoryActorStorage(disk);
    expect(await reopened.list()).toEqual(
      new Map<string, unknown>([
        ['doomed', 1],
        ['identity', { publicKey: new Uint8Array([7, 7]) }],
      ]),
    );
  });
});
