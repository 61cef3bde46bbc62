// Raft's safety properties, checked incrementally against a global history of the run. Every check
// costs O(1) per event except leader completeness, which walks the new leader's in-memory log once per
// election. A broken property throws SimViolation at the event that broke it.
//
//   election safety        at most one leader per term, over the whole run: one replica, one incarnation
//   log matching           (index, term) identifies one entry and one predecessor term, everywhere
//   leader completeness    a new leader's log holds every entry committed in an earlier term (the
//                          term of the first replica seen committing it: a candidate of a lower term
//                          can still win late, on vote responses delayed past a higher term's commits)
//   commit agreement       every replica's commit index covers the same entries
//   state-machine safety   no two replicas apply different entries at one index; snapshots carry
//                          the state every replica had at their index
//   Lamport causality      after step(m) the receiver's clock exceeds m.lamport, and a
//                          restarted replica stamps above everything it sent before the crash
//   ReadIndex              a read index covers every write acknowledged, and every commit index any
//                          replica knew, before the read was issued

import type { Entry, NodeId, SnapshotMeta } from '../../actors/raft/types.ts';
import type { RaftLog } from '../../actors/raft/log.ts';
import type { CommandLog } from './state-machine.ts';
import { SimViolation } from './violation.ts';

interface LogRecord {
  readonly entry: Entry;
  readonly prevTerm: number;
  readonly firstSeenBy: NodeId;
}

/** A client read, with what had been acknowledged and committed when it was issued. */
export interface ReadRecord {
  readonly readId: number;
  readonly node: NodeId;
  readonly incarnation: number;
  readonly ackedIndexAtIssue: number;
  readonly commitSeenAtIssue: number;
}

export interface AckedWrite {
  readonly commandId: number;
  readonly index: number;
}

/** Keys (index, term) into one number; terms stay far below 2^21 in any run. */
const TERM_SLOTS = 2 ** 21;

