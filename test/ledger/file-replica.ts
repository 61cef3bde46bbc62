// A single-voter replica on real files (FileLogStore and FileActorStorage in one data directory), in
// this process: commits without peers, so a test can write a data directory and then audit it.

import { readFile, writeFile } from 'node:fs/promises';
import { createKvMachine } from '../../actors/machines/kv/machine.ts';
import { seededRng } from '../../actors/raft/rand.ts';
import type { Entry } from '../../actors/raft/types.ts';
import { intervalTicker, systemClock, type Logger } from '../../actors/replica/ports.ts';
import { Replica } from '../../actors/replica/replica.ts';
import { decodeEntry } from '../../actors/storage/entry-codec.ts';
import { FileActorStorage } from '../../infra/node/file-actor-storage.ts';
import { FileLogStore } from '../../infra/node/file-log-store.ts';
import { RECORD_HEADER_BYTES, RecordBuffer } from '../../infra/node/file-segment-format.ts';
import { MemoryNetwork } from '../helpers/memory-network.ts';

const quiet: Logger = { info: () => {}, warn: () => {}, error: (line) => console.error(line) };

export async function startFileReplica(dir: string, options: { snapshotEveryEntries?: number } = {}): Promise<Replica> {
  const replica = await Replica.open({
    id: 'r1',
    cluster: 'test',
    bootstrap: { voters: ['r1'], learners: [] },
    logStore: await FileLogStore.open(dir, { log: () => {} }),
    identity: await FileActorStorage.open(dir),
    transport: new MemoryNetwork().transportFor('r1'),
    ticker: intervalTicker,
    clock: systemClock,
    logger: quiet,
    rng: seededRng(7),
    machines: [createKvMachine()],
    tickMs: 10,
    ...(options.snapshotEveryEntries !== undefined ? { snapshotEveryEntries: options.snapshotEveryEntries } : {}),
  });
  replica.start();
  return replica;
}

export interface SegmentRecord {
  readonly offset: number;
  readonly entry: Entry;
}

/** Every record of a segment file with its offset. */
export async function readRecords(path: string): Promise<SegmentRecord[]> {
  const bytes = new Uint8Array(await readFile(path));
  const view = new DataView(bytes.buffer);
  const records: SegmentRecord[] = [];
  for (let offset = 0; offset < bytes.byteLength; ) {
    const length = view.getUint32(offset, true);
    // Zeros after the records: the space the store preallocates.
    if (length === 0) break;
    const start = offset + RECORD_HEADER_BYTES;
    records.push({ offset, entry: decodeEntry(bytes.subarray(start, start + length)) });
    offset = start + length;
  }
  return records;
}

/** Rewrites a segment file from entries, with valid lengths and checksums. */
export async function writeRecords(path: string, entries: readonly Entry[]): Promise<void> {
  const buffer = new RecordBuffer();
  for (const entry of entries) buffer.appendRecord(entry);
  await writeFile(path, buffer.contents());
}
