// The Raft consensus core: a pure, synchronous state machine (etcd-io/raft's design).
//
// Inputs:  tick(), step(message), propose(data[]), proposeConfigChange(change), transferLeadership(to),
//          readIndex(context), compact(index, data).
// Output:  ready() -> Ready, which the shell executes (persist, send, apply) before calling advance().
//
// No I/O, no timers, no wall clock, no Math.random(): time is counted in ticks and randomness comes
// from the injected Rng, so a seeded simulation replays exactly. At most one Ready is outstanding:
// ready() may not be called again before advance(); step() and tick() may run in between (their
// output waits for the next Ready). That is what lets the shell group-commit.

import { joinBytes } from '../codec/join-bytes.ts';
import { applyChange, type ConfigChange, decodeConfig, EMPTY_CONFIG, encodeConfig, isMember, isVoter, members } from './config.ts';
import { ABSTAINED_VOTE, BLANK_VOTE, BlankStart, startsBlank } from './blank-start.ts';
import { ConfigChangeRefusedError, invariant, NotLeaderError, ProposalDroppedError } from './errors.ts';
import { RaftLog } from './log.ts';
import { Progress, type ProgressState } from './progress.ts';
import { committedValue, quorumSize, tallyVotes } from './quorum.ts';
import type { Rng } from './rand.ts';
import {
  type Append,
  type AppendResponse,
  type ClusterConfig,
  type Entry,
  EntryType,
  type HardState,
  type Heartbeat,
  type HeartbeatResponse,
  type InstallSnapshot,
  type InstallSnapshotResponse,
  type Message,
  type NodeId,
  type PreVote,
  type Ready,
  type ReadFailure,
  type ReadState,
  type RestoredState,
  type Role,
  type Snapshot,
  type SnapshotMeta,
  type SoftState,
  type Vote,
} from './types.ts';

export interface RaftOptions {
  readonly id: NodeId;
  /** Configuration used when storage holds neither a snapshot nor a Config entry (first start). */
  readonly bootstrap?: ClusterConfig;
  readonly rng: Rng;
  /** Base election timeout; each election waits a random number of ticks in [electionTicks, 2*electionTicks). */
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Unanswered Appends allowed per follower in replicate state (pipelining window). */
  readonly maxInflight?: number;
  /** Soft limit on the entry bytes of one Append (batching). */
  readonly maxAppendBytes?: number;
  readonly snapshotChunkBytes?: number;
  /** Committed entries handed out per Ready. */
  readonly maxApplyBatch?: number;
  /** A learner may be promoted only when at most this many entries behind the leader. */
  readonly promoteMaxLag?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /**
   * A replica that starts with nothing on disk neither votes nor campaigns until every other voter
   * has told it its term (blank-start.ts). Default true; false only for scripted tests that start
   * every member as if the cluster were new.
   */
  readonly guardBlankStart?: boolean;
}

type Resolved = Required<Omit<RaftOptions, 'bootstrap' | 'id'>> & { bootstrap: ClusterConfig };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message as built by a handler; `send` fills in sender, term and Lamport time. */
type Outgoing = DistributiveOmit<Message, 'from' | 'term' | 'lamport'> & { readonly term?: number };

interface PendingRead {
  readonly context: string;
  readonly from: NodeId;
  readonly index: number;
  readonly seq: number;
}

interface IncomingSnapshot {
  readonly meta: SnapshotMeta;
  readonly chunks: Uint8Array[];
  received: number;
}

export interface PeerStatus {
  readonly id: NodeId;
  readonly voter: boolean;
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly inflight: number;
  /** Ticks since the leader last heard from this peer. */
  readonly ticksSinceContact: number;
  /** The peer's Lamport clock, commit and applied index as it last reported them; null before it did. */
  readonly reportedLamport: number | null;
  readonly reportedCommit: number | null;
  readonly reportedApplied: number | null;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly persistedIndex: number;
  readonly snapshotIndex: number;
  readonly lamport: number;
  readonly config: ClusterConfig;
  readonly leadTransferee: NodeId | null;
  /** Leader only: one row per other member. */
  readonly peers: readonly PeerStatus[];
}

const EMPTY_DATA = new Uint8Array(0);

/**
 * The persisted Lamport ceiling is raised by this much once the clock is within half of it of the
 * ceiling; until the raise is durable the old ceiling still bounds every time handed out.
 */
export const LAMPORT_LEASE = 1 << 16;

/** Messages that promise durability of entries or of a vote: always sent after the Ready's persist. */
const DURABLE_PROMISES = new Set<Message['type']>(['Vote', 'VoteResponse', 'AppendResponse', 'InstallSnapshotResponse']);

export class Raft {
  readonly id: NodeId;
  readonly log: RaftLog;
  private readonly opts: Resolved;

  private term = 0;
  private vote: NodeId | null = null;
  private leader: NodeId | null = null;
  private role: Role = 'follower';
  private config: ClusterConfig;
  /** Config entries in the log (and the snapshot's), ascending by index; the last one is in force. */
  private configHistory: { index: number; config: ClusterConfig }[];

  private readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private tickCount = 0;
  private clock = 0;
  private lamportCeiling = 0;

  private leadTransferee: NodeId | null = null;
  private transferElapsed = 0;
  /** Index of the latest Config entry the leader appended; a new change waits until it commits. */
  private pendingConfigIndex = 0;

  // ReadIndex (Raft thesis §6.4): reads wait for one heartbeat round acknowledged by a quorum.
  private readSeq = 0;
  private readBroadcastSeq = 0;
  private pendingReads: PendingRead[] = [];
  private readsAwaitingCommit: { context: string; from: NodeId }[] = [];
  /** Follower reads not yet forwarded: all reads of one Ready go to the leader as one ReadIndex. */
  private readBatch: string[] = [];
  /** Forwarded ReadIndex context → the read contexts it answers. */
  private forwardedReads = new Map<string, readonly string[]>();

