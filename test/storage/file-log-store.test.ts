import { appendFile, cp, mkdtemp, readdir, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeEntries, makeEntry } from '../../actors/storage/conformance.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import type { Snapshot } from '../../actors/raft/types.ts';
import { FileLogStore, type FileLogStoreOptions } from '../../infra/node/file-log-store.ts';
import { segmentFileName } from '../../infra/node/file-segment-format.ts';

const dirs: string[] = [];
const stores: FileLogStore[] = [];

afterAll(async () => {
  for (const store of stores) await store.abandon();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atlas-file-log-'));
  dirs.push(dir);
  return dir;
}

async function openStore(dir: string, options: FileLogStoreOptions = {}): Promise<FileLogStore> {
  const store = await FileLogStore.open(dir, { log: () => undefined, ...options });
  stores.push(store);
  return store;
}

/** A store in a fresh directory holding entries 1..count (term 1), synced and then abandoned. */
async function writtenDir(count: number, options: FileLogStoreOptions = {}): Promise<string> {
  const dir = await freshDir();
  const store = await openStore(dir, options);
  await store.load();
  store.append(makeEntries(1, count, 1));
  await store.sync();
  await store.abandon();
  return dir;
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'log'))).filter((name) => name.endsWith('.seg')).sort();
}

function snapshotAt(index: number, term: number, dataBytes = 0): Snapshot {
  const label = new TextEncoder().encode(`state at ${index}`);
  const data = new Uint8Array(Math.max(dataBytes, label.byteLength)).fill(7);
  data.set(label);
  return { meta: { index, term, lamport: 0, config: { voters: ['n1'], learners: [] } }, data };
}

async function loadError(dir: string): Promise<StorageCorruptionError> {
  const store = await openStore(dir);
  const error = await store.load().then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StorageCorruptionError);
  return error as StorageCorruptionError;
}

