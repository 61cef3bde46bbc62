// Reads a replica's data directory (FileLogStore layout, file-log-store.ts) without changing it: the
// newest snapshot, the hard state, and the entries after the snapshot, checked record by record with
// the segment format's own checks. For audits of a copy of a data directory (`atlas verify --data`).
// Unlike recovery it repairs nothing: a torn tail is reported, and anything else that does not check
// out raises StorageCorruptionError naming the file and offset.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize } from 'node:v8';
import { IDENTITY_STORAGE_KEY, type StoredIdentity } from '../../actors/ledger/keys.ts';
import { CodecError, decodeHardState, decodeSnapshot } from '../../actors/storage/entry-codec.ts';
import { EMPTY_HARD_STATE } from '../../actors/storage/log-state.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import type { Entry, HardState, Snapshot } from '../../actors/raft/types.ts';
import { FRAME_HEADER_BYTES, fileMagic, unframe } from './file-checksummed.ts';
import { HARD_STATE_FILE, HARD_STATE_MAGIC, SNAPSHOT_MAGIC, logDirectory } from './file-log-recovery.ts';
import { isZero, parseSegmentFileName, scanSegment } from './file-segment-format.ts';

const SNAPSHOT_NAME = /^(\d+)-(\d+)\.snap$/;
const ACTOR_STORAGE_FILE = 'actor-storage';
const ACTOR_STORAGE_MAGIC = fileMagic('ATKV');

export interface DataDirContents {
  readonly snapshot: Snapshot | null;
  readonly snapshotFile: string | null;
  readonly hardState: HardState;
  /**
   * Every entry the log holds after the snapshot, contiguous, in order. The durable commit index
   * (hardState.commit) is written lazily, so entries above it may be committed as well.
   */
  readonly entries: Entry[];
  /** An unfinished write at the end of the last segment, which recovery would truncate. */
  readonly tornTail: { readonly file: string; readonly offset: number; readonly detail: string } | null;
  /** This replica's ledger public key, when its actor storage holds one. */
  readonly publicKey: Uint8Array | null;
}

export async function readDataDir(root: string): Promise<DataDirContents> {
  const dir = logDirectory(root);
  const { snapshot, snapshotFile } = await readNewestSnapshot(dir.snapshots);
  const hardState = await readHardState(join(root, HARD_STATE_FILE));
  const snapshotIndex = snapshot?.meta.index ?? 0;
  const { entries: held, tornTail } = await readSegments(dir.log, snapshotIndex);
  // Recovery keeps the log after the snapshot only if the log agrees with it at the snapshot's index.
  const atSnapshot = held.find((entry) => entry.index === snapshotIndex);
  const agrees = snapshot === null || atSnapshot === undefined || atSnapshot.term === snapshot.meta.term;
  const entries = agrees ? held.filter((entry) => entry.index > snapshotIndex) : [];
  return {
    snapshot,
    snapshotFile,
    hardState,
    entries,
    tornTail,
    publicKey: await readPublicKey(join(root, ACTOR_STORAGE_FILE)),
  };
}

async function readBytes(path: string): Promise<Uint8Array | null> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function readNewestSnapshot(snapshotsDir: string): Promise<{ snapshot: Snapshot | null; snapshotFile: string | null }> {
  let names: string[];
  try {
    names = await readdir(snapshotsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { snapshot: null, snapshotFile: null };
    throw error;
  }
  const newest = names
    .map((name) => ({ name, match: SNAPSHOT_NAME.exec(name) }))
    .filter((file) => file.match !== null)
    .map((file) => ({ name: file.name, index: Number(file.match![1]), term: Number(file.match![2]) }))
    .sort((a, b) => a.index - b.index || a.term - b.term)
    .at(-1);
  if (newest === undefined) return { snapshot: null, snapshotFile: null };
  const path = join(snapshotsDir, newest.name);
  const bytes = (await readBytes(path))!;
  const snapshot = decodeOrCorrupt(path, () => decodeSnapshot(unframe(path, bytes, SNAPSHOT_MAGIC)));
  if (snapshot.meta.index !== newest.index || snapshot.meta.term !== newest.term) {
    throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, `file holds snapshot ${snapshot.meta.index}-${snapshot.meta.term}, not the one its name says`);
  }
  return { snapshot, snapshotFile: newest.name };
}

async function readHardState(path: string): Promise<HardState> {
  const bytes = await readBytes(path);
  if (bytes === null) return EMPTY_HARD_STATE;
  return decodeOrCorrupt(path, () => decodeHardState(unframe(path, bytes, HARD_STATE_MAGIC)));
}

async function readSegments(
  logDir: string,
  snapshotIndex: number,
): Promise<{ entries: Entry[]; tornTail: DataDirContents['tornTail'] }> {
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], tornTail: null };
    throw error;
  }
  const files = names
    .map((name) => ({ name, firstIndex: parseSegmentFileName(name) }))
    .filter((file): file is { name: string; firstIndex: number } => file.firstIndex !== null)
    .sort((a, b) => a.firstIndex - b.firstIndex);
  const entries: Entry[] = [];
  let tornTail: DataDirContents['tornTail'] = null;
  for (const [i, file] of files.entries()) {
    const path = join(logDir, file.name);
    const expected = entries.length === 0 ? file.firstIndex : entries.at(-1)!.index + 1;
    if (i === 0 && file.firstIndex > snapshotIndex + 1) {
      throw new StorageCorruptionError(path, 0, `log starts at entry ${file.firstIndex} but the snapshot ends at ${snapshotIndex}`);
    }
    if (file.firstIndex !== expected) {
      throw new StorageCorruptionError(path, 0, `segment starts at entry ${file.firstIndex}, the previous one ends at ${expected - 1}`);
    }
    const bytes = (await readBytes(path))!;
    const scanned = scanSegment(path, bytes, { start: 0, expectedIndex: file.firstIndex, allowTornTail: i === files.length - 1 });
    entries.push(...scanned.entries);
    // Only zeros after the records is the space the store preallocates: not an unfinished write.
    if (scanned.torn !== null && !isZero(bytes, scanned.torn.offset, bytes.byteLength)) tornTail = { file: path, ...scanned.torn };
  }
  return { entries, tornTail };
}

async function readPublicKey(path: string): Promise<Uint8Array | null> {
  const bytes = await readBytes(path);
  if (bytes === null) return null;
  const map = deserialize(unframe(path, bytes, ACTOR_STORAGE_MAGIC)) as unknown;
  if (!(map instanceof Map)) throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, 'content is not a Map');
  const stored = map.get(IDENTITY_STORAGE_KEY) as StoredIdentity | undefined;
  return stored?.publicKey instanceof Uint8Array ? new Uint8Array(stored.publicKey) : null;
}

function decodeOrCorrupt<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof CodecError) throw new StorageCorruptionError(path, FRAME_HEADER_BYTES, error.message);
    throw error;
  }
}
