// Whole-file framing: the checksum computed in slices (for snapshots) equals the one computed at once,
// and a framed body reads back; a flipped byte is reported as corruption.

import { describe, expect, it } from 'vitest';
import { fileMagic, frameParts, framePartsInSlices, unframe } from '../../infra/node/file-checksummed.ts';
import { joinBytes } from '../../actors/codec/join-bytes.ts';

const MAGIC = fileMagic('TEST');

function body(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe('file framing', () => {
  it.each([0, 1, 4 * 1024 * 1024, 9 * 1024 * 1024 + 5])('checksums a body of %i bytes in slices exactly as at once', async (length) => {
    const parts = [body(37, 1), body(length, 2), body(3, 3)];
    const sliced = joinBytes(await framePartsInSlices(MAGIC, parts));
    const atOnce = joinBytes(frameParts(MAGIC, parts));
    // Byte comparison through Buffer: a deep equality over megabytes is far too slow.
    expect(Buffer.compare(sliced, atOnce)).toBe(0);
    const file = sliced;
    expect(Buffer.compare(unframe('test-file', file, MAGIC), joinBytes(parts))).toBe(0);
    file[file.length - 1]! ^= 1;
    expect(() => unframe('test-file', file, MAGIC)).toThrow(/crc32c mismatch/);
  });
});
