import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryActorStorage, MemoryDisk } from '../../actors/storage/memory.ts';
import { StorageCorruptionError, type ActorStorage } from '../../actors/storage/types.ts';
import { FileActorStorage } from '../../infra/node/file-actor-storage.ts';

/** Opens a fresh storage and reopens it after a crash (unsynced writes lost). */
interface ActorStorageHarness {
  open(): Promise<ActorStorage>;
  crashAndReopen(storage: ActorStorage): Promise<ActorStorage>;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const memory: ActorStorageHarness = (() => {
  const disks = new WeakMap<ActorStorage, MemoryDisk>();
  const on = (disk: MemoryDisk): ActorStorage => {
    const storage = new MemoryActorStorage(disk);
    disks.set(storage, disk);
    return storage;
  };
  return {
    open: async () => on(new MemoryDisk()),
    crashAndReopen: async (storage) => {
      const disk = disks.get(storage)!;
      disk.crash();
      return on(disk);
    },
  };
})();

const file: ActorStorageHarness = (() => {
  const paths = new WeakMap<ActorStorage, string>();
  const openIn = async (dir: string): Promise<ActorStorage> => {
    const storage = await FileActorStorage.open(dir);
    paths.set(storage, dir);
    return storage;
  };
  return {
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'atlas-actor-storage-'));
      dirs.push(dir);
      return openIn(dir);
    },
    // The file backend holds nothing open: dropping the object is a process crash.
    crashAndReopen: async (storage) => openIn(paths.get(storage)!),
  };
})();

for (const [backend, h] of [
  ['memory', memory],
  ['file', file],
] as const) {
  describe(`ActorStorage: ${backend} backend`, () => {
    it('gets, puts, deletes and lists by prefix in key order', async () => {
      const storage = await h.open();
      expect(await storage.get('missing')).toBeUndefined();
      await storage.put('node/b', { n: 2 });
      await storage.put('node/a', [1, 'x']);
      await storage.put('other', true);
      expect(await storage.get('node/b')).toEqual({ n: 2 });
      expect([...(await storage.list({ prefix: 'node/' })).keys()]).toEqual(['node/a', 'node/b']);
      expect(await storage.delete('other')).toBe(true);
      expect(await storage.delete('other')).toBe(false);
      expect((await storage.list()).size).toBe(2);
    });

    it('stores copies: mutating a stored or returned value changes nothing', async () => {
      const storage = await h.open();
      const value = { keys: [1, 2] };
      await storage.put('k', value);
      value.keys.push(3);
      const read = await storage.get<{ keys: number[] }>('k');
      read!.keys.push(4);
      expect(await storage.get('k')).toEqual({ keys: [1, 2] });
    });

    it('makes writes durable at sync and loses later ones in a crash', async () => {
      const storage = await h.open();
      const secret = new Uint8Array([1, 2, 3, 250]);
      await storage.put('identity', { secret, created: 17 });
      await storage.put('gone', 'x');
      await storage.sync();
      await storage.delete('gone');
      await storage.put('unsynced', 1);
      const reopened = await h.crashAndReopen(storage);
      expect(await reopened.get('identity')).toEqual({ secret, created: 17 });
      expect(await reopened.get('gone')).toBe('x');
      expect(await reopened.get('unsynced')).toBeUndefined();
    });

    it('applies a transaction all at once, or not at all when it throws', async () => {
      const storage = await h.open();
      await storage.put('a', 1);
      const result = await storage.transaction(async (txn) => {
        await txn.put('a', ((await txn.get<number>('a')) ?? 0) + 1);
        await txn.put('b', 'new');
        expect(await txn.get('b')).toBe('new');
        expect(await storage.get('b')).toBeUndefined();
        expect(await txn.delete('b')).toBe(true);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await storage.get('a')).toBe(2);
      expect(await storage.get('b')).toBeUndefined();
      await expect(
        storage.transaction(async (txn) => {
          await txn.put('a', 100);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await storage.get('a')).toBe(2);
    });
  });
}

describe('FileActorStorage', () => {
  it('refuses a corrupt file', async () => {
    const storage = await file.open();
    await storage.put('k', 'v');
    await storage.sync();
    const dir = dirs.at(-1)!;
    const path = join(dir, 'actor-storage');
    const bytes = await readFile(path);
    bytes[bytes.length - 1]! ^= 0x40;
    await writeFile(path, bytes);
    const error = await FileActorStorage.open(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as StorageCorruptionError).file).toBe(path);
  });

  it('writes only when something changed', async () => {
    const storage = (await file.open()) as FileActorStorage;
    await storage.put('k', 'v');
    await storage.sync();
    const after = storage.fsyncCount;
    await storage.sync();
    expect(storage.fsyncCount).toBe(after);
  });
});
