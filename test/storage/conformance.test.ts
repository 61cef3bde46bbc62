import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { logStoreConformanceCases, type LogStoreHarness } from '../../actors/storage/conformance.ts';
import { MemoryDisk, MemoryLogStore } from '../../actors/storage/memory.ts';
import type { LogStore } from '../../actors/storage/types.ts';
import { FileLogStore } from '../../infra/node/file-log-store.ts';

function memoryHarness(): LogStoreHarness {
  const disks = new WeakMap<LogStore, MemoryDisk>();
  const openOn = (disk: MemoryDisk): LogStore => {
    const store = new MemoryLogStore(disk);
    disks.set(store, disk);
    return store;
  };
  return {
    async open() {
      return openOn(new MemoryDisk());
    },
    async crashAndReopen(store) {
      const disk = disks.get(store)!;
      disk.crash();
      return openOn(disk);
    },
  };
}

const fileDirs: string[] = [];
const fileStores: FileLogStore[] = [];

function fileHarness(): LogStoreHarness {
  // Small segments so that most cases cross segment boundaries.
  const options = { segmentBytes: 1024, log: () => undefined };
  const dirs = new WeakMap<LogStore, string>();
  const openIn = async (dir: string): Promise<LogStore> => {
    const store = await FileLogStore.open(dir, options);
    dirs.set(store, dir);
    fileStores.push(store);
    return store;
  };
  return {
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'atlas-conformance-'));
      fileDirs.push(dir);
      return openIn(dir);
    },
    async crashAndReopen(store) {
      await (store as FileLogStore).abandon();
      return openIn(dirs.get(store)!);
    },
  };
}

afterAll(async () => {
  for (const store of fileStores) await store.abandon();
  await Promise.all(fileDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

for (const [backend, harness] of [
  ['memory', memoryHarness()],
  ['file', fileHarness()],
] as const) {
  describe(`LogStore conformance: ${backend} backend`, () => {
    for (const testCase of logStoreConformanceCases) {
      it(testCase.name, () => testCase.run(harness));
    }
  });
}
