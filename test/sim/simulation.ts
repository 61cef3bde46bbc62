// One seeded simulation run. A run is a fault phase (`profile.steps` steps of client requests, message
// loss/duplication/reordering, partitions, crashes and restarts, membership changes, transfers) and then
// a convergence phase: every fault heals, every replica restarts, and a new proposal must be applied
// on every member within `profile.convergeTicks` ticks, with every acknowledged write present on every
// member. Safety invariants are checked at every event of both phases.
//
// One step = one unit of simulated time: deliver the messages due, tick the replicas whose clock fires,
// run the clients and faults, then let every replica complete its due syncs and Readys.

import { Raft } from '../../actors/raft/raft.ts';
import type { Message, NodeId } from '../../actors/raft/types.ts';
import { type Cluster, emptyStats, type SimStats } from './cluster.ts';
import { FaultSchedule } from './faults.ts';
import { type ReadRecord, SafetyChecker } from './invariants.ts';
import { RELIABLE_NETWORK, SimNetwork } from './network.ts';
import { type CoreOptions, type DiskTiming, type NodeEnv, type RaftFactory, SimNode, type SnapshotPolicy } from './node.ts';
import { drawProfile, type ProfileBias, type SimProfile } from './profile.ts';
import { forkRng, intIn, rootRng } from './rng.ts';
import { messageCode, Trace, TraceKind } from './trace.ts';
import { SimViolation } from './violation.ts';
import { Workload } from './workload.ts';

export interface SimOptions {
  readonly seed: number;
  /** Steps of the fault phase (default 3000). */
  readonly steps?: number;
  /** Builds each replica's core; tests pass subclasses with injected bugs. */
  readonly makeRaft?: RaftFactory;
  readonly bias?: ProfileBias;
  /** Receives every trace event as it happens (verbose replay). */
  readonly print?: (line: string) => void;
}

export interface SimFailure {
  /** The broken property, 'core invariant' for an assertion inside the core, or 'exception'. */
  readonly property: string;
  readonly message: string;
  /** Step at which it was found. */
  readonly step: number;
  readonly traceTail: readonly string[];
}

export interface SimResult {
  readonly seed: number;
  readonly failure: SimFailure | null;
  readonly traceHash: string;
  /** Steps executed, both phases. */
  readonly steps: number;
  readonly events: number;
  readonly profile: SimProfile;
  readonly stats: SimStats;
  readonly elections: number;
  readonly ackedWrites: number;
}

export const DEFAULT_STEPS = 3000;

