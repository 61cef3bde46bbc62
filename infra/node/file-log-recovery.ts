// Reads a FileLogStore directory back at start and brings it to a consistent state:
//   - deletes leftover temp files and every snapshot file but the newest;
//   - truncates a torn tail of the last segment (and logs one line, unless it is only zeros: the
//     space FileLogStore preallocates after the records);
//   - applies the newest snapshot to the log exactly as saveSnapshot did, finishing a sync that
//     crashed after the snapshot became durable but before the segments it made obsolete were deleted.
// Anything else that does not check out raises StorageCorruptionError.

import { mkdir, open, readdir, readFile as readFileBuffer } from 'node:fs/promises';
import { join } from 'node:path';
import { CodecError, decodeHardState, decodeSnapshot } from '../../actors/storage/entry-codec.ts';
import { EMPTY_HARD_STATE } from '../../actors/storage/log-state.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import type { Entry, HardState, Snapshot } from '../../actors/raft/types.ts';
import { TEMP_SUFFIX, fsyncDirectory, unlinkIfPresent, type FsyncCounter } from './file-atomic.ts';
import { FRAME_HEADER_BYTES, fileMagic, unframe } from './file-checksummed.ts';
import { isZero, parseSegmentFileName, scanSegment } from './file-segment-format.ts';

export const HARD_STATE_FILE = 'hardstate';
export const HARD_STATE_MAGIC = fileMagic('ATHS');
export const SNAPSHOT_MAGIC = fileMagic('ATSN');
const SNAPSHOT_NAME = /^(\d+)-(\d+)\.snap$/;

export interface LogDirectory {
  readonly root: string;
  readonly log: string;
  readonly snapshots: string;
}

export function logDirectory(root: string): LogDirectory {
  return { root, log: join(root, 'log'), snapshots: join(root, 'snapshots') };
}

export function snapshotFileName(index: number, term: number): string {
  return `${index}-${term}.snap`;
}

export interface RecoveredSegment {
  readonly firstIndex: number;
  /** File size after recovery. */
  readonly bytes: number;
}

export interface RecoveredLog {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly snapshotFile: string | null;
  readonly snapshotFileBytes: number;
  /** Entries after the snapshot, contiguous. */
  readonly entries: Entry[];
  /** File offset of each entry's record, parallel to `entries`. */
  readonly entryOffsets: number[];
  /** Surviving segments in index order; the entries above live in them. */
  readonly segments: RecoveredSegment[];
}

interface ScannedFile {
  readonly firstIndex: number;
  readonly path: string;
  readonly bytes: number;
  readonly entries: Entry[];
  readonly offsets: number[];
}

export async function recoverLog(
  dir: LogDirectory,
  log: (line: string) => void,
  counter: FsyncCounter,
): Promise<RecoveredLog> {
  for (const path of [dir.root, dir.log, dir.snapshots]) await mkdir(path, { recursive: true });
  await deleteTempFiles(dir.root);
  await deleteTempFiles(dir.snapshots);
  const { snapshot, snapshotFile, snapshotFileBytes } = await recoverSnapshot(dir);
  const hardState = await recoverHardState(dir);
  const scanned = await scanSegments(dir, log, counter);

  const snapshotIndex = snapshot?.meta.index ?? 0;
  const first = scanned[0];
  const last = scanned.at(-1);
  const lastIndex = last === undefined ? snapshotIndex : last.firstIndex + last.entries.length - 1;
  if (first !== undefined && first.firstIndex > snapshotIndex + 1) {
    throw new StorageCorruptionError(
      first.path,
      0,
      `log starts at entry ${first.firstIndex} but ${snapshot === null ? 'there is no snapshot' : `the snapshot ends at ${snapshotIndex}`}`,
    );
  }
  // The same rule as saveSnapshot: keep the log after the snapshot only if the log agrees with it.
  const termAtSnapshot = first === undefined ? undefined : termAt(scanned, snapshotIndex);
  const agrees =
    snapshot === null ||
    first === undefined ||
    first.firstIndex === snapshotIndex + 1 ||
    termAtSnapshot === snapshot.meta.term;

  const kept: ScannedFile[] = [];
  const obsolete: ScannedFile[] = [];
  scanned.forEach((file, i) => {
    const fileLastIndex = i + 1 < scanned.length ? scanned[i + 1]!.firstIndex - 1 : lastIndex;
    (agrees && fileLastIndex > snapshotIndex ? kept : obsolete).push(file);
  });
  for (const file of obsolete) await unlinkIfPresent(file.path);
  if (obsolete.length > 0) await fsyncDirectory(dir.log, counter);

  const entries: Entry[] = [];
  const entryOffsets: number[] = [];
  for (const file of kept) {
    file.entries.forEach((entry, i) => {
      if (entry.index <= snapshotIndex) return;
      entries.push(entry);
      entryOffsets.push(file.offsets[i]!);
    });
  }
  return {
    hardState,
    snapshot,
    snapshotFile,
    snapshotFileBytes,
    entries,
    entryOffsets,
    segments: kept.map((file) => ({ firstIndex: file.firstIndex, bytes: file.bytes })),
  };
}

