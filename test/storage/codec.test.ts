import { describe, expect, it } from 'vitest';
import { crc32c } from '../../actors/storage/crc32c.ts';
import {
  CodecError,
  decodeEntry,
  decodeHardState,
  decodeSnapshot,
  encodeEntry,
  encodeHardState,
  encodeSnapshot,
  encodeSnapshotHeader,
} from '../../actors/storage/entry-codec.ts';
import { EntryType, type Entry, type Snapshot } from '../../actors/raft/types.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Bit-by-bit reference implementation, to check the sliced tables on arbitrary input. */
function crc32cReference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) appendix B.4 test vectors.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('agrees with the bitwise reference at every length and alignment', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 13) {
        expect(crc32c(bytes, 0, start, end)).toBe(crc32cReference(bytes.subarray(start, end)));
      }
    }
  });

  it('is incremental', () => {
    const whole = ascii('the quick brown fox jumps over the lazy dog');
    for (const cut of [0, 1, 7, 8, 20, whole.length]) {
      expect(crc32c(whole.subarray(cut), crc32c(whole.subarray(0, cut)))).toBe(crc32c(whole));
    }
  });
});

describe('entry codec', () => {
  const entry: Entry = { index: 2 ** 53 - 1, term: 2 ** 32 + 5, lamport: 17, type: EntryType.Config, data: ascii('cfg') };

  it('round-trips an entry with 53-bit integers', () => {
    const bytes = encodeEntry(entry);
    expect(bytes.byteLength).toBe(29 + 3);
    expect(decodeEntry(bytes)).toEqual(entry);
  });

  it('rejects values it cannot represent and malformed bytes', () => {
    expect(() => encodeEntry({ ...entry, index: 2 ** 53 })).toThrow(RangeError);
    expect(() => encodeEntry({ ...entry, term: -1 })).toThrow(RangeError);
    expect(() => encodeEntry({ ...entry, lamport: 1.5 })).toThrow(RangeError);
    const bytes = encodeEntry(entry);
    expect(() => decodeEntry(bytes.subarray(0, 30))).toThrow(CodecError);
    const badType = bytes.slice();
    badType[24] = 9;
    expect(() => decodeEntry(badType)).toThrow(/unknown entry type 9/);
    const huge = bytes.slice();
    huge[7] = 0x20; // index high word above 2^21 - 1
    expect(() => decodeEntry(huge)).toThrow(/exceeds 2\^53 - 1/);
  });

  it('round-trips hard states with and without a vote', () => {
    for (const hardState of [
      { term: 0, vote: null, commit: 0 },
      { term: 9, vote: 'n-é-3', commit: 2 ** 53 - 1 },
      { term: 1, vote: '', commit: 1 },
      { term: 4, vote: 'n2', commit: 7, lamportCeiling: 65_536 },
    ]) {
      expect(decodeHardState(encodeHardState(hardState))).toEqual(hardState);
    }
    const bytes = encodeHardState({ term: 1, vote: 'n1', commit: 0 });
    expect(() => decodeHardState(bytes.subarray(0, bytes.length - 1))).toThrow(CodecError);
  });

  it('round-trips snapshots; the header plus data is the whole encoding', () => {
    const snapshot: Snapshot = {
      meta: { index: 100, term: 4, lamport: 900, config: { voters: ['a', 'b', 'c'], learners: [] } },
      data: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff),
    };
    const bytes = encodeSnapshot(snapshot);
    expect(bytes.byteLength).toBe(encodeSnapshotHeader(snapshot).byteLength + 1000);
    expect(decodeSnapshot(bytes)).toEqual(snapshot);
    expect(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1))).toThrow(CodecError);
  });
});