describe('FileLogStore recovery', () => {
  // The byte surgery below assumes a file that ends with its last record: no preallocated zeros.
  it('truncates a record torn in the middle, logs one line and keeps working', async () => {
    const dir = await writtenDir(10, { preallocateBytes: 0 });
    const segment = join(dir, 'log', segmentFileName(1));
    const size = (await stat(segment)).size;
    const lastRecordOffset = (size / 10) * 9;
    await truncate(segment, size - 5);

    const lines: string[] = [];
    const store = await openStore(dir, { log: (line) => lines.push(line) });
    const state = await store.load();
    expect(state.entries).toEqual(makeEntries(1, 9, 1));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(segment);
    expect(lines[0]).toContain(`offset ${lastRecordOffset}`);
    expect(lines[0]).not.toContain('\n');
    expect((await stat(segment)).size).toBe(lastRecordOffset);

    store.append([makeEntry(10, 2)]);
    await store.sync();
    await store.abandon();
    const reopenedLines: string[] = [];
    const reopened = await openStore(dir, { log: (line) => reopenedLines.push(line) });
    expect((await reopened.load()).entries).toEqual([...makeEntries(1, 9, 1), makeEntry(10, 2)]);
    expect(reopenedLines).toEqual([]);
  });

  it('truncates garbage appended after the last record, quietly when it is only zeros', async () => {
    const garbageKinds: [string, Uint8Array][] = [
      ['random bytes', Uint8Array.from({ length: 37 }, (_, i) => (i * 73 + 0xa5) & 0xff)],
      // A plausible header (length 40) whose checksum does not match its payload.
      ['a record with a bad checksum', Uint8Array.from([40, 0, 0, 0, 1, 2, 3, 4, ...new Array(40).fill(7)])],
      ['unwritten (zero) sectors', new Uint8Array(2048)],
    ];
    for (const [kind, garbage] of garbageKinds) {
      const dir = await writtenDir(10, { preallocateBytes: 0 });
      const segment = join(dir, 'log', segmentFileName(1));
      const size = (await stat(segment)).size;
      await appendFile(segment, garbage);
      const lines: string[] = [];
      const store = await openStore(dir, { log: (line) => lines.push(line) });
      expect((await store.load()).entries, kind).toEqual(makeEntries(1, 10, 1));
      if (garbage.every((byte) => byte === 0)) {
        expect(lines, kind).toEqual([]);
      } else {
        expect(lines, kind).toHaveLength(1);
        expect(lines[0], kind).toContain(`${segment} at offset ${size}`);
      }
      expect((await stat(segment)).size, kind).toBe(size);
    }
  });

  it('refuses a bad record in the middle of the last segment', async () => {
    const dir = await writtenDir(10);
    const segment = join(dir, 'log', segmentFileName(1));
    const bytes = await readFile(segment);
    bytes[20]! ^= 0x01; // inside the first record's payload
    await writeFile(segment, bytes);
    const error = await loadError(dir);
    expect(error.file).toBe(segment);
    expect(error.offset).toBe(0);
    expect(error.message).toContain(`${segment} at offset 0`);
    expect(error.message).toContain('crc32c mismatch');
    expect(error.message).not.toContain('\n');
  });

  it('refuses a torn-looking record in a segment that is not the last one', async () => {
    const dir = await writtenDir(40, { segmentBytes: 512 });
    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    const first = join(dir, 'log', files[0]!);
    await truncate(first, (await stat(first)).size - 3);
    const error = await loadError(dir);
    expect(error.file).toBe(first);
    expect(error.message).toMatch(/short record/);
  });

  it('refuses a gap between segments', async () => {
    const dir = await writtenDir(40, { segmentBytes: 512 });
    const files = await segmentFiles(dir);
    await unlink(join(dir, 'log', files[1]!));
    const error = await loadError(dir);
    expect(error.file).toBe(join(dir, 'log', files[2]!));
    expect(error.offset).toBe(0);
    expect(error.message).toMatch(/segment starts at entry \d+, previous segment ends at \d+/);
  });

  it('refuses a corrupt or truncated hard state', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await store.load();
    store.setHardState({ term: 4, vote: 'n2', commit: 0 });
    await store.sync();
    await store.abandon();
    const path = join(dir, 'hardstate');
    const bytes = await readFile(path);

    const flipped = Uint8Array.from(bytes);
    flipped[bytes.length - 1]! ^= 0xff;
    await writeFile(path, flipped);
    let error = await loadError(dir);
    expect(error.file).toBe(path);
    expect(error.offset).toBe(16);
    expect(error.message).toContain('crc32c mismatch');

    await writeFile(path, bytes.subarray(0, bytes.length - 2));
    error = await loadError(dir);
    expect(error.file).toBe(path);
    expect(error.message).toMatch(/header declares \d+ body bytes/);
  });

  it('refuses a corrupt snapshot', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await store.load();
    store.append(makeEntries(1, 5, 1));
    store.saveSnapshot(snapshotAt(5, 1));
    await store.sync();
    await store.abandon();
    const path = join(dir, 'snapshots', '5-1.snap');
    const bytes = await readFile(path);
    bytes[bytes.length - 3]! ^= 0x10;
    await writeFile(path, bytes);
    const error = await loadError(dir);
    expect(error.file).toBe(path);
    expect(error.message).toContain('crc32c mismatch');
  });
});