  /** Latest snapshot this replica holds (sent to lagging followers). */
  private snapshotData: Snapshot | null;
  /** Snapshot received from the leader, to be persisted and installed by the shell. */
  private snapshotToInstall: Snapshot | null = null;
  private incomingSnapshot: IncomingSnapshot | null = null;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private readFailures: ReadFailure[] = [];
  private broadcastPending = false;
  private prevHard: HardState;
  private prevSoft: SoftState;
  private readyOutstanding = false;
  /** Set while this replica has not yet heard every other voter's term since a blank start. */
  private blank: BlankStart | null = null;

  private stepRole: (m: Message) => void = (m) => this.stepFollower(m);
  private tickRole: () => void = () => this.tickElection();

  constructor(options: RaftOptions, restored: RestoredState) {
    this.id = options.id;
    this.opts = {
      bootstrap: options.bootstrap ?? EMPTY_CONFIG,
      rng: options.rng,
      electionTicks: options.electionTicks ?? 10,
      heartbeatTicks: options.heartbeatTicks ?? 2,
      maxInflight: options.maxInflight ?? 64,
      maxAppendBytes: options.maxAppendBytes ?? 1 << 20,
      snapshotChunkBytes: options.snapshotChunkBytes ?? 256 * 1024,
      maxApplyBatch: options.maxApplyBatch ?? 4096,
      promoteMaxLag: options.promoteMaxLag ?? 256,
      preVote: options.preVote ?? true,
      checkQuorum: options.checkQuorum ?? true,
      guardBlankStart: options.guardBlankStart ?? true,
    };
    invariant(this.opts.heartbeatTicks < this.opts.electionTicks, 'heartbeatTicks must be below electionTicks');
    const snapMeta: SnapshotMeta = restored.snapshot?.meta ?? {
      index: 0,
      term: 0,
      config: this.opts.bootstrap,
      lamport: 0,
    };
    this.snapshotData = restored.snapshot;
    this.log = new RaftLog(snapMeta, restored.entries, restored.hardState.commit);
    this.configHistory = [{ index: snapMeta.index, config: snapMeta.config }];
    for (const e of restored.entries) {
      if (e.type === EntryType.Config) this.configHistory.push({ index: e.index, config: decodeConfig(e.data) });
    }
    this.config = this.configHistory[this.configHistory.length - 1]!.config;
    this.term = restored.hardState.term;
    this.vote = restored.hardState.vote;
    if (this.opts.guardBlankStart && startsBlank(this.vote, this.term, this.log.lastIndex(), restored.snapshot !== null)) {
      this.vote = null;
      this.blank = new BlankStart(this.opts.rng.nextInt(0x7fff_ffff) + 1);
    } else if (this.vote === BLANK_VOTE) {
      this.vote = null;
    }
    this.lamportCeiling = restored.hardState.lamportCeiling ?? 0;
    this.clock = Math.max(snapMeta.lamport, restored.entries.at(-1)?.lamport ?? 0, this.lamportCeiling);
    this.prevHard = { ...restored.hardState, lamportCeiling: this.lamportCeiling };
    this.becomeFollower(this.term, null);
    this.prevSoft = this.softState();
  }

  // -------------------------------------------------------------------------------------------------
  // Inputs

  /** Advances logical time by one tick (the shell calls this every tick interval). */
  tick(): void {
    this.tickCount++;
    if (this.blank !== null && (this.tickCount - 1) % this.opts.heartbeatTicks === 0) this.probeVoters();
    this.tickRole();
  }

