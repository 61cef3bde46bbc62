// One simulated replica: a Raft core, its disk and its state machine, executing each Ready exactly in
// the order types.ts prescribes:
//   1. send `messages` at once;
//   2. queue ONE disk write (snapshot + entries + hard state) that syncs some steps later;
//   3. once synced: send `messagesAfterPersist`, install the snapshot, apply `committed`, advance().
// Between ready() and the sync the core keeps stepping and ticking, so group commit and pipelining
// are exercised. A crash discards the core, the state machine and every unsynced write (with the
// after-persist messages waiting on it); a restart rebuilds the core from the durable disk only.

import { type CompactionHold, holdsCompaction } from '../../actors/replica/compaction-hold.ts';
import type { Raft, RaftOptions } from '../../actors/raft/raft.ts';
import { EMPTY_CONFIG } from '../../actors/raft/config.ts';
import { type ClusterConfig, EntryType, type Message, type NodeId, type Ready, type RestoredState } from '../../actors/raft/types.ts';
import type { SimStats } from './cluster.ts';
import { type DiskWrite, SimDisk } from './disk.ts';
import type { SafetyChecker } from './invariants.ts';
import { chance, forkRng, intIn, type Rng } from './rng.ts';
import { CommandLog, decodeCommand } from './state-machine.ts';
import { type Trace, TraceKind } from './trace.ts';
import { SimViolation } from './violation.ts';

export type RaftFactory = (options: RaftOptions, restored: RestoredState) => Raft;

/** Raft options the simulator chooses per run (everything except identity, bootstrap and Rng). */
export type CoreOptions = Omit<RaftOptions, 'id' | 'bootstrap' | 'rng'>;

export interface DiskTiming {
  /** Usual sync latency range in steps, inclusive (0 = synced within the same step). */
  readonly minSyncSteps: number;
  readonly maxSyncSteps: number;
  /** Probability that a sync takes up to `slowSyncSteps` instead. */
  readonly slowSyncRate: number;
  readonly slowSyncSteps: number;
}

export interface SnapshotPolicy {
  /** Applied entries between two state-machine snapshots. */
  readonly everyEntries: number;
  /** Entries kept in the log behind a snapshot before compacting (slow followers catch up by Append). */
  readonly keepEntries: number;
  /** The replica's compaction hold (compaction-hold.ts): a leader puts compaction off while a live peer receives a snapshot. */
  readonly hold: CompactionHold | null;
}

/** What a replica needs from the simulation around it. */
export interface NodeEnv {
  readonly checker: SafetyChecker;
  readonly trace: Trace;
  readonly stats: SimStats;
  readonly makeRaft: RaftFactory;
  readonly coreOptions: CoreOptions;
  readonly disk: DiskTiming;
  readonly snapshots: SnapshotPolicy;
  now(): number;
  send(m: Message): void;
  /** A read point arrived for `context`; returns the read's id, or -1 if no such read is outstanding. */
  readGranted(node: SimNode, context: string, index: number): number;
  readServed(node: SimNode, readId: number, index: number): void;
}

interface ReadyInFlight {
  readonly ready: Ready;
  /** The disk write the Ready waits for; null once synced (or when it persists nothing). */
  write: DiskWrite | null;
}

export class SimNode {
  raft: Raft | null = null;
  incarnation = 0;
  sm = new CommandLog();
  readonly disk: SimDisk;
  /** Client proposals made on this incarnation: log index -> command id (acknowledged when applied here). */
  readonly proposals = new Map<number, number>();
  /** Commit index last seen in this incarnation. */
  private lastCommit = 0;
  private lastLeaderTerm = -1;
  private inFlight: ReadyInFlight | null = null;
  private readsAwaitingApply: { readId: number; index: number }[] = [];
  private snapshotCandidate: { index: number; data: Uint8Array } | null = null;
  private lastCandidateIndex = 0;

  constructor(
    readonly index: number,
    readonly id: NodeId,
    /** Configuration for a replica whose disk holds none (initial voters); spares start empty. */
    private readonly bootstrap: ClusterConfig | null,
    /** Ticks every `tickEverySteps` steps, offset by `tickPhase` (replicas' clocks drift apart). */
    readonly tickEverySteps: number,
    readonly tickPhase: number,
    private readonly diskRng: Rng,
    /** Seeds each incarnation's core Rng (election timeouts). */
    private readonly coreRngs: Rng,
    private readonly env: NodeEnv,
  ) {
    this.disk = new SimDisk(id);
  }