describe('FileLogStore group commit', () => {
  // Inline, each sync blocks the thread, so appends land between syncs; off the thread they land while
  // a write is in flight and must belong to the next sync.
  it.each([
    ['inline', false],
    ['off the thread', true],
  ])('makes 1,000 appends issued while syncs run durable with far fewer datasyncs (%s)', async (_mode, offThread) => {
    const dir = await freshDir();
    const syncs: { latencyMs: number; bytes: number }[] = [];
    const store = await openStore(dir, { onSync: (latencyMs, bytes) => syncs.push({ latencyMs, bytes }) });
    await store.load();
    let running: Promise<void> | null = null;
    for (let index = 1; index <= 1000; index++) {
      store.append([makeEntry(index, 1, 100)]);
      // As a replica shell does: start a sync whenever none is running; appends meanwhile wait for the next.
      running ??= store.sync({ offThread }).finally(() => {
        running = null;
      });
      // Appends arrive in bursts of 10, as messages do; a sync may complete between bursts.
      if (index % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    while (running !== null) await running;
    await store.sync();

    // At most one sync starts per burst, and each covers every append issued before it started.
    expect(store.syncCount).toBeGreaterThan(1);
    expect(store.syncCount).toBeLessThanOrEqual(102);
    expect(syncs).toHaveLength(store.syncCount);
    const totalBytes = syncs.reduce((sum, sync) => sum + sync.bytes, 0);
    expect(totalBytes).toBe(store.sizeBytes().log);
    expect((await stat(join(dir, 'log', segmentFileName(1)))).size).toBeGreaterThanOrEqual(totalBytes);
    // One datasync per sync, plus one directory fsync when the segment was created.
    expect(store.fsyncCount).toBe(store.syncCount + 1);

    await store.abandon();
    const reopened = await openStore(dir);
    expect((await reopened.load()).entries).toEqual(makeEntries(1, 1000, 1, 100));
  });

  it('keeps appends in memory until sync', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await store.load();
    store.append(makeEntries(1, 50, 1));
    expect(await segmentFiles(dir)).toEqual([]);
    await store.sync();
    const size = (await stat(join(dir, 'log', segmentFileName(1)))).size;
    const synced = store.sizeBytes().log;
    store.append(makeEntries(51, 60, 1));
    store.setHardState({ term: 1, vote: null, commit: 60 });
    expect((await stat(join(dir, 'log', segmentFileName(1)))).size).toBe(size);
    expect(await readdir(dir)).not.toContain('hardstate');
    expect(store.sizeBytes().log).toBeGreaterThan(synced);
  });

  it('appends 10,000 100-byte entries in batches of 100 with one datasync per batch', async () => {
    const dir = await freshDir();
    const store = await openStore(dir);
    await store.load();
    const started = performance.now();
    for (let from = 1; from <= 10_000; from += 100) {
      store.append(makeEntries(from, from + 99, 1, 100));
      await store.sync();
    }
    const elapsedMs = performance.now() - started;
    expect(store.syncCount).toBe(100);
    expect(store.fsyncCount).toBe(101);
    // Loose bound for a shared machine; the measured rate is reported by measure-file-log-store.ts.
    expect(10_000 / (elapsedMs / 1000)).toBeGreaterThan(5_000);
  });
});

describe('FileLogStore compaction', () => {
  it('deletes the segments below a snapshot and older snapshot files once the snapshot is durable', async () => {
    const dir = await writtenDir(100, { segmentBytes: 512 });
    const before = await segmentFiles(dir);
    expect(before.length).toBeGreaterThan(5);
    const store = await openStore(dir, { segmentBytes: 512 });
    await store.load();
    store.saveSnapshot(snapshotAt(40, 1));
    expect(await segmentFiles(dir)).toEqual(before);
    await store.sync();
    await store.compacted();
    const firstIndexes = (await segmentFiles(dir)).map((name) => Number(name.slice(0, 20)));
    // The oldest surviving segment is the one holding entry 41; all below it are gone.
    expect(firstIndexes[0]).toBeLessThanOrEqual(41);
    expect(firstIndexes[1]).toBeGreaterThan(41);
    expect(firstIndexes.length).toBeLessThan(before.length);
    expect(await readdir(join(dir, 'snapshots'))).toEqual(['40-1.snap']);

    store.saveSnapshot(snapshotAt(100, 1));
    await store.sync();
    await store.compacted();
    expect(await segmentFiles(dir)).toEqual([]);
    expect(await readdir(join(dir, 'snapshots'))).toEqual(['100-1.snap']);
    store.append(makeEntries(101, 103, 2));
    await store.sync();
    expect(await segmentFiles(dir)).toEqual([segmentFileName(101)]);
    await store.abandon();
    const reopened = await openStore(dir);
    const state = await reopened.load();
    expect(state.snapshot?.meta.index).toBe(100);
    expect(state.entries).toEqual(makeEntries(101, 103, 2));
  });

  it('finishes a compaction interrupted between the snapshot and the segment deletions', async () => {
    for (const conflicting of [false, true]) {
      const dir = await writtenDir(60, { segmentBytes: 512 });
      const saved = await freshDir();
      await cp(join(dir, 'log'), saved, { recursive: true });
      const store = await openStore(dir, { segmentBytes: 512 });
      await store.load();
      store.saveSnapshot(snapshotAt(30, conflicting ? 2 : 1));
      await store.sync();
      await store.abandon();
      // The crash came after the snapshot was durable but before the old segments were deleted.
      await cp(saved, join(dir, 'log'), { recursive: true });

      const reopened = await openStore(dir, { segmentBytes: 512 });
      const state = await reopened.load();
      expect(state.snapshot?.meta).toEqual(snapshotAt(30, conflicting ? 2 : 1).meta);
      expect(state.entries).toEqual(conflicting ? [] : makeEntries(31, 60, 1));
      const firstIndexes = (await segmentFiles(dir)).map((name) => Number(name.slice(0, 20)));
      if (conflicting) expect(firstIndexes).toEqual([]);
      else expect(firstIndexes[1]).toBeGreaterThan(31);
      reopened.append(makeEntries(conflicting ? 31 : 61, 62, 2));
      await reopened.sync();
    }
  });
});

describe('FileLogStore background compaction', () => {
  /** Entries 1..100 synced in 512-byte segments, and the store still open. */
  async function compactable(): Promise<{ dir: string; store: FileLogStore; before: string[] }> {
    const dir = await writtenDir(100, { segmentBytes: 512 });
    const store = await openStore(dir, { segmentBytes: 512 });
    await store.load();
    return { dir, store, before: await segmentFiles(dir) };
  }

  it('syncs the log while a large compaction snapshot is written, and deletes its segments only once it is durable', async () => {
    const { dir, store, before } = await compactable();
    const order: string[] = [];
    store.saveSnapshot(snapshotAt(60, 1, 24 * 1024 * 1024));
    const compacted = store.compacted().then(() => order.push('compacted'));
    store.append(makeEntries(101, 110, 1));
    await store.sync().then(() => order.push('log synced'));
    // The log's sync did not wait for the snapshot, and no segment was deleted while it was written.
    expect(order).toEqual(['log synced']);
    expect((await segmentFiles(dir)).filter((name) => before.includes(name))).toEqual(before);
    expect(order).toEqual(['log synced']);
    await compacted;
    expect(await readdir(join(dir, 'snapshots'))).toEqual(['60-1.snap']);
    const firstIndexes = (await segmentFiles(dir)).map((name) => Number(name.slice(0, 20)));
    expect(firstIndexes[0]).toBeLessThanOrEqual(61);
    expect(firstIndexes[1]).toBeGreaterThan(61);
    await store.abandon();
    const state = await (await openStore(dir)).load();
    expect(state.snapshot?.meta.index).toBe(60);
    expect(state.snapshot?.data.byteLength).toBe(24 * 1024 * 1024);
    expect(state.entries).toEqual(makeEntries(61, 110, 1));
  });

  it('writes only the newest of the compactions that wait for a running one', async () => {
    const { dir, store } = await compactable();
    store.saveSnapshot(snapshotAt(30, 1, 8 * 1024 * 1024));
    store.saveSnapshot(snapshotAt(50, 1));
    store.saveSnapshot(snapshotAt(70, 1));
    await store.compacted();
    expect(await readdir(join(dir, 'snapshots'))).toEqual(['70-1.snap']);
    expect(Number((await segmentFiles(dir))[0]!.slice(0, 20))).toBeLessThanOrEqual(71);
    await store.abandon();
    const state = await (await openStore(dir)).load();
    expect(state.snapshot?.meta.index).toBe(70);
    expect(state.entries).toEqual(makeEntries(71, 100, 1));
  });

  it('makes an installed snapshot that conflicts with the log wait for a running compaction, and keeps only the installed one', async () => {
    const { dir, store } = await compactable();
    store.saveSnapshot(snapshotAt(40, 1, 16 * 1024 * 1024));
    store.saveSnapshot(snapshotAt(120, 3));
    await store.sync();
    await store.compacted();
    await store.sync();
    expect(await readdir(join(dir, 'snapshots'))).toEqual(['120-3.snap']);
    expect(await segmentFiles(dir)).toEqual([]);
    await store.abandon();
    const state = await (await openStore(dir)).load();
    expect(state.snapshot?.meta).toEqual(snapshotAt(120, 3).meta);
    expect(state.entries).toEqual([]);
  });

  it('writes a snapshot over entries not yet durable in the sync that follows, as before', async () => {
    const dir = await freshDir();
    const store = await openStore(dir, { segmentBytes: 512 });
    await store.load();
    store.append(makeEntries(1, 50, 1));
    store.saveSnapshot(snapshotAt(30, 1));
    await store.sync();
    // No compaction ran: the sync wrote the snapshot before the log.
    expect(await readdir(join(dir, 'snapshots'))).toEqual(['30-1.snap']);
    await store.abandon();
    const state = await (await openStore(dir)).load();
    expect(state.snapshot?.meta.index).toBe(30);
    expect(state.entries).toEqual(makeEntries(31, 50, 1));
  });
});

describe('FileLogStore preallocation', () => {
  const MiB = 1024 * 1024;

  it('writes zeros ahead of the records, fills them in place, and reopens without a repair line', async () => {
    const dir = await freshDir();
    const store = await openStore(dir, { preallocateBytes: MiB });
    await store.load();
    const segment = join(dir, 'log', segmentFileName(1));
    store.append(makeEntries(1, 10, 1));
    await store.sync();
    const allocated = (await stat(segment)).size;
    expect(allocated).toBe(store.sizeBytes().log + MiB);
    store.append(makeEntries(11, 20, 1));
    await store.sync();
    expect((await stat(segment)).size).toBe(allocated);
    const records = store.sizeBytes().log;
    await store.abandon();

    const lines: string[] = [];
    const reopened = await openStore(dir, { log: (line) => lines.push(line) });
    expect((await reopened.load()).entries).toEqual(makeEntries(1, 20, 1));
    expect(lines).toEqual([]);
    expect((await stat(segment)).size).toBe(records);
    reopened.append(makeEntries(21, 21, 1));
    await reopened.sync();
    expect((await stat(segment)).size).toBeGreaterThan(records + MiB);
  });

  it('never preallocates past segmentBytes, so a full segment has no zeros left when the next one starts', async () => {
    const dir = await freshDir();
    const segmentBytes = 2048;
    const store = await openStore(dir, { segmentBytes, preallocateBytes: MiB });
    await store.load();
    for (let index = 1; index <= 60; index++) {
      store.append([makeEntry(index, 1, 100)]);
      await store.sync();
    }
    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    // Zeros never reach past segmentBytes (records may: a segment overshoots by up to one record).
    expect((await stat(join(dir, 'log', files.at(-1)!))).size).toBeLessThan(segmentBytes + 200);
    await store.abandon();

    // Recovery accepts zeros only at the end of the last segment: a sealed one with zeros is corrupt.
    const lines: string[] = [];
    const reopened = await openStore(dir, { segmentBytes, log: (line) => lines.push(line) });
    expect((await reopened.load()).entries).toEqual(Array.from({ length: 60 }, (_, i) => makeEntry(i + 1, 1, 100)));
    expect(lines).toEqual([]);
  });

  it('overwrites conflicting entries inside the preallocated space', async () => {
    const dir = await freshDir();
    const store = await openStore(dir, { preallocateBytes: MiB });
    await store.load();
    store.append(makeEntries(1, 10, 1));
    await store.sync();
    store.append(makeEntries(6, 8, 2));
    await store.sync();
    await store.abandon();
    const reopened = await openStore(dir);
    expect((await reopened.load()).entries).toEqual([...makeEntries(1, 5, 1), ...makeEntries(6, 8, 2)]);
  });
});
