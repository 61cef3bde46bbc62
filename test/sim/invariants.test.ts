import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../actors/raft/log.ts';
import { type Entry, EntryType, type SnapshotMeta } from '../../actors/raft/types.ts';
import { SafetyChecker } from './invariants.ts';
import { SimViolation } from './violation.ts';

const NO_SNAPSHOT: SnapshotMeta = { index: 0, term: 0, config: { voters: ['n1', 'n2', 'n3'], learners: [] }, lamport: 0 };

/** Entries 1.. with the given terms. */
function log(terms: readonly number[], committed = 0): RaftLog {
  const entries: Entry[] = terms.map((term, i) => ({ index: i + 1, term, lamport: i + 1, type: EntryType.Command, data: new Uint8Array([i]) }));
  return new RaftLog(NO_SNAPSHOT, entries, committed);
}

function violation(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof SimViolation) return error.message;
    throw error;
  }
}

describe('leader completeness check', () => {
  it('accepts a leader of a lower term that wins late, after a higher term committed more', () => {
    // n5 commits index 3 (term 3 entry) while leading term 8. n2's term-4 candidacy collected its
    // votes before that (its log was as up to date as its voters'), and their answers arrive late.
    const checker = new SafetyChecker();
    checker.commitAdvanced('n5', 8, 0, 3, log([1, 3, 3], 3));
    expect(violation(() => checker.leaderElected('n2', 1, 4, log([1, 3])))).toBeNull();
  });

  it('rejects a leader of a higher term that lacks an entry committed before its term', () => {
    const checker = new SafetyChecker();
    checker.commitAdvanced('n5', 8, 0, 3, log([1, 3, 3], 3));
    expect(violation(() => checker.leaderElected('n2', 1, 9, log([1, 3])))).toMatch(/^leader completeness: n2 became leader of term 9/);
  });

  it('rejects a leader whose entry at a committed index differs', () => {
    const checker = new SafetyChecker();
    checker.commitAdvanced('n1', 2, 0, 2, log([1, 2], 2));
    expect(violation(() => checker.leaderElected('n3', 1, 3, log([1, 1, 3])))).toMatch(/^leader completeness: n3 became leader of term 3 holding 2\/1/);
  });
});