/** The file's bytes as a plain Uint8Array (decoded values must not be Buffers). */
async function readFile(path: string): Promise<Uint8Array> {
  const buffer = await readFileBuffer(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function termAt(files: readonly ScannedFile[], index: number): number | undefined {
  for (const file of files) {
    const entry = file.entries[index - file.firstIndex];
    if (entry !== undefined) return entry.term;
  }
  return undefined;
}

async function deleteTempFiles(path: string): Promise<void> {
  for (const name of await readdir(path)) {
    if (name.endsWith(TEMP_SUFFIX)) await unlinkIfPresent(join(path, name));
  }
}

async function recoverSnapshot(
  dir: LogDirectory,
): Promise<{ snapshot: Snapshot | null; snapshotFile: string | null; snapshotFileBytes: number }> {
  const candidates = (await readdir(dir.snapshots))
    .map((name) => ({ name, match: SNAPSHOT_NAME.exec(name) }))
    .filter((file) => file.match !== null)
    .map((file) => ({ name: file.name, index: Number(file.match![1]), term: Number(file.match![2]) }))
    .sort((a, b) => a.index - b.index || a.term - b.term);
  const newest = candidates.at(-1);
  if (newest === undefined) return { snapshot: null, snapshotFile: null, snapshotFileBytes: 0 };
  const path = join(dir.snapshots, newest.name);
  const bytes = await readFile(path);
  const snapshot = decodeOrCorrupt(path, () => decodeSnapshot(unframe(path, bytes, SNAPSHOT_MAGIC)));
  if (snapshot.meta.index !== newest.index || snapshot.meta.term !== newest.term) {
    throw new StorageCorruptionError(
      path,
      FRAME_HEADER_BYTES,
      `file holds snapshot ${snapshot.meta.index}-${snapshot.meta.term}, not the one its name says`,
    );
  }
  for (const older of candidates.slice(0, -1)) await unlinkIfPresent(join(dir.snapshots, older.name));
  return { snapshot, snapshotFile: newest.name, snapshotFileBytes: bytes.byteLength };
}

async function recoverHardState(dir: LogDirectory): Promise<HardState> {
  const path = join(dir.root, HARD_STATE_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_HARD_STATE;
    throw error;
  }
  return decodeOrCorrupt(path, () => decodeHardState(unframe(path, bytes, HARD_STATE_MAGIC)));
}

/** Reads a snapshot file back (after recovery, for a later `load`). */
export async function readSnapshotFile(dir: LogDirectory, name: string): Promise<Snapshot> {
  const path = join(dir.snapshots, name);
  const bytes = await readFile(path);
  return decodeOrCorrupt(path, () => decodeSnapshot(unframe(path, bytes, SNAPSHOT_MAGIC)));
}

function decodeOrCorrupt<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof CodecError) throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, error.message);
    throw error;
  }
}

async function scanSegments(dir: LogDirectory, log: (line: string) => void, counter: FsyncCounter): Promise<ScannedFile[]> {
  const files = (await readdir(dir.log))
    .map((name) => ({ name, firstIndex: parseSegmentFileName(name) }))
    .filter((file): file is { name: string; firstIndex: number } => file.firstIndex !== null)
    .sort((a, b) => a.firstIndex - b.firstIndex);
  const scanned: ScannedFile[] = [];
  for (const [i, file] of files.entries()) {
    const path = join(dir.log, file.name);
    const previous = scanned.at(-1);
    if (previous !== undefined) {
      const previousLast = previous.firstIndex + previous.entries.length - 1;
      if (previous.entries.length === 0) {
        throw new StorageCorruptionError(previous.path, 0, 'empty segment is followed by other segments');
      }
      if (file.firstIndex !== previousLast + 1) {
        throw new StorageCorruptionError(path, 0, `segment starts at entry ${file.firstIndex}, previous segment ends at ${previousLast}`);
      }
    }
    const bytes = await readFile(path);
    const isLast = i === files.length - 1;
    const result = scanSegment(path, bytes, { start: 0, expectedIndex: file.firstIndex, allowTornTail: isLast });
    let size = bytes.byteLength;
    if (result.torn !== null) {
      size = result.torn.offset;
      await truncateDurably(path, size, counter);
      // Only zeros after the records is space the store preallocated (or a write none of which
      // landed): nothing to report.
      if (!isZero(bytes, size, bytes.byteLength)) {
        log(
          `atlas storage: repaired torn tail of ${path} at offset ${size}: ${result.torn.detail}; ` +
            `dropped ${bytes.byteLength - size} bytes`,
        );
      }
    }
    scanned.push({ firstIndex: file.firstIndex, path, bytes: size, entries: result.entries, offsets: result.offsets });
  }
  return scanned;
}

async function truncateDurably(path: string, size: number, counter: FsyncCounter): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(size);
    await handle.datasync();
    counter.fsyncCount++;
  } finally {
    await handle.close();
  }
}
