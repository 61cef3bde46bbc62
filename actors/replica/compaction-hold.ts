// When a leader should put off compacting its log.
//
// A follower that receives a snapshot needs the entries after it once the snapshot is installed. If
// the leader compacted past them during the transfer, the follower needs the next snapshot, and under
// steady writes a transfer that takes longer than one compaction interval never ends: every install
// is followed by another. So while a live peer (heard from within `liveTicks`) is receiving a
// snapshot, the leader keeps its log, for at most `maxHeldEntries` entries past its last snapshot;
// beyond that it compacts anyway, which bounds the log it holds in memory. A peer that went silent
// holds nothing: its transfer restarts from whatever snapshot is current when it answers again.

import type { PeerStatus } from '../raft/raft.ts';

export interface CompactionHold {
  /** Entries past the last snapshot after which compaction goes ahead regardless. */
  readonly maxHeldEntries: number;
  /** A peer silent for more ticks than this is not waited for. */
  readonly liveTicks: number;
}

/** Default cap: enough for a large state to stream while writes continue, bounded in memory. */
export const DEFAULT_MAX_HELD_ENTRIES = 200_000;

/** True when a compaction due now should wait (`peers` is the leader's view; empty elsewhere). */
export function holdsCompaction(peers: readonly PeerStatus[], entriesSinceSnapshot: number, hold: CompactionHold): boolean {
  if (entriesSinceSnapshot >= hold.maxHeldEntries) return false;
  return peers.some((peer) => peer.state === 'snapshot' && peer.ticksSinceContact <= hold.liveTicks);
}
