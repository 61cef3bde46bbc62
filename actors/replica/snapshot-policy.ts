// When a replica compacts its log into a snapshot. A snapshot rewrites the whole state, so taking one
// every fixed number of entries costs, per entry, in proportion to the state: at a million keys a
// 126 MB snapshot every 20,000 entries (6 KB rewritten per 200-byte write) took most of the replicas'
// time. The rule bounds that: a snapshot is due once at least `everyEntries` entries were applied since
// the last one AND the log since then holds at least half the last snapshot's bytes (each write is then
// rewritten at most about twice), or once MAX_LOG_FACTOR x `everyEntries` entries piled up whatever
// their size, which bounds the log kept in memory and replayed at restart.

/** Log bytes since the snapshot, as a fraction of the snapshot's bytes, that make a snapshot due. */
export const LOG_TO_SNAPSHOT_RATIO = 0.5;
/** A snapshot is due at this many times `everyEntries` entries, however small they are. */
export const MAX_LOG_FACTOR = 10;

export interface SnapshotPolicyInput {
  /** Entries applied since the last snapshot's index. */
  readonly sinceSnapshot: number;
  /** Bytes of the entries' data applied since the last snapshot. */
  readonly logBytesSinceSnapshot: number;
  /** Bytes of the last snapshot's state (0 when there is none). */
  readonly snapshotBytes: number;
  /** The configured minimum number of entries between snapshots. */
  readonly everyEntries: number;
}

export function snapshotDue({ sinceSnapshot, logBytesSinceSnapshot, snapshotBytes, everyEntries }: SnapshotPolicyInput): boolean {
  if (sinceSnapshot < everyEntries) return false;
  if (sinceSnapshot >= MAX_LOG_FACTOR * everyEntries) return true;
  return logBytesSinceSnapshot >= LOG_TO_SNAPSHOT_RATIO * snapshotBytes;
}
