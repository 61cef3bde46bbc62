import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../actors/raft/log.ts';
import { type Entry, EntryType, type SnapshotMeta } from '../../actors/raft/types.ts';

const encoder = new TextEncoder();

function ent(index: number, term: number, data = ''): Entry {
  return { index, term, lamport: index, type: EntryType.Command, data: encoder.encode(data) };
}

/** Entries `from..` with the given terms, e.g. run(1, [1, 1, 2]) -> 1/1, 2/1, 3/2. */
function run(from: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ent(from + i, term));
}

function meta(index: number, term: number): SnapshotMeta {
  return { index, term, config: { voters: ['1'], learners: [] }, lamport: 0 };
}

const NO_SNAPSHOT = meta(0, 0);

function ids(entries: readonly Entry[]): string[] {
  return entries.map((e) => `${e.index}/${e.term}`);
}

describe('RaftLog indexing', () => {
  it('maps indexes through the snapshot offset', () => {
    const log = new RaftLog(meta(5, 2), run(6, [2, 3, 3]), 0);
    expect(log.firstIndex()).toBe(6);
    expect(log.lastIndex()).toBe(8);
    expect(log.lastTerm()).toBe(3);
    expect(log.term(5)).toBe(2);
    expect(log.term(4)).toBeUndefined();
    expect(log.term(9)).toBeUndefined();
    expect(log.entry(5)).toBeUndefined();
    expect(log.entry(7)?.term).toBe(3);
    expect(log.matchTerm(5, 2)).toBe(true);
    expect(log.matchTerm(7, 2)).toBe(false);
  });

  it('starts with everything persisted and the commit clamped to the log', () => {
    const log = new RaftLog(meta(5, 2), run(6, [2, 3]), 99);
    expect(log.persistedIndex).toBe(7);
    expect(log.inProgressIndex).toBe(7);
    expect(log.committed).toBe(7);
    expect(log.applied).toBe(5);
    expect(new RaftLog(meta(5, 2), [], 1).committed).toBe(5);
  });

  it('refuses restored entries that do not start right after the snapshot', () => {
    expect(() => new RaftLog(meta(5, 2), run(7, [2]), 0)).toThrow(/invariant/);
  });

  it('applies the up-to-date rule: a later last term wins, then a longer log', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 2, 2]), 0);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(4, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });
});

describe('RaftLog.slice', () => {
  const log = new RaftLog(meta(2, 1), [ent(3, 1, 'aaaa'), ent(4, 1, 'bbbb'), ent(5, 2, 'cccc')], 0);

  it('returns [lo, hi] and stops at the last index', () => {
    expect(ids(log.slice(3, 4))).toEqual(['3/1', '4/1']);
    expect(ids(log.slice(4, 99))).toEqual(['4/1', '5/2']);
    expect(log.slice(6, 9)).toEqual([]);
  });

  it('stops once maxBytes is reached (32 bytes of overhead per entry) but returns at least one entry', () => {
    expect(ids(log.slice(3, 5, 36))).toEqual(['3/1']);
    expect(ids(log.slice(3, 5, 72))).toEqual(['3/1', '4/1']);
    expect(ids(log.slice(3, 5, 1))).toEqual(['3/1']);
  });

  it('refuses to read below the snapshot', () => {
    expect(() => log.slice(2, 4)).toThrow(/invariant/);
  });
});

describe('RaftLog.appendFromLeader', () => {
  it('skips entries it already has and appends the rest', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1]), 0);
    expect(log.appendFromLeader(run(1, [1, 1, 2, 2]))).toBe(Infinity);
    expect(ids(log.slice(1, 9))).toEqual(['1/1', '2/1', '3/2', '4/2']);
  });

  it('leaves a longer log alone when every sent entry matches', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 1]), 0);
    expect(log.appendFromLeader(run(1, [1, 1]))).toBe(Infinity);
    expect(log.lastIndex()).toBe(3);
  });

  it('truncates from the first conflict, returns its index and rolls persistedIndex back', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 1, 1]), 1);
    expect(log.appendFromLeader(run(2, [1, 3]))).toBe(3);
    expect(ids(log.slice(1, 9))).toEqual(['1/1', '2/1', '3/3']);
    expect(log.persistedIndex).toBe(2);
    expect(ids(log.takeUnpersisted())).toEqual(['3/3']);
  });

  it('never truncates a committed entry', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 1]), 2);
    expect(() => log.appendFromLeader(run(2, [2]))).toThrow(/invariant: conflict at committed index 2/);
  });

  it('ignores entries the snapshot already covers', () => {
    const log = new RaftLog(meta(3, 1), run(4, [1]), 3);
    expect(log.appendFromLeader(run(2, [1, 1, 1, 2]))).toBe(Infinity);
    expect(ids(log.slice(4, 9))).toEqual(['4/1', '5/2']);
  });

  it('keeps entries persisted while a Ready is in flight from counting when they were replaced', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1]), 1);
    log.appendFromLeader(run(2, [1, 1]));
    expect(ids(log.takeUnpersisted())).toEqual(['2/1', '3/1']);
    // While that Ready is outstanding, entry 3 is replaced.
    expect(log.appendFromLeader(run(3, [2]))).toBe(3);
    log.persistedTo(3); // the outstanding Ready wrote the old 2/1 and 3/1
    expect(log.persistedIndex).toBe(2);
    expect(ids(log.takeUnpersisted())).toEqual(['3/2']);
    log.persistedTo(3);
    expect(log.persistedIndex).toBe(3);
  });

  it('counts a replacement as persisted once its Ready is done when nothing was in flight at the truncation', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1]), 1);
    expect(log.persistedIndex).toBe(2);
    expect(log.appendFromLeader(run(2, [2]))).toBe(2);
    expect(log.persistedIndex).toBe(1);
    expect(ids(log.takeUnpersisted())).toEqual(['2/2']);
    log.persistedTo(2);
    expect(log.persistedIndex).toBe(2);
  });
});