  get up(): boolean {
    return this.raft !== null;
  }

  /** Starts a fresh incarnation from whatever the disk holds. */
  start(): void {
    const restored = this.disk.restore();
    this.sm = restored.snapshot ? CommandLog.decode(restored.snapshot.data) : new CommandLog();
    if (restored.snapshot && this.sm.appliedIndex !== restored.snapshot.meta.index) {
      throw new SimViolation('storage', `${this.id}: durable snapshot at ${restored.snapshot.meta.index} holds state at ${this.sm.appliedIndex}`);
    }
    this.raft = this.env.makeRaft(
      { ...this.env.coreOptions, id: this.id, bootstrap: this.bootstrap ?? EMPTY_CONFIG, rng: forkRng(this.coreRngs) },
      restored,
    );
    this.incarnation++;
    this.lastCommit = this.raft.log.snapshot.index;
    this.lastLeaderTerm = -1;
    this.lastCandidateIndex = this.sm.appliedIndex;
    this.observe();
  }

  /** Power loss. Returns how many unsynced writes were lost. */
  crash(): number {
    this.raft = null;
    this.inFlight = null;
    this.proposals.clear();
    this.readsAwaitingApply = [];
    this.snapshotCandidate = null;
    return this.disk.crash();
  }

  tick(): void {
    this.raft!.tick();
    this.observe();
  }

  deliver(m: Message): void {
    const raft = this.raft!;
    raft.step(m);
    this.env.checker.lamportAfterStep(this.id, m.lamport, raft.lamport);
    this.observe();
  }

  /**
   * Checks what every input may have changed: the commit index (never back within one incarnation,
   * same entries as everywhere else) and leadership (one leader per term, holding all committed entries).
   */
  observe(): void {
    const raft = this.raft!;
    const commit = raft.log.committed;
    if (commit !== this.lastCommit) {
      this.env.checker.commitAdvanced(this.id, raft.softState().term, this.lastCommit, commit, raft.log);
      this.lastCommit = commit;
    }
    const soft = raft.softState();
    if (soft.role === 'leader' && soft.term !== this.lastLeaderTerm) {
      this.lastLeaderTerm = soft.term;
      this.env.trace.record(this.env.now(), TraceKind.Leader, this.index, soft.term, raft.log.lastIndex());
      this.env.checker.leaderElected(this.id, this.incarnation, soft.term, raft.log);
    }
  }

  /** Runs Readys and completes due syncs until the replica waits on its disk or has nothing to do. */
  pump(): void {
    const now = this.env.now();
    for (;;) {
      const raft = this.raft;
      if (raft === null) return;
      this.disk.syncDue(now, (write) => this.synced(write));
      if (this.inFlight !== null || !raft.hasReady()) return;
      this.beginReady(raft);
    }
  }

  private beginReady(raft: Raft): void {
    const ready = raft.ready();
    const now = this.env.now();
    for (const m of ready.messages) this.env.send(m);
    const persists = ready.entries.length > 0 || ready.hardState !== null || ready.snapshot !== null;
    if (ready.entries.length > 0) {
      const first = ready.entries[0]!.index;
      // The batch's predecessor: the installed snapshot's last entry, or the entry before it in the log.
      const prevTerm = ready.snapshot && first === ready.snapshot.meta.index + 1 ? ready.snapshot.meta.term : raft.log.term(first - 1);
      if (prevTerm === undefined) throw new SimViolation('storage', `${this.id}: Ready entries start at ${first}, below the log`);
      this.env.checker.entriesPersisted(this.id, ready.entries, prevTerm);
    }
    const inFlight: ReadyInFlight = { ready, write: null };
    this.inFlight = inFlight;
    if (!persists) {
      this.finish(inFlight);
      return;
    }
    inFlight.write = this.disk.submit(
      { hardState: ready.hardState, installed: ready.snapshot, compacted: null, entries: ready.entries },
      now + this.syncDelaySteps(),
    );
  }

