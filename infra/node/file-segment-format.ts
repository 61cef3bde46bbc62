// Log segment files: `log/<first index, 20 digits>.seg`, a sequence of records
//   payloadLength u32 | crc32c(payload) u32 | payload        (little-endian)
// where the payload is one encoded Entry (actors/storage/entry-codec.ts). Record i of a segment holds
// entry `firstIndex + i`.

import { crc32c } from '../../actors/storage/crc32c.ts';
import {
  CodecError,
  ENTRY_HEADER_BYTES,
  decodeEntry,
  encodeEntryInto,
  encodedEntryBytes,
} from '../../actors/storage/entry-codec.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';
import type { Entry } from '../../actors/raft/types.ts';
import { hex } from './file-checksummed.ts';

export const RECORD_HEADER_BYTES = 8;
const SECTOR_BYTES = 512;
const SEGMENT_NAME = /^(\d{20})\.seg$/;

export function segmentFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(20, '0')}.seg`;
}

/** The first index named by a segment file name, or null for any other file. */
export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  if (match === null) return null;
  const index = Number(match[1]);
  return Number.isSafeInteger(index) ? index : null;
}

/** Growable buffer of encoded records, the not-yet-written tail of one segment. */
export class RecordBuffer {
  private bytes: Uint8Array;
  private view: DataView;
  private used = 0;

  constructor(private readonly initialCapacity = 64 * 1024) {
    this.bytes = new Uint8Array(initialCapacity);
    this.view = new DataView(this.bytes.buffer);
  }

  get length(): number {
    return this.used;
  }

  /** Appends one record holding `entry`. */
  appendRecord(entry: Entry): void {
    const payloadBytes = encodedEntryBytes(entry);
    this.reserve(RECORD_HEADER_BYTES + payloadBytes);
    const payloadStart = this.used + RECORD_HEADER_BYTES;
    encodeEntryInto(this.bytes, payloadStart, entry);
    this.view.setUint32(this.used, payloadBytes, true);
    this.view.setUint32(this.used + 4, crc32c(this.bytes, 0, payloadStart, payloadStart + payloadBytes), true);
    this.used = payloadStart + payloadBytes;
  }

  /** Drops everything from byte `length` on. */
  truncate(length: number): void {
    if (length < 0 || length > this.used) throw new RangeError(`cannot truncate ${this.used} bytes to ${length}`);
    this.used = length;
  }

  /** The bytes buffered so far (a view, valid until the next write). */
  contents(): Uint8Array {
    return this.bytes.subarray(0, this.used);
  }

  /**
   * Hands over a copy of the buffered bytes and empties the buffer, keeping its memory: a sync takes
   * a few KiB, and a fresh 64 KiB buffer per sync was a zero-filled off-heap allocation per sync
   * (at one client, one per write) that kept V8 running full collections.
   */
  take(): Uint8Array {
    const taken = this.bytes.slice(0, this.used);
    this.used = 0;
    if (this.bytes.byteLength > this.initialCapacity) {
      // A large batch grew it: give that memory back.
      this.bytes = new Uint8Array(this.initialCapacity);
      this.view = new DataView(this.bytes.buffer);
    }
    return taken;
  }

  private reserve(extra: number): void {
    if (this.used + extra <= this.bytes.byteLength) return;
    let capacity = this.bytes.byteLength * 2;
    while (capacity < this.used + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.contents());
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

type RecordCheck = { readonly ok: true; readonly payloadBytes: number } | { readonly ok: false; readonly detail: string; readonly end: number };

/** Checks the framing and checksum of the record at `offset` without decoding it. */
function checkRecord(bytes: Uint8Array, view: DataView, offset: number): RecordCheck {
  const remaining = bytes.byteLength - offset;
  if (remaining < RECORD_HEADER_BYTES) {
    return { ok: false, detail: `short record header (${remaining} of ${RECORD_HEADER_BYTES} bytes)`, end: bytes.byteLength };
  }
  const payloadBytes = view.getUint32(offset, true);
  if (payloadBytes < ENTRY_HEADER_BYTES) {
    return { ok: false, detail: `record length ${payloadBytes} is below the minimum ${ENTRY_HEADER_BYTES}`, end: offset + RECORD_HEADER_BYTES };
  }
  if (payloadBytes > remaining - RECORD_HEADER_BYTES) {
    return {
      ok: false,
      detail: `short record (length ${payloadBytes}, ${remaining - RECORD_HEADER_BYTES} bytes left in file)`,
      end: bytes.byteLength,
    };
  }
  const start = offset + RECORD_HEADER_BYTES;
  const stored = view.getUint32(offset + 4, true);
  const computed = crc32c(bytes, 0, start, start + payloadBytes);
  if (stored !== computed) {
    return { ok: false, detail: `crc32c mismatch (stored ${hex(stored)}, computed ${hex(computed)})`, end: start + payloadBytes };
  }
  return { ok: true, payloadBytes };
}

/** Whether `bytes[start, end)` are all zero (unwritten, or preallocated and not yet used). */
export function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Whether a bad record at `offset` is the torn end of a write that never completed rather than damage
 * to synced data: its header is unwritten (zeros), it spans a whole unwritten (zero) sector, or no
 * valid record starts anywhere after it. A sync's write is the last thing in the file until its
 * datasync completes, so everything after a torn record belongs to that same unfinished write.
 */
function isTornTail(bytes: Uint8Array, view: DataView, offset: number, end: number): boolean {
  if (isZero(bytes, offset, Math.min(offset + RECORD_HEADER_BYTES, bytes.byteLength))) return true;
  for (let sector = Math.ceil(offset / SECTOR_BYTES) * SECTOR_BYTES; sector + SECTOR_BYTES <= end; sector += SECTOR_BYTES) {
    if (isZero(bytes, sector, sector + SECTOR_BYTES)) return true;
  }
  for (let candidate = offset + 1; candidate + RECORD_HEADER_BYTES + ENTRY_HEADER_BYTES <= bytes.byteLength; candidate++) {
    if (checkRecord(bytes, view, candidate).ok) return false;
  }
  return true;
}

export interface ScannedSegment {
  /** Entries in file order, starting at `expectedIndex`. */
  readonly entries: Entry[];
  /** File offset of each entry's record. */
  readonly offsets: number[];
  /** Set when a torn tail was found: the file must be truncated to `offset`. */
  readonly torn: { readonly offset: number; readonly detail: string } | null;
}

/**
 * Decodes the records of segment `file` from `start` on; the first must hold `expectedIndex` and each
 * next one the following index. With `allowTornTail` (the last segment at recovery) a torn last record
 * is reported in `torn`; every other defect throws StorageCorruptionError naming the file and offset.
 */
export function scanSegment(
  file: string,
  bytes: Uint8Array,
  options: { readonly start: number; readonly expectedIndex: number; readonly allowTornTail: boolean },
): ScannedSegment {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: Entry[] = [];
  const offsets: number[] = [];
  let offset = options.start;
  let expectedIndex = options.expectedIndex;
  while (offset < bytes.byteLength) {
    const check = checkRecord(bytes, view, offset);
    if (!check.ok) {
      if (options.allowTornTail && isTornTail(bytes, view, offset, check.end)) {
        return { entries, offsets, torn: { offset, detail: check.detail } };
      }
      const suffix = options.allowTornTail ? '; valid records follow it' : '';
      throw new StorageCorruptionError(file, offset, check.detail + suffix);
    }
    const payloadStart = offset + RECORD_HEADER_BYTES;
    let entry: Entry;
    try {
      entry = decodeEntry(bytes.subarray(payloadStart, payloadStart + check.payloadBytes));
    } catch (error) {
      if (error instanceof CodecError) throw new StorageCorruptionError(file, offset, error.message);
      throw error;
    }
    if (entry.index !== expectedIndex) {
      throw new StorageCorruptionError(file, offset, `expected entry ${expectedIndex}, found entry ${entry.index}`);
    }
    entries.push(entry);
    offsets.push(offset);
    offset = payloadStart + check.payloadBytes;
    expectedIndex++;
  }
  return { entries, offsets, torn: null };
}
