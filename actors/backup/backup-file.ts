// The backup file `GET /v1/snapshot` downloads and `atlas restore` reads: one machine snapshot of a
// running cluster, as of a committed index. Layout (integers little-endian):
//   magic "ATLASBK1" (8 bytes) | index u64 | term u64 | lamport u64 | dataLength u64 | crc32c(data) u32 | data
// where `data` is the machine host's snapshot (every machine's state, the exactly-once table, the
// ledger) and index/term/lamport are those of the last entry it covers.

import type { SnapshotBuild } from '../machines/snapshot-build.ts';
import { crc32c } from '../storage/crc32c.ts';

const MAGIC = new TextEncoder().encode('ATLASBK1');
export const BACKUP_HEADER_BYTES = MAGIC.length + 8 * 4 + 4;
const TWO_POW_32 = 0x1_0000_0000;

export interface BackupMeta {
  readonly index: number;
  readonly term: number;
  readonly lamport: number;
}

/** A replica's state captured for a backup: its meta and the build that encodes its snapshot in slices. */
export interface CapturedBackup {
  readonly meta: BackupMeta;
  readonly build: SnapshotBuild;
}

export interface Backup extends BackupMeta {
  readonly data: Uint8Array;
}

/** Why a file is not a backup this version can restore. */
export class BackupFormatError extends Error {
  override readonly name = 'BackupFormatError';
}

/** The file's bytes; the checksum is computed here (one pass over the data). */
export function encodeBackup(backup: Backup): Uint8Array {
  const out = new Uint8Array(BACKUP_HEADER_BYTES + backup.data.byteLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let at = MAGIC.length;
  for (const value of [backup.index, backup.term, backup.lamport, backup.data.byteLength]) {
    view.setUint32(at, value % TWO_POW_32, true);
    view.setUint32(at + 4, Math.floor(value / TWO_POW_32), true);
    at += 8;
  }
  view.setUint32(at, crc32c(backup.data), true);
  out.set(backup.data, BACKUP_HEADER_BYTES);
  return out;
}

/** Reads a backup file; throws BackupFormatError naming what is wrong (truncated, corrupt, not a backup). */
export function decodeBackup(bytes: Uint8Array): Backup {
  if (bytes.byteLength < BACKUP_HEADER_BYTES) throw new BackupFormatError(`${bytes.byteLength} bytes is shorter than a backup header`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new BackupFormatError('not an Atlas backup (wrong magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numbers: number[] = [];
  let at = MAGIC.length;
  for (let i = 0; i < 4; i++) {
    const high = view.getUint32(at + 4, true);
    if (high >= 0x20_0000) throw new BackupFormatError('a header number is out of range');
    numbers.push(high * TWO_POW_32 + view.getUint32(at, true));
    at += 8;
  }
  const [index, term, lamport, length] = numbers as [number, number, number, number];
  if (BACKUP_HEADER_BYTES + length !== bytes.byteLength) {
    throw new BackupFormatError(`the header declares ${length} bytes of data but the file holds ${bytes.byteLength - BACKUP_HEADER_BYTES} (truncated?)`);
  }
  const data = bytes.subarray(BACKUP_HEADER_BYTES);
  const stored = view.getUint32(at, true);
  const actual = crc32c(data);
  if (stored !== actual) throw new BackupFormatError(`checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
  if (index < 1 || term < 1) throw new BackupFormatError('the backup covers no committed entry');
  return { index, term, lamport, data };
}