  private syncDelaySteps(): number {
    const t = this.env.disk;
    if (chance(this.diskRng, t.slowSyncRate)) return intIn(this.diskRng, t.maxSyncSteps, t.slowSyncSteps);
    return intIn(this.diskRng, t.minSyncSteps, t.maxSyncSteps);
  }

  private synced(write: DiskWrite): void {
    const inFlight = this.inFlight;
    if (inFlight === null || inFlight.write !== write) return; // a compaction write
    const last = write.entries.at(-1);
    const hard = write.hardState;
    this.env.trace.record(
      this.env.now(),
      TraceKind.Persist,
      this.index,
      last?.index ?? -1,
      hard?.term ?? -1,
      hard ? (hard.vote === null ? -1 : this.env.trace.nodeIndex(hard.vote)) : -1,
    );
    this.finish(inFlight);
  }

  /** Steps 3-5 of the Ready contract, once the Ready's write is durable. */
  private finish(inFlight: ReadyInFlight): void {
    const raft = this.raft!;
    const { ready } = inFlight;
    const { checker, trace } = this.env;
    const now = this.env.now();
    for (const m of ready.messagesAfterPersist) this.env.send(m);
    if (ready.snapshot) {
      const meta = ready.snapshot.meta;
      this.sm = CommandLog.decode(ready.snapshot.data);
      checker.snapshotInstalled(this.id, meta, this.sm);
      trace.record(now, TraceKind.InstallSnapshot, this.index, meta.index, meta.term);
      this.env.stats.snapshotsInstalled++;
      this.snapshotCandidate = null;
      this.lastCandidateIndex = meta.index;
    }
    for (const e of ready.committed) {
      if (e.index !== this.sm.appliedIndex + 1) {
        throw new SimViolation('state-machine safety', `${this.id} was handed index ${e.index} to apply after ${this.sm.appliedIndex}`);
      }
      this.sm.apply(e);
      checker.applied(this.id, e, this.sm.hash);
      trace.record(now, TraceKind.Apply, this.index, e.index, e.term);
      const proposed = this.proposals.get(e.index);
      if (proposed !== undefined) {
        this.proposals.delete(e.index);
        if (e.type === EntryType.Command && decodeCommand(e.data) === proposed) checker.acknowledged(proposed, e.index);
      }
    }
    for (const rs of ready.readStates) {
      const readId = this.env.readGranted(this, rs.context, rs.index);
      if (readId >= 0) this.readsAwaitingApply.push({ readId, index: rs.index });
    }
    this.inFlight = null;
    raft.advance(ready);
    this.observe();
    this.serveReads();
    this.maybeSnapshot(raft);
  }

  private serveReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const waiting = this.readsAwaitingApply;
    this.readsAwaitingApply = [];
    for (const r of waiting) {
      if (r.index <= this.sm.appliedIndex) this.env.readServed(this, r.readId, r.index);
      else this.readsAwaitingApply.push(r);
    }
  }

  /** Takes a state-machine snapshot every few entries; compacts once `keepEntries` more are applied. */
  private maybeSnapshot(raft: Raft): void {
    const policy = this.env.snapshots;
    const applied = this.sm.appliedIndex;
    if (this.snapshotCandidate === null && applied - this.lastCandidateIndex >= policy.everyEntries) {
      this.snapshotCandidate = { index: applied, data: this.sm.encode() };
      this.lastCandidateIndex = applied;
    }
    const candidate = this.snapshotCandidate;
    if (candidate === null || applied < candidate.index + policy.keepEntries) return;
    if (policy.hold !== null && holdsCompaction(raft.status().peers, applied - raft.log.snapshot.index, policy.hold)) {
      this.env.stats.compactionsHeld++;
      return;
    }
    this.snapshotCandidate = null;
    if (candidate.index <= raft.log.snapshot.index) return;
    const snapshot = raft.compact(candidate.index, candidate.data);
    this.disk.submit({ hardState: null, installed: null, compacted: snapshot, entries: [] }, this.env.now() + this.syncDelaySteps());
    this.env.trace.record(this.env.now(), TraceKind.Compact, this.index, candidate.index);
    this.env.stats.compactions++;
  }
}
