// The core's view of the replicated log: the latest snapshot's boundary plus every entry after it,
// held in memory. The shell's storage holds the durable copy; this class tracks which suffix is not
// yet durable (`persistedIndex`) and which committed entries were not yet handed out for apply.

import { invariant } from './errors.ts';
import type { Entry, SnapshotMeta } from './types.ts';

export class RaftLog {
  /** Boundary of the latest snapshot: entries at or below `snapshot.index` are compacted away. */
  snapshot: SnapshotMeta;
  /** entries[i] is at log index `snapshot.index + 1 + i`. */
  private entries: Entry[];
  /** Highest index known committed (durable on a quorum). Never decreases. */
  committed: number;
  /** Highest index handed to the shell for apply. `applied <= committed`. */
  applied: number;
  /** Highest index the shell confirmed durable; entries above it still need persisting. */
  persistedIndex: number;
  /** Highest index handed to the shell in a Ready not yet advanced. `persistedIndex <= inProgressIndex`. */
  inProgressIndex: number;
  /** Lowest index truncated while a Ready was outstanding (Infinity when none). */
  private truncatedWhileInProgress = Infinity;

  constructor(snapshot: SnapshotMeta, entries: readonly Entry[], committed: number) {
    this.snapshot = snapshot;
    this.entries = [...entries];
    invariant(
      entries.length === 0 || entries[0]!.index === snapshot.index + 1,
      'restored entries must start right after the snapshot',
    );
    this.persistedIndex = this.lastIndex();
    this.inProgressIndex = this.persistedIndex;
    this.committed = Math.max(snapshot.index, Math.min(committed, this.lastIndex()));
    this.applied = snapshot.index;
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.index + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term at `index`; undefined when compacted away (below the snapshot) or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    const entry = this.entry(index);
    return entry?.term;
  }

  entry(index: number): Entry | undefined {
    if (index <= this.snapshot.index) return undefined;
    return this.entries[index - this.snapshot.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's up-to-date check (§5.4.1): is a log ending at (lastIndex, lastTerm) at least as new as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi], stopping once `maxBytes` of data is reached (always at least one entry). */
  slice(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    invariant(lo > this.snapshot.index, `slice(${lo}) below the snapshot at ${this.snapshot.index}`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i <= hi && i <= this.lastIndex(); i++) {
      const e = this.entries[i - this.snapshot.index - 1]!;
      bytes += e.data.byteLength + 32;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * The largest index <= `index` whose term is <= `term` (fast log backtracking, etcd's
   * findConflictByTerm). Returns the snapshot index when the search reaches it.
   */
  lastIndexWithTermAtMost(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshot.index) {
      const t = this.term(i)!;
      if (t <= term) return i;
      i--;
    }
    return i;
  }

  /** Leader append of fresh entries at the end. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      invariant(e.index === this.lastIndex() + 1, `append at ${e.index} after ${this.lastIndex()}`);
      this.entries.push(e);
    }
  }

  /**
   * Follower append: skips entries already present with the same term, truncates from the first
   * conflict and appends the rest. Never truncates a committed entry. Returns the truncation point
   * (Infinity when nothing was truncated).
   */
  appendFromLeader(entries: readonly Entry[]): number {
    let truncatedAt = Infinity;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (e.index <= this.snapshot.index) continue;
      const existing = this.term(e.index);
      if (existing === e.term) continue;
      if (existing !== undefined) {
        invariant(e.index > this.committed, `conflict at committed index ${e.index} (commit ${this.committed})`);
        this.truncateFrom(e.index);
        truncatedAt = e.index;
      }
      this.append(entries.slice(k));
      break;
    }
    return truncatedAt;
  }

  private truncateFrom(index: number): void {
    this.entries.length = index - this.snapshot.index - 1;
    if (index <= this.inProgressIndex) {
      if (this.inProgressIndex > this.persistedIndex) {
        this.truncatedWhileInProgress = Math.min(this.truncatedWhileInProgress, index);
      }
      this.inProgressIndex = index - 1;
    }
    this.persistedIndex = Math.min(this.persistedIndex, index - 1);
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    invariant(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
    return true;
  }

  /** Entries not yet handed to the shell for persisting; marks them in progress. */
  takeUnpersisted(): Entry[] {
    const from = this.inProgressIndex + 1;
    if (from > this.lastIndex()) return [];
    const out = this.entries.slice(from - this.snapshot.index - 1);
    this.inProgressIndex = this.lastIndex();
    return out;
  }

  /** The shell made everything up to `index` durable (the last entry of the advanced Ready). */
  persistedTo(index: number): void {
    const safe = Math.min(index, this.truncatedWhileInProgress - 1, this.lastIndex());
    this.truncatedWhileInProgress = Infinity;
    if (safe > this.persistedIndex) this.persistedIndex = safe;
  }

  /**
   * Committed entries not yet handed out for apply (at most `max`, none above `upTo`); marks them
   * applied.
   */
  takeCommitted(max: number, upTo = this.committed): Entry[] {
    const hi = Math.min(this.committed, upTo, this.applied + max);
    if (hi <= this.applied) return [];
    const out = this.slice(this.applied + 1, hi);
    this.applied = hi;
    return out;
  }

  hasCommittedToApply(): boolean {
    return this.committed > this.applied;
  }

  /** Drops entries at or below `meta.index` after a local snapshot (`meta.index <= applied`). */
  compact(meta: SnapshotMeta): void {
    invariant(meta.index <= this.applied, `compact at ${meta.index} beyond applied ${this.applied}`);
    invariant(meta.index > this.snapshot.index, `compact at ${meta.index} not after snapshot ${this.snapshot.index}`);
    this.entries = this.entries.slice(meta.index - this.snapshot.index);
    this.snapshot = meta;
  }

  /**
   * Installs a snapshot received from the leader. Keeps the entries after it if the log holds the
   * snapshot's last entry with the same term; otherwise discards the whole log.
   */
  restore(meta: SnapshotMeta): void {
    if (this.matchTerm(meta.index, meta.term) && meta.index <= this.lastIndex()) {
      this.entries = this.entries.slice(meta.index - this.snapshot.index);
    } else {
      this.entries = [];
    }
    this.snapshot = meta;
    this.committed = Math.max(this.committed, meta.index);
    this.applied = meta.index;
    // The snapshot is persisted in the same Ready as any later entries; nothing below is pending.
    this.persistedIndex = Math.max(Math.min(this.persistedIndex, this.lastIndex()), meta.index);
    this.inProgressIndex = Math.max(Math.min(this.inProgressIndex, this.lastIndex()), meta.index);
    this.truncatedWhileInProgress = Infinity;
  }
}