const defaultRaft: RaftFactory = (options, restored) => new Raft(options, restored);

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation implements Cluster, NodeEnv {
  readonly nodes: SimNode[] = [];
  readonly network: SimNetwork;
  readonly trace: Trace;
  readonly checker = new SafetyChecker();
  readonly stats = emptyStats();
  readonly makeRaft: RaftFactory;
  readonly coreOptions: CoreOptions;
  readonly disk: DiskTiming;
  readonly snapshots: SnapshotPolicy;
  private readonly profile: SimProfile;
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly workload: Workload;
  private readonly faults: FaultSchedule;
  private readonly reads = new Map<number, ReadRecord>();
  private readIds = 0;
  private time = 0;

  constructor(private readonly options: SimOptions) {
    const root = rootRng(options.seed);
    const drawn = drawProfile(forkRng(root), options.steps ?? DEFAULT_STEPS);
    this.profile = options.bias ? options.bias(drawn) : drawn;
    const p = this.profile;
    this.makeRaft = options.makeRaft ?? defaultRaft;
    this.coreOptions = p.core;
    this.disk = p.disk;
    this.snapshots = p.snapshots;
    const ids = Array.from({ length: p.initialVoters + p.spares }, (_, i) => `n${i + 1}`);
    const voters = ids.slice(0, p.initialVoters);
    this.trace = new Trace(ids, options.print ?? null);
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    this.network = new SimNetwork(forkRng(root), indexOf, p.network);
    const nodeRng = forkRng(root);
    for (const [i, id] of ids.entries()) {
      const every = intIn(nodeRng, p.tickEverySteps[0], p.tickEverySteps[1]);
      const bootstrap = i < p.initialVoters ? { voters, learners: [] } : null;
      const node = new SimNode(i, id, bootstrap, every, intIn(nodeRng, 0, every - 1), forkRng(nodeRng), forkRng(nodeRng), this);
      this.nodes.push(node);
      this.byId.set(id, node);
    }
    this.workload = new Workload(forkRng(root), p, this);
    this.faults = new FaultSchedule(forkRng(root), p, this);
  }

  run(): SimResult {
    let failure: SimFailure | null = null;
    try {
      for (const node of this.nodes) node.start();
      this.trace.record(this.time, TraceKind.Phase, 0);
      for (; this.time < this.profile.steps; this.time++) this.step(true);
      this.converge();
    } catch (e) {
      failure = this.describeFailure(e);
    }
    return {
      seed: this.options.seed,
      failure,
      traceHash: this.trace.hash(),
      steps: this.time,
      events: this.trace.events(),
      profile: this.profile,
      stats: this.stats,
      elections: this.checker.leaderElections,
      ackedWrites: this.checker.acked.length,
    };
  }

  private step(faultPhase: boolean): void {
    const now = this.time;
    const due = this.network.takeDue(now);
    for (let i = 0; i < due.length; i++) this.deliver(due[i]!);
    for (const node of this.nodes) {
      if (node.up && (now + node.tickPhase) % node.tickEverySteps === 0) node.tick();
    }
    if (faultPhase) {
      this.faults.step();
      this.workload.step();
    }
    for (const node of this.nodes) if (node.up) node.pump();
  }

  private deliver(m: Message): void {
    const to = this.byId.get(m.to);
    const from = this.byId.get(m.from)!;
    if (to === undefined || !to.up || this.network.isCut(m.from, m.to)) {
      this.stats.messagesDropped++;
      this.trace.record(this.time, TraceKind.Drop, from.index, to?.index ?? -1, messageCode(m.type), m.term);
      return;
    }
    this.stats.messagesDelivered++;
    this.trace.record(this.time, TraceKind.Deliver, from.index, to.index, messageCode(m.type), m.term);
    to.deliver(m);
  }

  /**
   * Heals everything, then requires progress: a new command, proposed on the leader (again on each new
   * leader until one acknowledges it), must be applied by every member of the leader's configuration,
   * and every write acknowledged during the run must be present on every member.
   */
  private converge(): void {
    this.trace.record(this.time, TraceKind.Phase, 1);
    this.faults.healAll();
    this.faults.restartAll();
    this.network.setFaults(RELIABLE_NETWORK);
    const budgetSteps = this.profile.convergeTicks * this.profile.tickEverySteps[1] + this.snapshotCatchUpSteps() + this.logCatchUpSteps();
    const deadline = this.time + budgetSteps;
    let pending: { node: SimNode; incarnation: number; commandId: number; index: number } | null = null;
    let ackedAt = -1;
    for (; this.time < deadline; this.time++) {
      this.step(false);
      const leader = this.leader();
      if (ackedAt < 0 && pending !== null) {
        const proposer: SimNode = pending.node;
        const { commandId, index } = pending;
        if (this.checker.isAcknowledged(commandId)) ackedAt = index;
        else if (!proposer.up || proposer.incarnation !== pending.incarnation || leader !== proposer) pending = null;
      }
      if (ackedAt < 0 && pending === null && leader !== null) {
        const proposed = this.workload.propose(leader);
        const last = proposed?.at(-1);
        if (last) pending = { node: leader, incarnation: leader.incarnation, commandId: last.commandId, index: last.index };
      }
      if (ackedAt >= 0 && leader !== null && this.allMembersApplied(leader, ackedAt)) {
        this.checkAcknowledgedWrites(leader);
        this.time++;
        return;
      }
    }
    const status = this.nodes
      .map((n) => {
        if (!n.up) return `${n.id} down`;
        const s = n.raft!.status();
        return `${n.id} ${s.role} term ${s.term} commit ${s.commitIndex} applied ${n.sm.appliedIndex} last ${s.lastIndex} voters [${s.config.voters}] learners [${s.config.learners}]`;
      })
      .join('; ');
    const leader = this.leader();
    const peers = leader
      ? ` leader ${leader.id} sees ` +
        leader.raft!
          .status()
          .peers.map((p) => `${p.id} ${p.state} match ${p.match} next ${p.next} inflight ${p.inflight} silent ${p.ticksSinceContact}`)
          .join(', ')
      : '';
    throw new SimViolation(
      'liveness',
      `no new command applied on every member within ${budgetSteps} steps after healing ` +
        `(${ackedAt < 0 ? 'never acknowledged' : `acknowledged at ${ackedAt}`}): ${status};${peers}`,
    );
  }

  /**
   * Steps on top of `convergeTicks` for a member that fell behind the leader's compaction: it may be
   * part way through an older snapshot when the network heals and then need the newest, each sent
   * one chunk per round trip (chunks can be as small as 24 bytes), so two whole snapshots of the
   * largest state any replica holds, at the healed network's slowest round trip plus an average sync.
   */
  private snapshotCatchUpSteps(): number {
    // The state holds at most one 4-byte command id per log entry (CommandLog.encode).
    const entries = this.largestLog();
    const chunks = Math.ceil((12 + 4 * entries) / (this.profile.core.snapshotChunkBytes ?? 256 * 1024));
    return Math.ceil(2 * chunks * this.roundTripSteps());
  }

  /**
   * Steps for a member that is behind by the log (at most the largest log any replica holds) to get
   * it by Appends: a profile can allow a single entry per Append (`maxAppendBytes` below two entries)
   * and a single Append in flight, so one entry per round trip.
   */
  private logCatchUpSteps(): number {
    const { maxAppendBytes, maxInflight } = this.profile.core;
    // Raft's log counts an entry's data plus 32 bytes; a command's data is at most 4 + 39 bytes.
    const entriesPerAppend = Math.max(1, Math.floor((maxAppendBytes ?? 1 << 20) / (32 + 4 + 39)));
    const appendsPerRoundTrip = Math.max(1, maxInflight ?? 64);
    const roundTrips = Math.ceil(this.largestLog() / (entriesPerAppend * appendsPerRoundTrip));
    return Math.ceil(roundTrips * this.roundTripSteps());
  }

  /** Entries in the largest log or state any replica holds. */
  private largestLog(): number {
    return Math.max(...this.nodes.map((n) => n.raft?.status().lastIndex ?? 0), ...this.nodes.map((n) => n.sm.commands.length));
  }

  /** The healed network's slowest round trip plus an average sync. */
  private roundTripSteps(): number {
    const { maxSyncSteps, slowSyncRate, slowSyncSteps } = this.profile.disk;
    const averageSyncSteps = (1 - slowSyncRate) * (maxSyncSteps / 2) + slowSyncRate * ((maxSyncSteps + slowSyncSteps) / 2);
    return 2 * RELIABLE_NETWORK.maxDelaySteps + averageSyncSteps + 1;
  }

  private allMembersApplied(leader: SimNode, index: number): boolean {
    const config = leader.raft!.currentConfig();
    for (const id of [...config.voters, ...config.learners]) {
      const node = this.node(id);
      if (!node.up || node.sm.appliedIndex < index) return false;
    }
    return true;
  }

  private checkAcknowledgedWrites(leader: SimNode): void {
    const config = leader.raft!.currentConfig();
    for (const id of [...config.voters, ...config.learners]) {
      const applied = new Set(this.node(id).sm.commands);
      for (const w of this.checker.acked) {
        if (!applied.has(w.commandId)) {
          throw new SimViolation('durability', `write ${w.commandId} acknowledged at index ${w.index} is missing on member ${id}`);
        }
      }
    }
  }

  // ---- Cluster -------------------------------------------------------------------------------------

  now(): number {
    return this.time;
  }

  node(id: NodeId): SimNode {
    const node = this.byId.get(id);
    if (node === undefined) throw new Error(`invariant: unknown replica ${id}`);
    return node;
  }

  leader(): SimNode | null {
    let best: SimNode | null = null;
    let bestTerm = -1;
    for (const node of this.nodes) {
      if (!node.up) continue;
      const soft = node.raft!.softState();
      if (soft.role === 'leader' && soft.term > bestTerm) {
        best = node;
        bestTerm = soft.term;
      }
    }
    return best;
  }

  crash(node: SimNode): void {
    const lost = node.crash();
    this.stats.crashes++;
    this.trace.record(this.time, TraceKind.Crash, node.index, lost);
  }

  /** A crashed replica's disk is replaced by an empty one. */
  wipe(node: SimNode): void {
    node.disk.wipe();
    this.stats.wipes++;
    this.checker.diskLost(node.id);
    this.trace.record(this.time, TraceKind.Wipe, node.index);
  }

  restart(node: SimNode): void {
    node.start();
    const s = node.raft!.status();
    this.trace.record(this.time, TraceKind.Restart, node.index, s.term, s.snapshotIndex, s.lastIndex);
  }

  issueRead(node: SimNode): void {
    const readId = ++this.readIds;
    this.reads.set(readId, {
      readId,
      node: node.id,
      incarnation: node.incarnation,
      ackedIndexAtIssue: this.checker.maxAckedIndex,
      commitSeenAtIssue: this.checker.maxCommitSeen,
    });
    this.stats.reads++;
    this.trace.record(this.time, TraceKind.Read, node.index, readId, this.checker.maxAckedIndex, this.checker.maxCommitSeen);
    node.raft!.readIndex(`r${readId}`);
  }

  // ---- NodeEnv -------------------------------------------------------------------------------------

  send(m: Message): void {
    this.checker.messageSent(m.from, this.node(m.from).incarnation, m.lamport);
    this.network.send(m, this.time);
  }

  readGranted(node: SimNode, context: string, index: number): number {
    const readId = Number(context.slice(1));
    const read = this.reads.get(readId);
    if (read === undefined || read.node !== node.id || read.incarnation !== node.incarnation) {
      throw new SimViolation('ReadIndex linearizability', `${node.id} was granted read ${context} it never issued`);
    }
    this.checker.readIndexGranted(read, index);
    return readId;
  }

  readServed(node: SimNode, readId: number, index: number): void {
    this.reads.delete(readId);
    this.stats.readsServed++;
    this.trace.record(this.time, TraceKind.ReadServed, node.index, readId, index, node.sm.appliedIndex);
  }

  private describeFailure(e: unknown): SimFailure {
    const tail = this.trace.tail();
    if (e instanceof SimViolation) return { property: e.property, message: e.message, step: this.time, traceTail: tail };
    const err = e instanceof Error ? e : new Error(String(e));
    const property = err.message.startsWith('invariant:') ? 'core invariant' : 'exception';
    const where = (err.stack ?? '').split('\n').slice(1, 4).map((l) => l.trim()).join(' <- ');
    return { property, message: `${err.message} (${where})`, step: this.time, traceTail: tail };
  }
}
