// Whole-file framing for the hard state, snapshots and actor metadata:
//   magic u32 | crc32c(body) u32 | bodyLength u64 (53-bit) | body        (little-endian)
// A file that fails any check raises StorageCorruptionError naming the file and the offending offset.

import { crc32c } from '../../actors/storage/crc32c.ts';
import { StorageCorruptionError } from '../../actors/storage/types.ts';

export const FRAME_HEADER_BYTES = 16;
const TWO_POW_32 = 0x1_0000_0000;

/** Four ASCII characters identifying what a file holds, e.g. 'ATHS'. */
export function fileMagic(tag: string): number {
  if (!/^[\x20-\x7e]{4}$/.test(tag)) throw new RangeError(`file magic must be 4 ASCII characters: ${tag}`);
  return new DataView(new TextEncoder().encode(tag).buffer).getUint32(0, true);
}

/** The parts to write for a file holding `body` (the concatenation of `bodyParts`). */
export function frameParts(magic: number, bodyParts: readonly Uint8Array[]): Uint8Array[] {
  let crc = 0;
  let length = 0;
  for (const part of bodyParts) {
    crc = crc32c(part, crc);
    length += part.byteLength;
  }
  return [frameHeader(magic, crc, length), ...bodyParts];
}

/** Body bytes checksummed per turn by framePartsInSlices. */
const CHECKSUM_SLICE_BYTES = 4 * 1024 * 1024;

/**
 * frameParts for a large body (a snapshot): the checksum is computed CHECKSUM_SLICE_BYTES at a time,
 * yielding to the event loop between slices, so the thread never stops for the whole body at once.
 */
export async function framePartsInSlices(magic: number, bodyParts: readonly Uint8Array[]): Promise<Uint8Array[]> {
  let crc = 0;
  let length = 0;
  for (const part of bodyParts) {
    for (let start = 0; start < part.byteLength; start += CHECKSUM_SLICE_BYTES) {
      if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      crc = crc32c(part, crc, start, Math.min(part.byteLength, start + CHECKSUM_SLICE_BYTES));
    }
    length += part.byteLength;
  }
  return [frameHeader(magic, crc, length), ...bodyParts];
}

function frameHeader(magic: number, crc: number, length: number): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, magic, true);
  view.setUint32(4, crc, true);
  view.setUint32(8, length % TWO_POW_32, true);
  view.setUint32(12, Math.floor(length / TWO_POW_32), true);
  return header;
}

/** Returns the body of a framed file (a view into `bytes`); `file` names it in errors. */
export function unframe(file: string, bytes: Uint8Array, magic: number): Uint8Array {
  if (bytes.byteLength < FRAME_HEADER_BYTES) {
    throw new StorageCorruptionError(file, 0, `file is ${bytes.byteLength} bytes, shorter than its header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== magic) throw new StorageCorruptionError(file, 0, 'wrong magic number');
  const length = view.getUint32(12, true) * TWO_POW_32 + view.getUint32(8, true);
  if (FRAME_HEADER_BYTES + length !== bytes.byteLength) {
    throw new StorageCorruptionError(
      file,
      8,
      `header declares ${length} body bytes, file holds ${bytes.byteLength - FRAME_HEADER_BYTES}`,
    );
  }
  const body = bytes.subarray(FRAME_HEADER_BYTES);
  const expected = view.getUint32(4, true);
  const actual = crc32c(body);
  if (actual !== expected) {
    throw new StorageCorruptionError(
      file,
      FRAME_HEADER_BYTES,
      `crc32c mismatch over ${length} body bytes (stored ${hex(expected)}, computed ${hex(actual)})`,
    );
  }
  return body;
}

export function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