  /** Feeds one message received from the network. */
  step(m: Message): void {
    this.advanceClock(Math.max(this.clock, m.lamport) + 1);
    if (m.to !== this.id) return;
    if (m.type === 'Probe' || m.type === 'ProbeResponse') {
      // Terms ride along; neither side adopts them (a blank replica takes the highest once all answered).
      if (m.type === 'Probe') this.send({ type: 'ProbeResponse', to: m.from, nonce: m.nonce });
      else this.noteProbeAnswer(m.from, m.nonce, m.term);
      return;
    }
    if (m.term > this.term) {
      if (m.type === 'PreVote' || m.type === 'Vote') {
        const inLease = this.opts.checkQuorum && this.leader !== null && this.electionElapsed < this.opts.electionTicks;
        // A replica that hears from a healthy leader ignores campaigns: a rejoining, partitioned
        // node cannot disturb the cluster. A transfer's campaign is deliberate and passes.
        if (inLease && !(m.type === 'Vote' && m.transfer)) return;
      }
      const keepsTerm = m.type === 'PreVote' || (m.type === 'PreVoteResponse' && !m.reject);
      if (!keepsTerm) {
        const fromLeader = m.type === 'Append' || m.type === 'Heartbeat' || m.type === 'InstallSnapshot';
        // A follower's election timer restarts when it hears from a leader or grants a vote (Raft
        // §5.2), not when a campaign merely carries a higher term: a follower that turns down stale
        // candidates one after another keeps counting toward its own campaign, so they cannot hold
        // off the replica whose log can win (without pre-vote they otherwise livelock elections).
        const keepsTimer = m.type === 'Vote' && this.role === 'follower';
        this.becomeFollower(m.term, fromLeader ? m.from : null, keepsTimer);
      }
    } else if (m.term < this.term) {
      if (m.type === 'Append' || m.type === 'Heartbeat') {
        // A deposed leader: answer with our term so it steps down.
        this.send(this.heartbeatResponse(m.from, 0));
      } else if (m.type === 'PreVote') {
        this.send({ type: 'PreVoteResponse', to: m.from, reject: true });
      }
      return;
    }
    if (m.type === 'PreVote' || m.type === 'Vote') {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(m);
  }

  /** Appends commands to the leader's log. Returns the index of the first. */
  propose(data: readonly Uint8Array[]): number {
    this.assertLeader();
    if (this.leadTransferee !== null) {
      throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`);
    }
    const first = this.log.lastIndex() + 1;
    this.appendLocal(data.map((d) => ({ type: EntryType.Command, data: d })));
    return first;
  }

  /** Proposes one membership change (add learner, promote learner, remove). Returns its log index. */
  proposeConfigChange(change: ConfigChange): number {
    this.assertLeader();
    if (this.leadTransferee !== null) throw new ConfigChangeRefusedError('a leadership transfer is in progress');
    if (this.pendingConfigIndex > this.log.committed) {
      throw new ConfigChangeRefusedError('the previous membership change is not committed yet');
    }
    const next = applyChange(this.config, change);
    if (next === null) throw new ConfigChangeRefusedError(`cannot ${change.type} ${change.node}: not applicable to the current membership`);
    if (change.type === 'remove' && change.node === this.id) {
      throw new ConfigChangeRefusedError('the leader cannot remove itself: transfer leadership first');
    }
    if (next.voters.length === 0) throw new ConfigChangeRefusedError('a cluster needs at least one voter');
    if (change.type === 'promote') {
      const pr = this.progress.get(change.node);
      if (!pr || this.log.lastIndex() - pr.match > this.opts.promoteMaxLag || !this.recentlyActive(change.node)) {
        throw new ConfigChangeRefusedError(`learner ${change.node} has not caught up yet`);
      }
    }
    const active = next.voters.filter((id) => this.recentlyActive(id)).length;
    if (active < quorumSize(next.voters.length)) {
      throw new ConfigChangeRefusedError('the change would leave no active quorum');
    }
    const index = this.log.lastIndex() + 1;
    this.appendLocal([{ type: EntryType.Config, data: encodeConfig(next) }]);
    this.pendingConfigIndex = index;
    return index;
  }

  /** Asks the leader to hand leadership to `to`: it catches `to` up, then tells it to campaign at once. */
  transferLeadership(to: NodeId): void {
    this.assertLeader();
    if (to === this.id) return;
    if (!isVoter(this.config, to)) throw new ConfigChangeRefusedError(`${to} is not a voter`);
    this.leadTransferee = to;
    this.transferElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.send({ type: 'TimeoutNow', to });
    else this.sendAppend(to);
  }

  /**
   * Requests a linearizable read point for `context` (unique among this replica's pending reads; the
   * prefix `read-batch:` is reserved). The answer arrives in a later Ready as a ReadState (serve once
   * applied >= index) or a ReadFailure (retry elsewhere). A follower forwards all reads requested
   * before the next Ready to the leader as one ReadIndex.
   */
  readIndex(context: string): void {
    if (this.role === 'leader') {
      this.leaderRead(context, this.id);
    } else if (this.leader !== null) {
      this.readBatch.push(context);
    } else {
      this.readFailures.push({ context, reason: 'no_leader' });
    }
  }

  /**
   * The shell snapshotted its state machine at `index` (<= applied) into `data`. The log below it is
   * dropped from memory; the returned snapshot must be persisted by the shell (LogStore.saveSnapshot).
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const meta = this.snapshotMetaAt(index);
    this.log.compact(meta);
    this.snapshotData = { meta, data };
    this.pruneConfigHistory();
    return this.snapshotData;
  }

  /** The metadata a snapshot taken at `index` (an entry still in memory) carries. */
  snapshotMetaAt(index: number): SnapshotMeta {
    const entry = this.log.entry(index);
    invariant(entry !== undefined, `snapshot at ${index}: no such entry in memory`);
    return { index, term: entry.term, config: this.configAt(index), lamport: entry.lamport };
  }

  /** Applies a Lamport timestamp observed outside consensus (a client's clock). Returns the new clock. */
  observeLamport(received: number): number {
    return this.advanceClock(Math.max(this.clock, received) + 1);
  }

  /** The base election timeout, in ticks. */
  get electionTicks(): number {
    return this.opts.electionTicks;
  }

  get lamport(): number {
    return this.clock;
  }

  /** True while a blank start has not yet heard every other voter's term (blank-start.ts). */
  get blankStart(): boolean {
    return this.blank !== null;
  }

  // -------------------------------------------------------------------------------------------------
  // Output

  hasReady(): boolean {
    if (this.readyOutstanding) return false;
    return (
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.readFailures.length > 0 ||
      this.readBatch.length > 0 ||
      this.snapshotToInstall !== null ||
      this.log.inProgressIndex < this.log.lastIndex() ||
      this.log.hasCommittedToApply() ||
      this.hardStateChanged(this.hardStateToPersist()) ||
      !sameSoft(this.softState(), this.prevSoft) ||
      (this.role === 'leader' && (this.broadcastPending || this.readSeq > this.readBroadcastSeq))
    );
  }

  ready(): Ready {
    invariant(!this.readyOutstanding, 'ready() called again before advance()');
    this.forwardReadBatch();
    if (this.role === 'leader') {
      if (this.broadcastPending) {
        this.broadcastPending = false;
        this.broadcastAppend(true);
      }
      if (this.readSeq > this.readBroadcastSeq) this.broadcastHeartbeat();
    }
    const hard = this.hardStateToPersist();
    const hardChanged = this.hardStateChanged(hard);
    const messages: Message[] = [];
    const messagesAfterPersist: Message[] = [];
    for (const m of this.msgs) {
      // When this Ready carries a new term or vote, everything waits for it to be durable.
      if (hardChanged || this.mustFollowPersist(m)) messagesAfterPersist.push(m);
      else messages.push(m);
    }
    this.msgs = [];
    const ready: Ready = {
      soft: this.softState(),
      hardState: hardChanged ? hard : null,
      entries: this.log.takeUnpersisted(),
      snapshot: this.snapshotToInstall,
      messages,
      messagesAfterPersist,
      committed: this.log.takeCommitted(this.opts.maxApplyBatch),
      readStates: this.readStates,
      readFailures: this.readFailures,
    };
    this.readStates = [];
    this.readFailures = [];
    this.snapshotToInstall = null;
    if (hardChanged) this.prevHard = hard;
    this.prevSoft = ready.soft;
    this.readyOutstanding = true;
    return ready;
  }

  /**
   * Messages that may go out right now, even while a Ready is being persisted: the leader's Appends
   * for entries proposed since (they do not depend on the leader's own durability; it counts itself
   * toward commit only once its persist is confirmed). Empty while a new term or vote awaits persist.
   * Lets followers start their fsync while the leader runs its own.
   */
  takeSendableMessages(): Message[] {
    if (this.role === 'leader' && this.broadcastPending) {
      this.broadcastPending = false;
      this.broadcastAppend(true);
    }
    if (this.msgs.length === 0 || this.hardStateChanged(this.hardStateToPersist())) return [];
    const now: Message[] = [];
    const later: Message[] = [];
    for (const m of this.msgs) (this.mustFollowPersist(m) ? later : now).push(m);
    this.msgs = later;
    return now;
  }

  /**
   * Committed entries that are durable here and were not handed out yet, to apply right away, even
   * while a Ready is being persisted: the commit index may advance on a message that arrives meanwhile
   * (an acknowledgement on the leader, a commit notice on a follower). Entries above the persisted
   * index are never taken here, so they keep their place in order: an outstanding Ready's committed
   * entries all come first. Nothing while a snapshot waits to be installed.
   */
  takeDurableCommitted(): Entry[] {
    if (this.snapshotToInstall !== null) return [];
    return this.log.takeCommitted(this.opts.maxApplyBatch, this.log.persistedIndex);
  }

  /** The shell finished executing `ready` (persisted, sent, applied). */
  advance(ready: Ready): void {
    invariant(this.readyOutstanding, 'advance() without an outstanding Ready');
    this.readyOutstanding = false;
    const last = ready.entries.at(-1);
    if (last) this.log.persistedTo(last.index);
    if (this.role === 'leader' && this.maybeCommit()) this.broadcastPending = true;
  }

  status(): RaftStatus {
    const peers: PeerStatus[] = [];
    if (this.role === 'leader') {
      for (const [id, pr] of this.progress) {
        if (id === this.id) continue;
        peers.push({
          id,
          voter: isVoter(this.config, id),
          match: pr.match,
          next: pr.next,
          state: pr.state,
          inflight: pr.inflightCount(),
          ticksSinceContact: this.tickCount - pr.lastContactTick,
          reportedLamport: pr.reported.lamport,
          reportedCommit: pr.reported.commit,
          reportedApplied: pr.reported.applied,
        });
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commitIndex: this.log.committed,
      appliedIndex: this.log.applied,
      lastIndex: this.log.lastIndex(),
      persistedIndex: this.log.persistedIndex,
      snapshotIndex: this.log.snapshot.index,
      lamport: this.clock,
      config: this.config,
      leadTransferee: this.leadTransferee,
      peers,
    };
  }

  softState(): SoftState {
    return { role: this.role, leader: this.leader, term: this.term };
  }

  currentConfig(): ClusterConfig {
    return this.config;
  }

  // -------------------------------------------------------------------------------------------------
  // Hooks that tests override to inject known bugs (the simulator must catch each of them).

  /** Raft §5.4.2: a leader commits by counting replicas only for entries of its own term. */
  protected mayCommitByCounting(index: number): boolean {
    return this.log.term(index) === this.term;
  }

  /** Hard state handed to the shell for persisting. */
  protected hardStateToPersist(): HardState {
    const vote = this.blank !== null ? BLANK_VOTE : this.vote;
    return { term: this.term, vote, commit: this.log.committed, lamportCeiling: this.lamportCeiling };
  }

  /** Whether `m` may only be sent once this Ready is durable. */
  protected mustFollowPersist(m: Message): boolean {
    return DURABLE_PROMISES.has(m.type);
  }

  // -------------------------------------------------------------------------------------------------
  // Roles

  /** `keepElectionTimer`: a follower adopting a campaign's term keeps counting toward its own (see step). */
  private becomeFollower(term: number, leader: NodeId | null, keepElectionTimer = false): void {
    const wasLeader = this.role === 'leader';
    this.reset(term, keepElectionTimer);
    this.role = 'follower';
    this.setLeader(leader);
    this.stepRole = (m) => this.stepFollower(m);
    this.tickRole = () => this.tickElection();
    if (wasLeader) this.failLeaderReads();
  }

  private becomePreCandidate(): void {
    // Pre-vote changes neither term nor vote: a failed pre-election leaves no trace.
    this.votes.clear();
    this.role = 'precandidate';
    this.setLeader(null);
    this.stepRole = (m) => this.stepCandidate(m);
    this.tickRole = () => this.tickElection();
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepRole = (m) => this.stepCandidate(m);
    this.tickRole = () => this.tickElection();
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate', 'only a candidate becomes leader');
    this.role = 'leader';
    this.setLeader(this.id);
    this.stepRole = (m) => this.stepLeader(m);
    this.tickRole = () => this.tickHeartbeat();
    this.progress.clear();
    // A new leader gives every member a full timeout before check-quorum counts it as silent.
    for (const id of members(this.config)) this.addProgress(id, true);
    // A leader may not count replicas for earlier terms' entries, so it commits a no-op of its own.
    this.appendLocal([{ type: EntryType.Noop, data: EMPTY_DATA }]);
    this.pendingConfigIndex = this.log.lastIndex();
  }

  private reset(term: number, keepElectionTimer = false): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.setLeader(null);
    if (!keepElectionTimer) {
      this.electionElapsed = 0;
      this.randomizedElectionTimeout = this.opts.electionTicks + this.opts.rng.nextInt(this.opts.electionTicks);
    }
    this.heartbeatElapsed = 0;
    this.votes.clear();
    this.leadTransferee = null;
    this.incomingSnapshot = null;
  }

  private setLeader(leader: NodeId | null): void {
    if (leader !== this.leader && this.forwardedReads.size > 0) {
      for (const contexts of this.forwardedReads.values()) for (const context of contexts) this.readFailures.push({ context, reason: 'not_leader' });
      this.forwardedReads.clear();
    }
    this.leader = leader;
  }

  private campaign(kind: 'pre' | 'real' | 'transfer'): void {
    if (!isVoter(this.config, this.id) || this.blank !== null) return;
    if (kind === 'pre') this.becomePreCandidate();
    else this.becomeCandidate();
    this.votes.set(this.id, true);
    if (tallyVotes(this.config.voters, this.votes) === 'won') {
      if (kind === 'pre') this.campaign('real');
      else this.becomeLeader();
      return;
    }
    const term = kind === 'pre' ? this.term + 1 : this.term;
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.config.voters) {
      if (to === this.id) continue;
      if (kind === 'pre') this.send({ type: 'PreVote', to, term, lastLogIndex, lastLogTerm });
      else this.send({ type: 'Vote', to, lastLogIndex, lastLogTerm, transfer: kind === 'transfer' });
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Blank start (blank-start.ts)

  private probeVoters(): void {
    const blank = this.blank!;
    const missing = blank.missing(this.config.voters, this.id);
    if (missing.length === 0) this.endBlankStart();
    else for (const to of missing) this.send({ type: 'Probe', to, nonce: blank.nonce });
  }

  private noteProbeAnswer(from: NodeId, nonce: number, term: number): void {
    if (this.blank === null) return;
    this.blank.answer(from, nonce, term);
    if (this.blank.missing(this.config.voters, this.id).length === 0) this.endBlankStart();
  }

  /** Every other voter answered: move past every term this replica may have voted in, abstaining in it. */
  private endBlankStart(): void {
    const highest = this.blank!.highestTerm(this.config.voters);
    this.blank = null;
    if (highest > this.term) this.becomeFollower(highest, null);
    if (this.term > 0 && this.vote === null) this.vote = ABSTAINED_VOTE;
  }

  // -------------------------------------------------------------------------------------------------
  // Ticks

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout && isVoter(this.config, this.id)) {
      this.electionElapsed = 0;
      this.campaign(this.opts.preVote ? 'pre' : 'real');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    if (this.opts.checkQuorum && !this.quorumRecentlyActive()) {
      // Check-quorum: a leader that has not heard from a quorum for an election timeout steps down,
      // so a partitioned leader stops serving within one timeout.
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.leadTransferee !== null && ++this.transferElapsed >= this.opts.electionTicks) {
      this.leadTransferee = null;
    }
    if (this.heartbeatElapsed >= this.opts.heartbeatTicks) this.broadcastHeartbeat();
  }

  private recentlyActive(id: NodeId): boolean {
    if (id === this.id) return true;
    const pr = this.progress.get(id);
    return pr !== undefined && this.tickCount - pr.lastContactTick < this.opts.electionTicks;
  }

  private quorumRecentlyActive(): boolean {
    const active = this.config.voters.filter((id) => this.recentlyActive(id)).length;
    return active >= quorumSize(this.config.voters.length);
  }

  // -------------------------------------------------------------------------------------------------
  // Votes

  private handleVoteRequest(m: PreVote | Vote): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leader === null) ||
      (m.type === 'PreVote' && m.term > this.term);
    let grant = canVote && this.blank === null && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (grant && m.type === 'PreVote' && this.role === 'precandidate') {
      // Two precandidates that timed out together would both pass pre-vote and split the real vote,
      // costing another election timeout. Of two equally up-to-date logs the lower id goes on; the
      // other steps back (its timer restarts) and grants. Pre-votes decide nothing, so this only
      // changes who campaigns first.
      if (this.yieldsTo(m)) this.becomeFollower(this.term, null);
      else grant = false;
    }
    if (m.type === 'PreVote') {
      // A granted pre-vote answers at the pre-vote's term; a rejection tells our own.
      this.send({ type: 'PreVoteResponse', to: m.from, reject: !grant, term: grant ? m.term : this.term });
      return;
    }
    if (grant) {
      this.electionElapsed = 0;
      this.vote = m.from;
    }
    this.send({ type: 'VoteResponse', to: m.from, reject: !grant });
  }

  /** Whether this precandidate gives way to another's pre-vote (which its log already satisfies). */
  private yieldsTo(m: PreVote): boolean {
    const sameLog = m.lastLogTerm === this.log.lastTerm() && m.lastLogIndex === this.log.lastIndex();
    return !sameLog || m.from < this.id;
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'Append':
      case 'Heartbeat':
      case 'InstallSnapshot':
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'PreVoteResponse':
      case 'VoteResponse': {
        const expected = this.role === 'precandidate' ? 'PreVoteResponse' : 'VoteResponse';
        if (m.type !== expected) return;
        this.votes.set(m.from, !m.reject);
        const outcome = tallyVotes(this.config.voters, this.votes);
        if (outcome === 'won') {
          if (this.role === 'precandidate') this.campaign('real');
          else this.becomeLeader();
        } else if (outcome === 'lost') {
          this.becomeFollower(this.term, null);
        }
        return;
      }
      case 'ReadIndex':
        this.send({ type: 'ReadIndexResponse', to: m.from, context: m.context, index: 0, reject: true });
        return;
      default:
        return;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Follower

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'Append':
        this.heardFromLeader(m.from);
        this.handleAppend(m);
        return;
      case 'Heartbeat':
        this.heardFromLeader(m.from);
        this.handleHeartbeat(m);
        return;
      case 'InstallSnapshot':
        this.heardFromLeader(m.from);
        this.handleSnapshotChunk(m);
        return;
      case 'TimeoutNow':
        this.campaign('transfer');
        return;
      case 'ReadIndex':
        this.send({ type: 'ReadIndexResponse', to: m.from, context: m.context, index: 0, reject: true });
        return;
      case 'ReadIndexResponse': {
        const contexts = this.forwardedReads.get(m.context);
        if (!contexts) return;
        this.forwardedReads.delete(m.context);
        for (const context of contexts) {
          if (m.reject) this.readFailures.push({ context, reason: 'not_leader' });
          else this.readStates.push({ context, index: m.index });
        }
        return;
      }
      default:
        return;
    }
  }

  private heardFromLeader(from: NodeId): void {
    this.electionElapsed = 0;
    this.setLeader(from);
  }

  private handleAppend(m: Append): void {
    const log = this.log;
    if (m.prevIndex < log.committed) {
      // Everything up to our commit index already matches; let the leader continue from there.
      this.sendAppendResponse(m.from, false, log.committed);
      return;
    }
    if (!log.matchTerm(m.prevIndex, m.prevTerm)) {
      const hintIndex = log.lastIndexWithTermAtMost(Math.min(m.prevIndex, log.lastIndex()), m.prevTerm);
      this.send({
        type: 'AppendResponse',
        to: m.from,
        reject: true,
        index: m.prevIndex,
        hintIndex,
        hintTerm: log.term(hintIndex) ?? 0,
      });
      return;
    }
    const truncatedAt = log.appendFromLeader(m.entries);
    if (truncatedAt !== Infinity) this.rollbackConfig(truncatedAt);
    for (const e of m.entries) {
      if (e.type === EntryType.Config && e.index > this.latestConfigIndex()) {
        this.applyConfig(decodeConfig(e.data), e.index);
      }
    }
    const lastNew = m.prevIndex + m.entries.length;
    log.commitTo(Math.min(m.commit, lastNew));
    this.sendAppendResponse(m.from, false, lastNew);
  }

  /**
   * An acceptance supersedes one to the same leader in the same term still waiting to be sent (it
   * waits for the persist that makes its entries durable): the leader only needs the highest index,
   * so a follower answers the Appends that arrive during one persist with one message.
   */
  private sendAppendResponse(to: NodeId, reject: boolean, index: number): void {
    if (!reject) {
      for (let i = this.msgs.length - 1; i >= 0; i--) {
        const m = this.msgs[i]!;
        if (m.type !== 'AppendResponse' || m.to !== to || m.reject || m.term !== this.term) continue;
        this.msgs.splice(i, 1);
        index = Math.max(index, m.index);
        break;
      }
    }
    this.send({ type: 'AppendResponse', to, reject, index, hintIndex: 0, hintTerm: 0 });
  }

  private handleHeartbeat(m: Heartbeat): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send(this.heartbeatResponse(m.from, m.readSeq));
  }

  private heartbeatResponse(to: NodeId, readSeq: number): Outgoing {
    return { type: 'HeartbeatResponse', to, readSeq, lastIndex: this.log.lastIndex(), commit: this.log.committed, applied: this.log.applied };
  }

  private handleSnapshotChunk(m: InstallSnapshot): void {
    if (m.meta.index <= this.log.committed) {
      this.incomingSnapshot = null;
      this.sendAppendResponse(m.from, false, this.log.committed);
      return;
    }
    if (m.offset === 0) this.incomingSnapshot = { meta: m.meta, chunks: [], received: 0 };
    const incoming = this.incomingSnapshot;
    const same = incoming !== null && incoming.meta.index === m.meta.index && incoming.meta.term === m.meta.term;
    if (!same || m.offset !== incoming.received) {
      if (!same) this.incomingSnapshot = null;
      this.send({
        type: 'InstallSnapshotResponse',
        to: m.from,
        snapshotIndex: m.meta.index,
        offset: same ? incoming.received : 0,
        reject: true,
      });
      return;
    }
    incoming.chunks.push(m.chunk);
    incoming.received += m.chunk.byteLength;
    if (!m.done) {
      this.send({
        type: 'InstallSnapshotResponse',
        to: m.from,
        snapshotIndex: m.meta.index,
        offset: incoming.received,
        reject: false,
      });
      return;
    }
    this.incomingSnapshot = null;
    this.installSnapshot({ meta: m.meta, data: joinBytes(incoming.chunks, incoming.received) });
    this.sendAppendResponse(m.from, false, m.meta.index);
  }

  private installSnapshot(snapshot: Snapshot): void {
    const { meta } = snapshot;
    this.log.restore(meta);
    this.snapshotData = snapshot;
    this.snapshotToInstall = snapshot;
    this.advanceClock(Math.max(this.clock, meta.lamport));
    // Config entries kept after the snapshot (if the log matched) still apply on top of its config.
    const kept = this.configHistory.filter((c) => c.index > meta.index && c.index <= this.log.lastIndex());
    this.configHistory = [{ index: meta.index, config: meta.config }, ...kept];
    this.config = this.configHistory[this.configHistory.length - 1]!.config;
  }

  // -------------------------------------------------------------------------------------------------
  // Leader

  private stepLeader(m: Message): void {
    switch (m.type) {
      case 'AppendResponse':
        this.handleAppendResponse(m);
        return;
      case 'HeartbeatResponse':
        this.handleHeartbeatResponse(m);
        return;
      case 'InstallSnapshotResponse':
        this.handleSnapshotResponse(m);
        return;
      case 'ReadIndex':
        if (isMember(this.config, m.from)) this.leaderRead(m.context, m.from);
        else this.send({ type: 'ReadIndexResponse', to: m.from, context: m.context, index: 0, reject: true });
        return;
      default:
        return;
    }
  }

  /** Records that `m` came from a member: contact, and the clock it reported. */
  private touch(m: Message): Progress | undefined {
    const pr = this.progress.get(m.from);
    if (pr) {
      pr.recentActive = true;
      pr.lastContactTick = this.tickCount;
      pr.reported.lamport = m.lamport;
    }
    return pr;
  }

  private handleAppendResponse(m: AppendResponse): void {
    const pr = this.touch(m);
    if (!pr) return;
    if (m.reject) {
      if (pr.state === 'replicate') {
        if (m.index <= pr.match) return; // stale
        pr.becomeProbe();
      } else if (pr.state === 'probe') {
        if (m.index !== pr.next - 1) return; // stale
      } else {
        return;
      }
      // Fast backtracking: skip every index whose term cannot match the follower's hint.
      const probe = this.log.lastIndexWithTermAtMost(m.hintIndex, m.hintTerm);
      pr.next = Math.max(pr.match + 1, Math.min(m.index, probe + 1));
      pr.probeSent = false;
      this.sendAppend(m.from);
      return;
    }
    const wasPaused = pr.isPaused();
    const updated = pr.maybeUpdate(m.index);
    if (updated || (pr.state === 'probe' && pr.match === m.index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.snapshotIndex) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    }
    if (updated && this.maybeCommit()) this.broadcastAppend(true);
    else this.sendAppend(m.from, wasPaused);
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: 'TimeoutNow', to: m.from });
    }
  }

  private handleHeartbeatResponse(m: HeartbeatResponse): void {
    const pr = this.touch(m);
    if (!pr) return;
    if (m.commit !== undefined) pr.reported.commit = m.commit;
    if (m.applied !== undefined) pr.reported.applied = m.applied;
    if (m.readSeq > pr.readSeqAcked) {
      pr.readSeqAcked = m.readSeq;
      this.releaseReads();
    }
    if (m.lastIndex < pr.match) {
      // The follower lost entries it had acknowledged (its data directory was wiped and it restarted
      // empty). Commit never moves back; the leader only forgets the match and probes again, which
      // ends in a snapshot when the entries it needs were compacted.
      pr.match = m.lastIndex;
      pr.becomeProbe();
      this.sendAppend(m.from);
      return;
    }
    if (pr.state === 'snapshot') {
      if (pr.snapshotChunkInFlight && this.tickCount - pr.lastSendTick >= 2 * this.opts.heartbeatTicks) {
        pr.snapshotChunkInFlight = false;
        this.sendSnapshotChunk(m.from, pr);
      }
      return;
    }
    if (pr.match < this.log.lastIndex()) {
      // An Append may have been lost: retry from the known match point if nothing arrived lately.
      const silent = this.tickCount - pr.lastSendTick >= 2 * this.opts.heartbeatTicks;
      if (pr.state === 'probe') pr.probeSent = false;
      // In replicate state a silent window means the unanswered Appends or their acknowledgements were
      // lost: even when the follower already holds everything sent (only the ack was lost), a full
      // window would otherwise stay paused forever. Probing resends from the match point.
      else if (silent) pr.becomeProbe();
      this.sendAppend(m.from);
    }
  }

  /**
   * Moves a snapshot transfer on only for the answer to the chunk in flight: its end acknowledged, or
   * a refusal naming a different position (the follower restarted, or holds more). A duplicated or
   * late answer repeats what the leader knows and sends nothing, so one chunk stays in flight; if
   * each such answer sent a chunk, every duplicate on the network would start another stream.
   */
  private handleSnapshotResponse(m: InstallSnapshotResponse): void {
    const pr = this.touch(m);
    if (!pr || pr.state !== 'snapshot' || m.snapshotIndex !== pr.snapshotIndex) return;
    if (pr.snapshotChunkInFlight) {
      const chunkEnd = Math.min(pr.snapshotOffset + this.opts.snapshotChunkBytes, pr.snapshot!.data.byteLength);
      const answersChunk = m.reject ? m.offset !== pr.snapshotOffset : m.offset === chunkEnd;
      if (!answersChunk) return;
    }
    pr.snapshotOffset = m.offset;
    pr.snapshotChunkInFlight = false;
    this.sendSnapshotChunk(m.from, pr);
  }

  private maybeCommit(): boolean {
    const index = committedValue(this.config.voters, (id) =>
      id === this.id ? this.log.persistedIndex : (this.progress.get(id)?.match ?? 0),
    );
    if (index <= this.log.committed || !this.mayCommitByCounting(index)) return false;
    const firstCommitOfTerm = this.log.term(this.log.committed) !== this.term;
    this.log.commitTo(index);
    if (firstCommitOfTerm) this.serveReadsAwaitingCommit();
    return true;
  }

  private broadcastAppend(allowEmpty: boolean): void {
    for (const id of this.progress.keys()) {
      if (id !== this.id) this.sendAppend(id, allowEmpty);
    }
  }

  private broadcastHeartbeat(): void {
    this.heartbeatElapsed = 0;
    this.readBroadcastSeq = this.readSeq;
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      this.send({ type: 'Heartbeat', to: id, commit: Math.min(this.log.committed, pr.match), readSeq: this.readSeq });
    }
  }

  /**
   * Sends what `to` is missing: Appends (pipelined up to the window in replicate state), or snapshot
   * chunks when the entries it needs were compacted. `allowEmpty` sends an empty Append to carry a
   * new commit index.
   */
  private sendAppend(to: NodeId, allowEmpty = false): void {
    const pr = this.progress.get(to);
    if (!pr) return;
    let sentAny = false;
    while (!pr.isPaused()) {
      const prevIndex = pr.next - 1;
      const prevTerm = this.log.term(prevIndex);
      if (prevTerm === undefined) {
        invariant(this.snapshotData !== null, `no snapshot to send below the log start ${this.log.firstIndex()}`);
        pr.becomeSnapshot(this.snapshotData);
        this.sendSnapshotChunk(to, pr);
        return;
      }
      const entries = pr.next <= this.log.lastIndex() ? this.log.slice(pr.next, this.log.lastIndex(), this.opts.maxAppendBytes) : [];
      if (entries.length === 0 && pr.state === 'replicate' && (!allowEmpty || sentAny)) return;
      this.send({ type: 'Append', to, prevIndex, prevTerm, entries, commit: this.log.committed });
      pr.sentAppend(prevIndex + entries.length, entries.length);
      pr.lastSendTick = this.tickCount;
      sentAny = true;
      if (pr.state !== 'replicate') return;
    }
  }

  private sendSnapshotChunk(to: NodeId, pr: Progress): void {
    const snap = pr.snapshot;
    invariant(snap !== null, 'snapshot state without a snapshot');
    if (pr.snapshotChunkInFlight) return;
    const offset = Math.min(pr.snapshotOffset, snap.data.byteLength);
    const chunk = snap.data.subarray(offset, offset + this.opts.snapshotChunkBytes);
    const done = offset + chunk.byteLength >= snap.data.byteLength;
    this.send({ type: 'InstallSnapshot', to, meta: snap.meta, offset, chunk, done });
    pr.snapshotChunkInFlight = true;
    pr.lastSendTick = this.tickCount;
  }

  private appendLocal(items: readonly { type: EntryType; data: Uint8Array }[]): void {
    let index = this.log.lastIndex();
    const entries: Entry[] = items.map((item) => ({
      index: ++index,
      term: this.term,
      lamport: this.advanceClock(this.clock + 1),
      type: item.type,
      data: item.data,
    }));
    this.log.append(entries);
    for (const e of entries) {
      if (e.type === EntryType.Config) this.applyConfig(decodeConfig(e.data), e.index);
    }
    this.broadcastPending = true;
  }

  /** `graceful`: count the member as recently heard from (a new leader's grace period). */
  private addProgress(id: NodeId, graceful = false): void {
    const pr = new Progress(this.log.lastIndex() + 1, this.opts.maxInflight);
    // A member added by a configuration change has not been heard from: it cannot be promoted, nor
    // count toward an active quorum, before it answers.
    pr.lastContactTick = graceful ? this.tickCount : -Infinity;
    if (id === this.id) pr.match = this.log.persistedIndex;
    this.progress.set(id, pr);
  }

  // -------------------------------------------------------------------------------------------------
  // ReadIndex

  /**
   * Sends the reads batched since the last Ready as one ReadIndex (a lone read keeps its own context;
   * a batch gets `read-batch:<lamport>`, unique because the Lamport clock never repeats). Reads
   * batched under a leadership this replica has since lost or gained are served by the current role.
   */
  private forwardReadBatch(): void {
    if (this.readBatch.length === 0) return;
    const batch = this.readBatch;
    this.readBatch = [];
    if (this.role === 'leader') {
      for (const context of batch) this.leaderRead(context, this.id);
    } else if (this.leader === null) {
      for (const context of batch) this.readFailures.push({ context, reason: 'no_leader' });
    } else {
      const context = batch.length === 1 ? batch[0]! : `read-batch:${this.clock + 1}`;
      this.forwardedReads.set(context, batch);
      this.send({ type: 'ReadIndex', to: this.leader, context });
    }
  }

  private leaderRead(context: string, from: NodeId): void {
    if (this.log.term(this.log.committed) !== this.term) {
      // Until its no-op commits, a new leader does not know the latest commit index.
      this.readsAwaitingCommit.push({ context, from });
      return;
    }
    this.pendingReads.push({ context, from, index: this.log.committed, seq: ++this.readSeq });
    this.releaseReads();
  }

  private serveReadsAwaitingCommit(): void {
    const waiting = this.readsAwaitingCommit;
    this.readsAwaitingCommit = [];
    for (const r of waiting) this.leaderRead(r.context, r.from);
  }

  private releaseReads(): void {
    const acked = committedValue(this.config.voters, (id) =>
      id === this.id ? this.readSeq : (this.progress.get(id)?.readSeqAcked ?? 0),
    );
    while (this.pendingReads.length > 0 && this.pendingReads[0]!.seq <= acked) {
      const r = this.pendingReads.shift()!;
      if (r.from === this.id) this.readStates.push({ context: r.context, index: r.index });
      else this.send({ type: 'ReadIndexResponse', to: r.from, context: r.context, index: r.index, reject: false });
    }
  }

  private failLeaderReads(): void {
    const all = [...this.pendingReads, ...this.readsAwaitingCommit];
    this.pendingReads = [];
    this.readsAwaitingCommit = [];
    for (const r of all) {
      if (r.from === this.id) this.readFailures.push({ context: r.context, reason: 'not_leader' });
      else this.send({ type: 'ReadIndexResponse', to: r.from, context: r.context, index: 0, reject: true });
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Configuration

  private applyConfig(config: ClusterConfig, index: number): void {
    this.configHistory.push({ index, config });
    this.config = config;
    if (this.role !== 'leader') return;
    for (const id of members(config)) if (!this.progress.has(id)) this.addProgress(id);
    for (const id of [...this.progress.keys()]) if (!isMember(config, id)) this.progress.delete(id);
    if (this.leadTransferee !== null && !isVoter(config, this.leadTransferee)) this.leadTransferee = null;
  }

  private rollbackConfig(truncatedAt: number): void {
    this.configHistory = this.configHistory.filter((c) => c.index < truncatedAt);
    this.config = this.configHistory[this.configHistory.length - 1]!.config;
  }

  private latestConfigIndex(): number {
    return this.configHistory[this.configHistory.length - 1]!.index;
  }

  private configAt(index: number): ClusterConfig {
    let found = this.configHistory[0]!.config;
    for (const c of this.configHistory) if (c.index <= index) found = c.config;
    return found;
  }

  private pruneConfigHistory(): void {
    const snap = this.log.snapshot;
    this.configHistory = [
      { index: snap.index, config: snap.config },
      ...this.configHistory.filter((c) => c.index > snap.index),
    ];
  }

  // -------------------------------------------------------------------------------------------------
  // Plumbing

  /** Stamps and queues `m`. Every caller passes a fresh object literal, so it is completed in place (no copy). */
  private send(m: Outgoing): void {
    const lamport = this.advanceClock(this.clock + 1);
    const message = m as { from?: NodeId; term?: number; lamport?: number };
    message.from = this.id;
    message.term = m.term ?? this.term;
    message.lamport = lamport;
    this.msgs.push(m as Message);
  }

  /** Moves the Lamport clock forward (never back) and keeps the persisted ceiling ahead of it. */
  private advanceClock(to: number): number {
    if (to > this.clock) this.clock = to;
    if (this.clock > this.lamportCeiling - LAMPORT_LEASE / 2) this.reserveLamport();
    return this.clock;
  }

  private reserveLamport(): void {
    this.lamportCeiling = this.clock + LAMPORT_LEASE;
  }

  private assertLeader(): void {
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
  }

  private hardStateChanged(hard: HardState): boolean {
    return hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote || hard.lamportCeiling !== this.prevHard.lamportCeiling;
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term;
}