export function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
  if (a.index !== b.index || a.term !== b.term || a.type !== b.type || a.lamport !== b.lamport) return false;
  if (a.data.byteLength !== b.data.byteLength) return false;
  for (let i = 0; i < a.data.byteLength; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function describe(e: Entry | undefined): string {
  if (!e) return 'nothing';
  return `${e.index}/${e.term} (type ${e.type}, lamport ${e.lamport}, ${e.data.byteLength} bytes)`;
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, { id: NodeId; incarnation: number }>();
  private readonly logRecords = new Map<number, LogRecord>();
  /** committedAt[i]: the entry committed at index i, as first seen committed on any replica. */
  private readonly committedAt: (Entry | undefined)[] = [];
  /** commitTermAt[i]: the term of the replica that first saw index i committed (its leader's term). */
  private readonly commitTermAt: (number | undefined)[] = [];
  /** hashAt[i]: state-machine hash after applying index i, as first seen on any replica. */
  private readonly hashAt: (number | undefined)[] = [];
  /** Highest commit index any replica has reached. */
  maxCommitSeen = 0;
  /** Highest log index of a write acknowledged to its client. */
  maxAckedIndex = 0;
  readonly acked: AckedWrite[] = [];
  private readonly ackedIds = new Set<number>();
  leaderElections = 0;

  /** `id` just became leader of `term`; `log` is its in-memory log at that moment. */
  leaderElected(id: NodeId, incarnation: number, term: number, log: RaftLog): void {
    const earlier = this.leaderOfTerm.get(term);
    if (earlier !== undefined) {
      const who = earlier.id === id ? `${id} (before and after a restart)` : `${id} and ${earlier.id}`;
      throw new SimViolation('election safety', `${who} were both leaders of term ${term}`);
    }
    this.leaderOfTerm.set(term, { id, incarnation });
    this.leaderElections++;
    this.checkLeaderCompleteness(id, term, log);
  }

  private checkLeaderCompleteness(id: NodeId, term: number, log: RaftLog): void {
    const snap = log.snapshot;
    const atSnapshot = this.committedAt[snap.index];
    if (atSnapshot && atSnapshot.term !== snap.term) {
      throw new SimViolation(
        'leader completeness',
        `${id} (leader of term ${term}) has a snapshot at ${snap.index}/${snap.term}, committed there: ${describe(atSnapshot)}`,
      );
    }
    for (let i = snap.index + 1; i < this.committedAt.length; i++) {
      const committed = this.committedAt[i];
      if (committed === undefined) continue;
      const commitTerm = this.commitTermAt[i];
      if (commitTerm !== undefined && commitTerm >= term) continue;
      const held = log.entry(i);
      if (!held || !sameEntry(held, committed)) {
        throw new SimViolation(
          'leader completeness',
          `${id} became leader of term ${term} holding ${describe(held)} at index ${i}, where ${describe(committed)} was committed`,
        );
      }
    }
  }

  /**
   * `id` made `entries` durable; `prevTerm` is the term of the entry just before `entries[0]` in its log.
   * Log matching, by induction: if every (index, term) always comes with the same entry and the same
   * predecessor term, two logs that share an (index, term) share the whole prefix up to it.
   */
  entriesPersisted(id: NodeId, entries: readonly Entry[], prevTerm: number): void {
    let predecessor = prevTerm;
    const first = entries[0]!.index;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      if (e.index !== first + k) throw new SimViolation('log matching', `${id} persisted a non-contiguous batch at ${e.index}`);
      if (e.term < predecessor) {
        throw new SimViolation('log matching', `${id} holds ${describe(e)} after an entry of term ${predecessor}`);
      }
      const key = e.index * TERM_SLOTS + e.term;
      const known = this.logRecords.get(key);
      if (known === undefined) {
        this.logRecords.set(key, { entry: e, prevTerm: predecessor, firstSeenBy: id });
      } else if (!sameEntry(known.entry, e) || known.prevTerm !== predecessor) {
        throw new SimViolation(
          'log matching',
          `${id} holds ${describe(e)} after term ${predecessor}; ${known.firstSeenBy} held ${describe(known.entry)} after term ${known.prevTerm}`,
        );
      }
      predecessor = e.term;
    }
  }

  /** The entry committed at `index`, as first seen committed on any replica. */
  committedEntry(index: number): Entry | undefined {
    return this.committedAt[index];
  }

  /** `id`, at `term`, moved its commit index from `from` to `to` (within one incarnation). */
  commitAdvanced(id: NodeId, term: number, from: number, to: number, log: RaftLog): void {
    if (to < from) throw new SimViolation('commit monotonicity', `${id}'s commit index went back from ${from} to ${to}`);
    for (let i = Math.max(from, log.snapshot.index) + 1; i <= to; i++) {
      const e = log.entry(i);
      if (e === undefined) throw new SimViolation('commit agreement', `${id} committed index ${i} it does not hold`);
      const committed = this.committedAt[i];
      if (committed === undefined) {
        this.committedAt[i] = e;
        this.commitTermAt[i] = term;
      } else if (!sameEntry(committed, e)) {
        throw new SimViolation('commit agreement', `${id} committed ${describe(e)} at index ${i}, where ${describe(committed)} was committed`);
      }
    }
    if (to > this.maxCommitSeen) this.maxCommitSeen = to;
  }

  /** `id` applied `entry`; `hashAfter` is its state-machine hash afterwards. */
  applied(id: NodeId, entry: Entry, hashAfter: number): void {
    const i = entry.index;
    const committed = this.committedAt[i];
    if (committed === undefined) this.committedAt[i] = entry;
    else if (!sameEntry(committed, entry)) {
      throw new SimViolation('state-machine safety', `${id} applied ${describe(entry)} at index ${i}, where ${describe(committed)} was committed`);
    }
    const hash = this.hashAt[i];
    if (hash === undefined) this.hashAt[i] = hashAfter;
    else if (hash !== hashAfter) {
      throw new SimViolation('state-machine safety', `${id}'s state after index ${i} differs from another replica's`);
    }
  }

  /** `id` replaced its state machine with a snapshot taken (by some replica) at `meta.index`. */
  snapshotInstalled(id: NodeId, meta: SnapshotMeta, state: CommandLog): void {
    if (state.appliedIndex !== meta.index) {
      throw new SimViolation('state-machine safety', `${id} got a snapshot for index ${meta.index} holding state at ${state.appliedIndex}`);
    }
    const committed = this.committedAt[meta.index];
    if (committed && committed.term !== meta.term) {
      throw new SimViolation('state-machine safety', `${id} got a snapshot at ${meta.index}/${meta.term}, committed there: ${describe(committed)}`);
    }
    const hash = this.hashAt[meta.index];
    if (hash !== undefined && hash !== state.hash) {
      throw new SimViolation('state-machine safety', `${id}'s snapshot state at index ${meta.index} differs from the state replicas applied`);
    }
  }

  /** The proposing replica applied its own proposal: the client is told the write succeeded. */
  acknowledged(commandId: number, index: number): void {
    this.acked.push({ commandId, index });
    this.ackedIds.add(commandId);
    if (index > this.maxAckedIndex) this.maxAckedIndex = index;
  }

  /** Per replica: its current incarnation, the highest stamp it sent in it, and in all earlier ones. */
  private readonly sentLamport = new Map<NodeId, { incarnation: number; current: number; earlier: number }>();

  /**
   * `from` (in its `incarnation`) sent a message stamped `lamport`. A restarted replica must stamp
   * above everything any earlier incarnation sent: its clock never runs backwards. (Within one
   * incarnation stamps leave out of order: after-persist messages wait for a sync.)
   */
  messageSent(from: NodeId, incarnation: number, lamport: number): void {
    let seen = this.sentLamport.get(from);
    if (seen === undefined) {
      seen = { incarnation, current: 0, earlier: 0 };
      this.sentLamport.set(from, seen);
    } else if (seen.incarnation !== incarnation) {
      seen.earlier = Math.max(seen.earlier, seen.current);
      seen.current = 0;
      seen.incarnation = incarnation;
    }
    if (lamport <= seen.earlier) {
      throw new SimViolation(
        'Lamport causality',
        `${from} (incarnation ${incarnation}) sent a message stamped ${lamport}; an earlier incarnation sent ${seen.earlier}`,
      );
    }
    if (lamport > seen.current) seen.current = lamport;
  }

  /** `id` lost its disk: its next incarnation's clock starts over (what it stamped before is gone). */
  diskLost(id: NodeId): void {
    this.sentLamport.delete(id);
  }

  isAcknowledged(commandId: number): boolean {
    return this.ackedIds.has(commandId);
  }

  lamportAfterStep(id: NodeId, messageLamport: number, clockAfter: number): void {
    if (clockAfter <= messageLamport) {
      throw new SimViolation('Lamport causality', `${id}'s clock is ${clockAfter} after receiving a message stamped ${messageLamport}`);
    }
  }

  /** A read point was granted for `read`. */
  readIndexGranted(read: ReadRecord, index: number): void {
    if (index < read.ackedIndexAtIssue || index < read.commitSeenAtIssue) {
      throw new SimViolation(
        'ReadIndex linearizability',
        `read r${read.readId} on ${read.node} got index ${index}, but when it was issued writes were acknowledged ` +
          `through ${read.ackedIndexAtIssue} and commit index ${read.commitSeenAtIssue} was known`,
      );
    }
  }
}