describe('RaftLog.lastIndexWithTermAtMost', () => {
  // 1/1 2/1 3/2 4/2 5/4 6/4
  const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 2, 2, 4, 4]), 0);

  it('walks back to the last index whose term is <= term', () => {
    expect(log.lastIndexWithTermAtMost(6, 4)).toBe(6);
    expect(log.lastIndexWithTermAtMost(6, 3)).toBe(4);
    expect(log.lastIndexWithTermAtMost(6, 2)).toBe(4);
    expect(log.lastIndexWithTermAtMost(6, 1)).toBe(2);
    expect(log.lastIndexWithTermAtMost(3, 1)).toBe(2);
    expect(log.lastIndexWithTermAtMost(6, 0)).toBe(0);
  });

  it('starts from the last index when asked beyond it', () => {
    expect(log.lastIndexWithTermAtMost(50, 3)).toBe(4);
  });

  it('stops at the snapshot index', () => {
    const compacted = new RaftLog(meta(4, 2), run(5, [4, 4]), 0);
    expect(compacted.lastIndexWithTermAtMost(6, 3)).toBe(4);
    expect(compacted.lastIndexWithTermAtMost(6, 1)).toBe(4);
  });

  it('never answers above the index it was asked about, even below the snapshot', () => {
    const compacted = new RaftLog(meta(4, 2), run(5, [4, 4]), 0);
    expect(compacted.lastIndexWithTermAtMost(0, 0)).toBeLessThanOrEqual(0);
    expect(compacted.lastIndexWithTermAtMost(2, 1)).toBeLessThanOrEqual(2);
  });
});

describe('RaftLog.restore', () => {
  it('keeps the suffix after a snapshot whose last entry it holds', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 2, 2]), 1);
    log.restore(meta(2, 1));
    expect(log.firstIndex()).toBe(3);
    expect(ids(log.slice(3, 9))).toEqual(['3/2', '4/2']);
    expect(log.committed).toBe(2);
    expect(log.applied).toBe(2);
  });

  it('discards the whole log when the snapshot does not match it', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 1]), 1);
    log.restore(meta(2, 3));
    expect(log.lastIndex()).toBe(2);
    expect(log.lastTerm()).toBe(3);
    expect(log.entry(3)).toBeUndefined();
    expect(log.persistedIndex).toBe(2);
    expect(log.takeUnpersisted()).toEqual([]);
  });

  it('jumps past the end of a short log', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1]), 1);
    log.restore(meta(10, 2));
    expect(log.firstIndex()).toBe(11);
    expect(log.lastIndex()).toBe(10);
    expect(log.committed).toBe(10);
    expect(log.applied).toBe(10);
    expect(log.hasCommittedToApply()).toBe(false);
  });

  it('never lowers the commit index', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 1, 1]), 4);
    log.restore(meta(2, 1));
    expect(log.committed).toBe(4);
  });
});

describe('RaftLog persist and apply bookkeeping', () => {
  it('hands out unpersisted entries once and tracks what the shell made durable', () => {
    const log = new RaftLog(NO_SNAPSHOT, [], 0);
    log.append(run(1, [1, 1]));
    expect(ids(log.takeUnpersisted())).toEqual(['1/1', '2/1']);
    expect(log.takeUnpersisted()).toEqual([]);
    expect(log.persistedIndex).toBe(0);
    log.persistedTo(2);
    expect(log.persistedIndex).toBe(2);
  });

  it('refuses appends that leave a gap', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1]), 0);
    expect(() => log.append([ent(3, 1)])).toThrow(/invariant/);
  });

  it('hands out committed entries in batches and never commits beyond the log or backwards', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 1]), 0);
    expect(log.commitTo(3)).toBe(true);
    expect(log.commitTo(2)).toBe(false);
    expect(() => log.commitTo(4)).toThrow(/invariant/);
    expect(ids(log.takeCommitted(2))).toEqual(['1/1', '2/1']);
    expect(log.hasCommittedToApply()).toBe(true);
    expect(ids(log.takeCommitted(2))).toEqual(['3/1']);
    expect(log.applied).toBe(3);
    expect(log.takeCommitted(2)).toEqual([]);
  });

  it('compacts only applied entries, after the current snapshot', () => {
    const log = new RaftLog(NO_SNAPSHOT, run(1, [1, 1, 2]), 3);
    log.takeCommitted(2);
    expect(() => log.compact(meta(3, 2))).toThrow(/invariant/);
    log.compact(meta(2, 1));
    expect(log.firstIndex()).toBe(3);
    expect(log.term(2)).toBe(1);
    expect(ids(log.slice(3, 3))).toEqual(['3/2']);
    expect(() => log.compact(meta(2, 1))).toThrow(/invariant/);
  });
});
