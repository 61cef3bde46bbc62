import { describe, expect, it } from 'vitest';
import { LOG_TO_SNAPSHOT_RATIO, MAX_LOG_FACTOR, snapshotDue } from '../../actors/replica/snapshot-policy.ts';

const every = 20_000;

describe('snapshotDue', () => {
  it('waits for everyEntries entries, whatever their size', () => {
    expect(snapshotDue({ sinceSnapshot: every - 1, logBytesSinceSnapshot: 1e9, snapshotBytes: 0, everyEntries: every })).toBe(false);
    expect(snapshotDue({ sinceSnapshot: every, logBytesSinceSnapshot: 4e6, snapshotBytes: 0, everyEntries: every })).toBe(true);
  });

  it('for a small state, is due every everyEntries entries', () => {
    // 10,000 keys of 100 bytes: a 1.5 MB snapshot against 20,000 puts of about 200 bytes (4 MB).
    expect(snapshotDue({ sinceSnapshot: every, logBytesSinceSnapshot: 4e6, snapshotBytes: 1.5e6, everyEntries: every })).toBe(true);
  });

  it('for a large state, waits until the log holds half the snapshot bytes', () => {
    const snapshotBytes = 126e6;
    const half = LOG_TO_SNAPSHOT_RATIO * snapshotBytes;
    expect(snapshotDue({ sinceSnapshot: 100_000, logBytesSinceSnapshot: half - 1, snapshotBytes, everyEntries: every })).toBe(false);
    expect(snapshotDue({ sinceSnapshot: 100_000, logBytesSinceSnapshot: half, snapshotBytes, everyEntries: every })).toBe(true);
  });

  it('is due at MAX_LOG_FACTOR x everyEntries entries however small they are', () => {
    const input = { logBytesSinceSnapshot: 1_000, snapshotBytes: 1e9, everyEntries: every };
    expect(snapshotDue({ ...input, sinceSnapshot: MAX_LOG_FACTOR * every - 1 })).toBe(false);
    expect(snapshotDue({ ...input, sinceSnapshot: MAX_LOG_FACTOR * every })).toBe(true);
  });
});
