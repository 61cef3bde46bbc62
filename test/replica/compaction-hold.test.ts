import { describe, expect, it } from 'vitest';
import type { PeerStatus } from '../../actors/raft/raft.ts';
import { holdsCompaction } from '../../actors/replica/compaction-hold.ts';

const hold = { maxHeldEntries: 1_000, liveTicks: 10 };

function peer(state: PeerStatus['state'], ticksSinceContact = 0): PeerStatus {
  return { id: 'r2', voter: true, match: 0, next: 1, state, inflight: 0, ticksSinceContact, reportedLamport: null, reportedCommit: null, reportedApplied: null };
}

describe('holdsCompaction', () => {
  it('holds while a live peer receives a snapshot', () => {
    expect(holdsCompaction([peer('replicate'), peer('snapshot', 3)], 500, hold)).toBe(true);
  });

  it('does not hold for peers that replicate or probe, or for no peers (a follower)', () => {
    expect(holdsCompaction([peer('replicate'), peer('probe')], 500, hold)).toBe(false);
    expect(holdsCompaction([], 500, hold)).toBe(false);
  });

  it('does not wait for a peer silent longer than an election timeout', () => {
    expect(holdsCompaction([peer('snapshot', 10)], 500, hold)).toBe(true);
    expect(holdsCompaction([peer('snapshot', 11)], 500, hold)).toBe(false);
  });

  it('compacts anyway once the held log reaches its cap', () => {
    expect(holdsCompaction([peer('snapshot')], 999, hold)).toBe(true);
    expect(holdsCompaction([peer('snapshot')], 1_000, hold)).toBe(false);
  });
});
