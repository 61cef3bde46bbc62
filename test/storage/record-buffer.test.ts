// RecordBuffer (infra/node/file-segment-format.ts), the unwritten tail of a segment: each take hands
// over exactly the records buffered since the last one, as bytes that later appends cannot change,
// including a batch larger than the buffer's initial capacity.

import { describe, expect, it } from 'vitest';
import { makeEntries } from '../../actors/storage/conformance.ts';
import type { Entry } from '../../actors/raft/types.ts';
import { RecordBuffer, scanSegment } from '../../infra/node/file-segment-format.ts';

function decode(bytes: Uint8Array, firstIndex: number): Entry[] {
  return scanSegment('test', bytes, { start: 0, expectedIndex: firstIndex, allowTornTail: false }).entries;
}

describe('RecordBuffer', () => {
  it('takes the records buffered since the last take, as bytes later appends leave alone', () => {
    const buffer = new RecordBuffer(1024);
    const first = makeEntries(1, 3, 1);
    for (const entry of first) buffer.appendRecord(entry);
    const taken = buffer.take();
    const copy = taken.slice();
    expect(buffer.length).toBe(0);
    const second = makeEntries(4, 6, 1, 40);
    for (const entry of second) buffer.appendRecord(entry);
    expect(taken).toEqual(copy);
    expect(decode(taken, 1)).toEqual(first);
    expect(decode(buffer.take(), 4)).toEqual(second);
  });

  it('takes a batch larger than its initial capacity whole, and keeps working after it', () => {
    const buffer = new RecordBuffer(256);
    const large = makeEntries(1, 50, 2, 100);
    for (const entry of large) buffer.appendRecord(entry);
    const taken = buffer.take();
    expect(taken.byteLength).toBeGreaterThan(256);
    expect(decode(taken, 1)).toEqual(large);
    const small = makeEntries(51, 52, 2);
    for (const entry of small) buffer.appendRecord(entry);
    expect(decode(buffer.take(), 51)).toEqual(small);
    expect(decode(taken, 1)).toEqual(large);
  });

  it('truncate drops the records after a byte offset before the take', () => {
    const buffer = new RecordBuffer(1024);
    const entries = makeEntries(1, 2, 1);
    buffer.appendRecord(entries[0]!);
    const end = buffer.length;
    buffer.appendRecord(entries[1]!);
    buffer.truncate(end);
    expect(decode(buffer.take(), 1)).toEqual([entries[0]]);
  });
});
