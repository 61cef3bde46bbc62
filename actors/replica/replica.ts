// The replica actor: one Raft core plus its state machines, storage and transport. It owns all I/O
// for the core and runs the loop  ready -> send -> persist (one sync) -> send after persist -> apply
// -> advance,  never two iterations at once. Inputs (messages, ticks, proposals, reads) step the core
// synchronously as they arrive; whatever arrives while a sync runs is batched into the next one
// (group commit). While clients wait on the replica its sync runs off the thread, and committed
// entries that are already durable here are applied (in log order) while it runs.
//
// Web-standard only: the same class runs in a Node process and inside a Durable Object.

import { Ledger } from '../ledger/ledger.ts';
import type { Sha256Digest } from '../ledger/chain.ts';
import { loadOrCreateIdentity, type LedgerIdentity } from '../ledger/keys.ts';
import { LedgerSealer } from '../ledger/sealer.ts';
import { MachineHost } from '../machines/host.ts';
import type { ApplyOutcome } from '../machines/host.ts';
import { encodeInSlices, type SnapshotBuild } from '../machines/snapshot-build.ts';
import type { CapturedBackup } from '../backup/backup-file.ts';
import type { LedgerAnchor } from '../ledger/ledger.ts';
import type { AnyMachineDefinition } from '../machines/types.ts';
import { NotLeaderError } from '../raft/errors.ts';
import type { ConfigChange } from '../raft/config.ts';
import { isMember } from '../raft/config.ts';
import { Raft, type RaftStatus } from '../raft/raft.ts';
import type { Rng } from '../raft/rand.ts';
import { type ClusterConfig, type Entry, EntryType, type Forward, type Message, type NodeId, type Ready, type SoftState } from '../raft/types.ts';
import type { ActorStorage, LogStore } from '../storage/types.ts';
import { ReplicaMetrics } from './metrics.ts';
import { expiredKeys } from './ttl-expiry.ts';
import { snapshotDue } from './snapshot-policy.ts';
import { ApplyWaiters, OutcomeUnknownError, ProposalWaiters, ReadWaiters } from './waiters.ts';
import type { EventSink, Logger, Ticker, Transport, TransportFactory, WallClock } from './ports.ts';
import { COMMIT_NOTICE_DELAY_MS, CommitNoticeCoalescer } from './commit-notice-coalescer.ts';
import { ForwardAcceptor } from './forward-acceptor.ts';
import { ForwardQueue } from './forward-queue.ts';
import { type CompactionHold, DEFAULT_MAX_HELD_ENTRIES, holdsCompaction } from './compaction-hold.ts';

/** A forwarded write whose Forward got no answer in this long has an unknown outcome. */
const FORWARD_ANSWER_TIMEOUT_MS = 10_000;

export interface ReplicaOptions {
  readonly id: NodeId;
  readonly cluster: string;
  /** Voters at first start; null for a replica that joins an existing cluster (added as a learner). */
  readonly bootstrap: ClusterConfig | null;
  readonly logStore: LogStore;
  readonly transport: TransportFactory;
  readonly ticker: Ticker;
  readonly clock: WallClock;
  readonly logger: Logger;
  readonly rng: Rng;
  readonly machines: readonly AnyMachineDefinition[];
  readonly events?: EventSink;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /**
   * Take a snapshot and compact the log once this many entries were applied since the last one and,
   * for a large state, once the log since then holds half the snapshot's bytes (snapshot-policy.ts).
   */
  readonly snapshotEveryEntries?: number;
  /** Bytes per snapshot chunk a leader sends (Raft's default when absent). */
  readonly snapshotChunkBytes?: number;
  /** Longest one slice of snapshot encoding holds the thread. Default SNAPSHOT_SLICE_MS. */
  readonly snapshotSliceMs?: number;
  /** The host's native SHA-256 for the ledger's hash chain; without it the portable one (chain.ts). */
  readonly sha256?: Sha256Digest;
  /**
   * Entries a leader keeps past its last snapshot, at most, while a follower receives a snapshot
   * (compaction-hold.ts). Default DEFAULT_MAX_HELD_ENTRIES.
   */
  readonly maxHeldEntries?: number;
  readonly dedupTtlMs?: number;
  /** How often the leader looks for keys whose TTL passed. */
  readonly expiryCheckMs?: number;
  /** Called with each applied batch (after the state machines changed). */
  readonly onApplied?: (outcomes: readonly AppliedEntry[]) => void;
  /** Holds this replica's ledger key pair; without it the key lives only as long as the process. */
  readonly identity?: ActorStorage;
  /** How often the leader seals the ledger while entries are being applied; 0 never seals. */
  readonly sealEveryMs?: number;
}

export interface AppliedEntry {
  readonly entry: Entry;
  /** Present for Command entries. */
  readonly outcome?: ApplyOutcome;
}

export interface ProposeResult {
  readonly index: number;
  readonly term: number;
  readonly lamport: number;
  readonly outcome: ApplyOutcome;
}

/** The replica stopped because of a broken invariant or a storage failure; it must not limp on. */
export class ReplicaFailedError extends Error {
  override readonly name = 'ReplicaFailedError';
}

export class Replica {
  readonly id: NodeId;
  readonly cluster: string;
  readonly metrics = new ReplicaMetrics();
  readonly machines: MachineHost;
  /** The hash chain over applied entries and the replicated key/seal records (actors/ledger). */
  readonly ledger: Ledger;
  private readonly sealer: LedgerSealer;
  private readonly core: Raft;
  private readonly transport: Transport;
  /** Every consensus message leaves through here; empty Appends wait briefly for a fuller one. */
  private readonly outbox = new CommitNoticeCoalescer(
    (messages) => {
      this.metrics.raftMessagesSent += messages.length;
      this.transport.send(messages);
    },
    COMMIT_NOTICE_DELAY_MS,
    (notice) => this.acceptor.isAwaited(notice),
  );
  /** The leader's side of forwarding: appends followers' writes (forward-acceptor.ts). */
  private readonly acceptor = new ForwardAcceptor({
    soft: () => this.core.softState(),
    nextLogTimeMs: () => this.nextLogTimeMs(),
    encode: (p, logTimeMs) =>
      this.machines.encodeForwarded(p.machine, p.command, { logTimeMs, ...(p.idempotencyKey !== '' ? { idempotencyKey: p.idempotencyKey } : {}) }),
    propose: (data) => this.core.propose(data),
    answer: (to, term, seq, firstIndex, reject) =>
      this.sendMessages([{ type: 'ForwardResponse', from: this.id, to, term, lamport: this.core.observeLamport(0), seq, firstIndex, reject }]),
    warn: (line) => this.opts.logger.warn(`${this.id}: ${line}`),
  });
  private readonly opts: ReplicaOptions;
  private readonly tickMs: number;
  private readonly snapshotEveryEntries: number;
  /** Bytes of entry data applied since start, and that count when the last snapshot was taken or installed. */
  private appliedBytes = 0;
  private appliedBytesAtSnapshot = 0;
  /** Bytes of the last snapshot's state. */
  private snapshotBytes = 0;
  private readonly snapshotSliceMs: number;
  /** The snapshot being encoded, or encoded and waiting for the loop to compact at its index. */
  private snapshotBuild: SnapshotJob | null = null;
  private readonly compactionHold: CompactionHold;
  /** Whether the current hold of compaction was logged. */
  private compactionHeldLogged = false;
  /** Whether the core started blank (nothing on disk), and whether the end of that was logged. */
  private readonly startedBlank: boolean;
  private blankStartLogged = false;
  private readonly proposals = new ProposalWaiters();
  private readonly reads = new ReadWaiters();
  private readonly applied = new ApplyWaiters();
  /** Writes made on this replica while it follows, on their way to the leader. */
  private readonly forwards = new ForwardQueue((leader, seq, proposals) =>
    this.sendMessages([{ type: 'Forward', from: this.id, to: leader, term: this.core.softState().term, lamport: this.core.observeLamport(0), seq, proposals }]),
  );
  private forwardFlushScheduled = false;
  private readonly softListeners = new Set<(soft: SoftState) => void>();
  private soft: SoftState;
  private loopRunning = false;
  private whilePersistingScheduled = false;
  /** The running Ready still has committed entries (or a snapshot) to apply: nothing later may go first. */
  private readyApplyPending = false;
  private stopTicker: (() => void) | null = null;
  private readCounter = 0;
  private failure: Error | null = null;
  private stopped = false;
  private lastLogTimeMs = 0;
  private readonly expiryCheckTicks: number;
  private ticksSinceExpiryCheck = 0;
  private expiryInFlight = false;

  private constructor(opts: ReplicaOptions, core: Raft, machines: MachineHost, ledger: Ledger, identity: LedgerIdentity) {
    this.opts = opts;
    this.id = opts.id;
    this.cluster = opts.cluster;
    this.core = core;
    this.machines = machines;
    this.ledger = ledger;
    this.tickMs = opts.tickMs ?? 50;
    const sealEveryMs = opts.sealEveryMs ?? 100;
    this.sealer = new LedgerSealer(ledger, identity, {
      id: opts.id,
      canSeal: () => this.soft.role === 'leader' && !this.failure && !this.stopped && ledger.lastAppliedTerm === this.soft.term,
      genesisConfig: () => (this.core.log.snapshot.index === 0 ? this.core.log.snapshot.config : null),
      propose: (machine, command) => this.propose(machine, command),
      logger: opts.logger,
    }, sealEveryMs > 0 ? Math.max(1, Math.round(sealEveryMs / this.tickMs)) : 0);
    this.snapshotEveryEntries = opts.snapshotEveryEntries ?? 20_000;
    this.snapshotSliceMs = opts.snapshotSliceMs ?? SNAPSHOT_SLICE_MS;
    this.compactionHold = { maxHeldEntries: opts.maxHeldEntries ?? DEFAULT_MAX_HELD_ENTRIES, liveTicks: core.electionTicks };
    this.startedBlank = core.blankStart;
    this.expiryCheckTicks = Math.max(1, Math.round((opts.expiryCheckMs ?? 250) / this.tickMs));
    this.soft = core.softState();
    this.applied.advance(core.log.applied);
    this.transport = opts.transport({
      deliver: (m) => this.receive(m),
      isMember: (id) => {
        // A replica joining an existing cluster knows no configuration until the leader sends one:
        // until then it accepts any well-formed message of its cluster.
        const config = this.core.currentConfig();
        return (config.voters.length === 0 && config.learners.length === 0) || isMember(config, id);
      },
    });
  }

  /** Recovers the replica from its storage (snapshot, then log) and connects its transport. */
  static async open(opts: ReplicaOptions): Promise<Replica> {
    const restored = await opts.logStore.load();
    const machines = new MachineHost({
      ...(opts.dedupTtlMs !== undefined ? { dedupTtlMs: opts.dedupTtlMs } : {}),
      onApplyFailure: (event) => opts.logger.warn(`apply failure at index ${event.index} (${event.machine}, ${event.phase}): ${String(event.error)}`),
    });
    const ledger = new Ledger(opts.sha256 ?? null);
    machines.register(ledger.machine);
    for (const def of opts.machines) machines.register(def);
    if (restored.snapshot) machines.restore(restored.snapshot.data);
    ledger.anchor(restored.snapshot?.meta ?? null);
    const identity = await loadOrCreateIdentity(opts.identity ?? null);
    const core = new Raft(
      {
        id: opts.id,
        rng: opts.rng,
        ...(opts.bootstrap ? { bootstrap: opts.bootstrap } : {}),
        ...(opts.electionTicks !== undefined ? { electionTicks: opts.electionTicks } : {}),
        ...(opts.heartbeatTicks !== undefined ? { heartbeatTicks: opts.heartbeatTicks } : {}),
        ...(opts.snapshotChunkBytes !== undefined ? { snapshotChunkBytes: opts.snapshotChunkBytes } : {}),
      },
      restored,
    );
    const replica = new Replica(opts, core, machines, ledger, identity);
    replica.snapshotBytes = restored.snapshot?.data.byteLength ?? 0;
    return replica;
  }

  /** Starts ticking. */
  start(): void {
    if (this.stopTicker || this.stopped) return;
    this.stopTicker = this.opts.ticker.start(this.tickMs, () => this.tick());
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopTicker?.();
    this.stopTicker = null;
    this.outbox.close();
    const reason = new ReplicaFailedError('replica stopped');
    this.proposals.failAll(reason);
    this.reads.failAll(reason);
    this.applied.failAll(reason);
    this.forwards.close('replica stopped');
    await this.transport.close();
    while (this.loopRunning) await new Promise((r) => setTimeout(r, 1));
    await this.opts.logStore.close();
  }

  // -------------------------------------------------------------------------------------------------
  // Inputs

  receive(message: Message): void {
    if (this.stopped) return;
    if (message.type === 'Forward' || message.type === 'ForwardResponse') {
      this.core.observeLamport(message.lamport);
      if (message.type === 'Forward') this.acceptForward(message);
      else this.forwards.settle(message);
      return;
    }
    this.guard(() => this.core.step(message));
  }

  private acceptForward(m: Forward): void {
    if (this.failure) return;
    try {
      const appended = this.acceptor.accept(m);
      this.metrics.proposals += appended;
      if (appended > 0) this.kick();
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  tick(): void {
    if (this.stopped) return;
    this.guard(() => this.core.tick());
    this.forwards.expire(performance.now(), FORWARD_ANSWER_TIMEOUT_MS);
    this.sealer.tick();
    if (++this.ticksSinceExpiryCheck >= this.expiryCheckTicks) {
      this.ticksSinceExpiryCheck = 0;
      this.proposeExpiry();
    }
  }

  /** The leader commits deletes of keys whose TTL passed by its clock, one batch at a time. */
  private proposeExpiry(): void {
    if (this.soft.role !== 'leader' || this.expiryInFlight || this.failure) return;
    const keys = expiredKeys(this.machines, this.opts.clock.now());
    if (!keys) return;
    this.expiryInFlight = true;
    this.propose('kv', { type: 'expire', keys })
      .catch((error: unknown) => this.opts.logger.warn(`${this.id}: TTL expiry not committed: ${String(error)}`))
      .finally(() => {
        this.expiryInFlight = false;
      });
  }

  /**
   * Proposes a command to a machine and resolves once it is committed and applied here, with the
   * machine's outcome. Throws CommandRejectedError before the log for an invalid command, and
   * NotLeaderError when this replica is not the leader.
   */
  propose(machine: string, command: unknown, options: { idempotencyKey?: string } = {}): Promise<ProposeResult> {
    const started = performance.now();
    const { index, term } = this.append(machine, command, options);
    return this.proposals.wait(index, term).then((waited) => {
      this.metrics.commitLatencyMs.observe(performance.now() - started);
      return { index, term, lamport: waited.entry.lamport, outcome: waited.outcome! };
    });
  }

  /**
   * `propose` on any replica: the leader proposes, a follower forwards the command to the leader
   * (forward-queue.ts) and resolves once the entry is applied here. Besides `propose`'s errors, a
   * forwarded command can reject with NotLeaderError (never appended: retry) or OutcomeUnknownError.
   */
  submit(machine: string, command: unknown, options: { idempotencyKey?: string } = {}): Promise<ProposeResult> {
    const soft = this.core.softState();
    if (soft.role === 'leader') return this.propose(machine, command, options);
    this.assertRunning();
    if (soft.leader === null || soft.leader === this.id) throw new NotLeaderError(soft.leader);
    const encoded = this.machines.encodeForwardable(machine, command, options.idempotencyKey);
    return new Promise<ProposeResult>((resolve, reject) => {
      const first = this.forwards.add({
        proposal: { machine, command: encoded, idempotencyKey: options.idempotencyKey ?? '' },
        placed: (index, term) => {
          // Answers arrive before the entries they name can apply here (both come from the leader,
          // in order); an entry applied already cannot give its outcome any more.
          if (index <= this.applied.current) {
            reject(new OutcomeUnknownError(`the forwarded write at index ${index} was applied before the leader's answer`));
            return;
          }
          this.proposals.wait(index, term).then(
            (waited) => resolve({ index, term, lamport: waited.entry.lamport, outcome: waited.outcome! }),
            reject,
          );
        },
        failed: reject,
      });
      if (first) this.scheduleForwardFlush();
    });
  }

  /** Sends the writes queued in this turn to the leader known at the end of it. */
  private scheduleForwardFlush(): void {
    if (this.forwardFlushScheduled) return;
    this.forwardFlushScheduled = true;
    nextTurn(() => {
      this.forwardFlushScheduled = false;
      const soft = this.core.softState();
      const leader = soft.leader !== null && soft.leader !== this.id && !this.stopped && !this.failure ? soft.leader : null;
      this.forwards.flush(leader, performance.now());
    });
  }

  /** The leader's clock for the next proposal: it never goes backwards, even if the wall clock does. */
  private nextLogTimeMs(): number {
    this.lastLogTimeMs = Math.max(this.lastLogTimeMs, this.machines.logTimeMs, Math.floor(this.opts.clock.now()));
    return this.lastLogTimeMs;
  }

  /** Appends a command without waiting for it to commit. Returns its log index and term. */
  append(machine: string, command: unknown, options: { idempotencyKey?: string } = {}): { index: number; term: number } {
    this.assertRunning();
    const soft = this.core.softState();
    if (soft.role !== 'leader') throw new NotLeaderError(soft.leader);
    const data = this.machines.encodeProposal(machine, command, {
      logTimeMs: this.nextLogTimeMs(),
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
    });
    const index = this.core.propose([data]);
    this.metrics.proposals++;
    this.kick();
    return { index, term: soft.term };
  }

  /**
   * Runs `read` against local state at a linearizable point: after this replica has applied
   * everything committed before the call (ReadIndex, confirmed by a quorum heartbeat round).
   * Works on followers too (the leader supplies the index). Throws NotLeaderError without a leader.
   */
  async linearizable<T>(read: () => T): Promise<T> {
    this.assertRunning();
    const context = `${this.id}:${++this.readCounter}`;
    const waiting = this.reads.wait(context);
    this.guard(() => this.core.readIndex(context));
    const index = await waiting;
    await this.applied.wait(index);
    this.metrics.readsServed++;
    return read();
  }

  /** Waits until this replica has applied `index`. */
  waitApplied(index: number): Promise<void> {
    return this.applied.wait(index);
  }

  changeMembership(change: ConfigChange): Promise<number> {
    this.assertRunning();
    const index = this.core.proposeConfigChange(change);
    const { term } = this.core.softState();
    this.kick();
    return this.proposals.wait(index, term).then(() => index);
  }

  transferLeadership(to: NodeId): void {
    this.assertRunning();
    this.guard(() => this.core.transferLeadership(to));
  }

  /** Advances and returns the Lamport clock past a client's clock (0 when the client sent none). */
  observeLamport(clientClock: number): number {
    return this.core.observeLamport(clientClock);
  }

  // -------------------------------------------------------------------------------------------------
  // Observation

  get lamport(): number {
    return this.core.lamport;
  }

  get role(): SoftState['role'] {
    return this.soft.role;
  }

  get leader(): NodeId | null {
    return this.soft.leader;
  }

  get term(): number {
    return this.soft.term;
  }

  get appliedIndex(): number {
    return this.applied.current;
  }

  get failed(): Error | null {
    return this.failure;
  }

  raftStatus(): RaftStatus {
    return this.core.status();
  }

  config(): ClusterConfig {
    return this.core.currentConfig();
  }

  get tickIntervalMs(): number {
    return this.tickMs;
  }

  onSoftState(listener: (soft: SoftState) => void): () => void {
    this.softListeners.add(listener);
    return () => this.softListeners.delete(listener);
  }

  /** This replica's ledger public key (raw Ed25519, 32 bytes). */
  get publicKey(): Uint8Array {
    return this.sealer.publicKey;
  }

  /** Applied entries from `from` (>= firstLogIndex()) on, at most `limit`, from the in-memory log. */
  appliedEntries(from: number, limit: number): readonly Entry[] {
    const last = Math.min(this.applied.current, from + limit - 1);
    return last < from ? [] : this.core.log.slice(from, last);
  }

  /** The first log index still held (entries below were compacted into the snapshot). */
  firstLogIndex(): number {
    return this.core.log.firstIndex();
  }

  storageBytes(): { log: number; snapshot: number } {
    return this.opts.logStore.sizeBytes();
  }

  // -------------------------------------------------------------------------------------------------
  // The loop

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('invariant:')) this.fail(error);
      else throw error;
    }
    this.kick();
  }

  private kick(): void {
    if (this.stopped || this.failure) return;
    if (this.loopRunning) {
      this.scheduleWhilePersisting();
      return;
    }
    if (!this.core.hasReady()) return;
    this.loopRunning = true;
    // Let every input that arrives in this event-loop turn land in the core first: they share one batch.
    nextTurn(() => {
      this.runLoop().then(
        () => {
          this.loopRunning = false;
          this.kick();
        },
        (error: unknown) => {
          this.loopRunning = false;
          this.fail(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /**
   * While a batch is being persisted, sends what need not wait for it (the leader's new Appends; on any
   * replica, answers that promise nothing durable, such as heartbeat responses, so a slow sync, e.g. of
   * a large snapshot, does not look like a dead follower to the leader) and applies, answering its
   * clients, what became committed meanwhile and is already durable here.
   */
  private scheduleWhilePersisting(): void {
    if (this.whilePersistingScheduled) return;
    this.whilePersistingScheduled = true;
    nextTurn(() => {
      this.whilePersistingScheduled = false;
      if (this.stopped || this.failure) return;
      const messages = this.core.takeSendableMessages();
      if (messages.length > 0) this.sendMessages(messages);
      if (this.readyApplyPending) return;
      const committed = this.core.takeDurableCommitted();
      if (committed.length > 0) this.applyCommitted(committed);
    });
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped && this.core.hasReady()) {
      const ready = this.core.ready();
      if (ready.messages.length > 0) {
        this.sendMessages(ready.messages);
        // Let the transport flush them (NATS writes its buffer in a microtask) before persist, which
        // may block the thread on a synchronous fsync: followers start theirs while the leader's runs.
        await Promise.resolve();
      }
      // While clients wait on this replica its thread stays free for them (and for the acknowledgements
      // that answer them); otherwise a sync that blocks the thread is cheaper.
      const offThread = this.servingClients();
      const persisted = this.persist(ready, offThread);
      // With the batch written off the thread, what is committed and already durable here is applied
      // (and answered) meanwhile instead of after a sync it does not depend on.
      const appliedEarly = offThread ? this.applyDurableCommitted(ready) : 0;
      // Until this Ready's remaining committed entries are applied, later ones must wait (order).
      this.readyApplyPending = ready.snapshot !== null || ready.committed.length > appliedEarly;
      await persisted;
      if (this.stopped) return;
      if (ready.messagesAfterPersist.length > 0) {
        this.sendMessages(ready.messagesAfterPersist);
        // Let the transport flush them (in a microtask) before apply: a follower's acknowledgements are
        // what the leader's commit waits for, and apply can take a while for a large batch.
        await Promise.resolve();
      }
      if (ready.snapshot) this.installSnapshot(ready);
      if (ready.committed.length > appliedEarly) {
        this.applyCommitted(appliedEarly === 0 ? ready.committed : ready.committed.slice(appliedEarly));
      }
      this.readyApplyPending = false;
      for (const r of ready.readStates) this.reads.resolve(r.context, r.index);
      for (const f of ready.readFailures) this.reads.reject(f.context, new NotLeaderError(this.soft.leader));
      this.core.advance(ready);
      this.noteBlankStartEnd();
      this.noteSoftState(ready.soft);
      await this.maybeSnapshot();
    }
  }

  private sendMessages(messages: readonly Message[]): void {
    this.outbox.send(messages);
  }

  /**
   * Applies the prefix of `ready.committed` that is already durable here (below the Ready's first new
   * entry: iterations run one at a time, so everything before it was persisted by an earlier one) and
   * returns its length. Not with a snapshot to install.
   */
  private applyDurableCommitted(ready: Ready): number {
    if (ready.snapshot || ready.committed.length === 0) return 0;
    const firstUnpersisted = ready.entries.length > 0 ? ready.entries[0]!.index : Infinity;
    let durable = 0;
    while (durable < ready.committed.length && ready.committed[durable]!.index < firstUnpersisted) durable++;
    if (durable > 0) this.applyCommitted(durable === ready.committed.length ? ready.committed : ready.committed.slice(0, durable));
    return durable;
  }

  private async persist(ready: Ready, offThread: boolean): Promise<void> {
    const store = this.opts.logStore;
    let dirty = false;
    if (ready.snapshot) {
      store.saveSnapshot(ready.snapshot);
      dirty = true;
    }
    if (ready.entries.length > 0) {
      store.append(ready.entries);
      dirty = true;
    }
    if (ready.hardState) {
      store.setHardState(ready.hardState);
      dirty = true;
    }
    if (!dirty) return;
    const started = performance.now();
    await store.sync({ offThread });
    this.metrics.syncs++;
    this.metrics.fsyncLatencyMs.observe(performance.now() - started);
    this.metrics.batchEntries.observe(ready.entries.length);
  }

  /** Whether clients wait on this replica: its own or forwarded writes, reads. */
  private servingClients(): boolean {
    return this.proposals.size > 0 || this.forwards.inFlightCount > 0 || this.reads.size > 0 || this.applied.size > 0;
  }

  private installSnapshot(ready: Ready): void {
    const snapshot = ready.snapshot!;
    this.machines.restore(snapshot.data);
    this.ledger.anchor(snapshot.meta);
    this.proposals.failUpTo(snapshot.meta.index, new OutcomeUnknownError('a snapshot was installed over pending proposals'));
    // A snapshot of our own still being encoded holds an older state: drop it.
    this.snapshotBuild = null;
    this.applied.advance(snapshot.meta.index);
    this.appliedBytesAtSnapshot = this.appliedBytes;
    this.snapshotBytes = snapshot.data.byteLength;
    this.opts.logger.info(`${this.id}: installed snapshot at index ${snapshot.meta.index} term ${snapshot.meta.term}`);
  }

  private applyCommitted(entries: readonly Entry[]): void {
    const started = performance.now();
    const batch: AppliedEntry[] = [];
    for (const entry of entries) {
      this.appliedBytes += entry.data.byteLength;
      this.ledger.record(entry);
      if (entry.type === EntryType.Command) {
        const outcome = this.machines.apply(entry);
        batch.push({ entry, outcome });
        this.proposals.resolve(entry, outcome);
      } else {
        this.machines.markApplied(entry.index);
        batch.push({ entry });
        this.proposals.resolve(entry, undefined);
      }
    }
    const last = entries[entries.length - 1]!.index;
    this.metrics.appliedEntries += entries.length;
    this.applied.advance(last);
    this.metrics.applyLatencyMs.observe(performance.now() - started);
    this.opts.onApplied?.(batch);
  }

  /**
   * Compacts the log into a snapshot every `snapshotEveryEntries` applied entries. The state is
   * captured at once (at the applied index) and encoded in slices of `snapshotSliceMs` between other
   * work, so the replica keeps persisting, answering and applying while a large state is encoded;
   * the loop compacts at the captured index once the bytes are ready.
   */
  private async maybeSnapshot(): Promise<void> {
    const status = this.core.log;
    const built = this.snapshotBuild;
    if (built !== null && built.data !== null) {
      // A snapshot installed from the leader meanwhile may already cover the captured index.
      if (built.index <= status.snapshot.index) {
        this.snapshotBuild = null;
        return;
      }
      // A follower may have started receiving a snapshot while this one was encoded: wait as below.
      if (this.compactionHeld(built.index - status.snapshot.index)) return;
      this.snapshotBuild = null;
      await this.compactInto(built, built.data);
      return;
    }
    if (built !== null) return;
    const sinceSnapshot = status.applied - status.snapshot.index;
    const due = snapshotDue({
      sinceSnapshot,
      logBytesSinceSnapshot: this.appliedBytes - this.appliedBytesAtSnapshot,
      snapshotBytes: this.snapshotBytes,
      everyEntries: this.snapshotEveryEntries,
    });
    if (!due) return;
    if (this.applied.current !== status.applied) return;
    if (this.compactionHeld(sinceSnapshot)) return;
    const startedMs = performance.now();
    const job: SnapshotJob = {
      index: status.applied,
      build: this.machines.beginSnapshot(),
      // The ledger's anchor is taken where its state is exactly the snapshot's (now), set at compaction.
      ledgerAnchor: this.ledger.captureAnchor(this.core.snapshotMetaAt(status.applied)),
      data: null,
      startedMs,
      encodedMs: 0,
    };
    this.snapshotBuild = job;
    this.appliedBytesAtSnapshot = this.appliedBytes;
    const dropped = () => this.stopped || this.failure !== null || this.snapshotBuild !== job;
    encodeInSlices(job.build, this.snapshotSliceMs, dropped).then(
      (encoded) => {
        if (encoded === null) return;
        job.data = encoded.data;
        job.encodedMs = encoded.spentMs;
        this.kick();
      },
      (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Whether a leader should put off compacting `sinceSnapshot` entries (compaction-hold.ts); logs the first time. */
  private compactionHeld(sinceSnapshot: number): boolean {
    if (this.soft.role !== 'leader' || !holdsCompaction(this.core.status().peers, sinceSnapshot, this.compactionHold)) {
      this.compactionHeldLogged = false;
      return false;
    }
    if (!this.compactionHeldLogged) this.opts.logger.info(`${this.id}: compaction held while a follower receives a snapshot`);
    this.compactionHeldLogged = true;
    return true;
  }

  /**
   * The state as of the applied index, for a backup (GET /v1/snapshot): the index, term and Lamport
   * time of the last applied entry and a build to encode the machines' snapshot in slices.
   */
  captureBackup(): CapturedBackup {
    const index = this.core.log.applied;
    const snapshot = this.core.log.snapshot;
    const meta = index === snapshot.index ? snapshot : this.core.snapshotMetaAt(index);
    return { meta: { index, term: meta.term, lamport: meta.lamport }, build: this.machines.beginSnapshot() };
  }

  private async compactInto(job: SnapshotJob, data: Uint8Array): Promise<void> {
    const { index, startedMs, encodedMs } = job;
    const snapshot = this.core.compact(index, data);
    this.ledger.anchorTo(job.ledgerAnchor);
    const store = this.opts.logStore;
    this.snapshotBytes = data.byteLength;
    store.saveSnapshot(snapshot);
    const saved = performance.now();
    await store.sync();
    const ms = (t: number) => t.toFixed(1);
    // A file store writes the snapshot beside the log's syncs: the loop does not wait for it.
    void (store.compacted?.() ?? Promise.resolve()).then(() =>
      this.opts.logger.info(
        `${this.id}: snapshot at index ${index} (${data.byteLength} bytes; encoded in ${ms(encodedMs)} ms of slices over ` +
          `${ms(saved - startedMs)} ms, durable ${ms(performance.now() - saved)} ms later)`,
      ),
    );
  }

  /** Logs once when a replica that started with an empty log may vote again (actors/raft/blank-start.ts). */
  private noteBlankStartEnd(): void {
    if (!this.blankStartLogged && !this.core.blankStart) {
      this.blankStartLogged = true;
      if (this.startedBlank) {
        this.opts.logger.info(`${this.id}: started with an empty log; every voter has told it its term, so it votes from term ${this.core.status().term + 1} on`);
      }
    }
  }

  private noteSoftState(soft: SoftState): void {
    const previous = this.soft;
    this.soft = soft;
    if (previous.leader === soft.leader && previous.role === soft.role && previous.term === soft.term) return;
    if (previous.leader !== soft.leader || previous.term !== soft.term) {
      this.forwards.abandon('the leader changed before it answered a forwarded write');
      this.acceptor.clear();
    }
    if (previous.leader !== soft.leader && soft.leader !== null) this.metrics.leaderChanges++;
    if (soft.role === 'leader' && previous.role !== 'leader') {
      this.opts.logger.info(`${this.id}: leader at term ${soft.term}`);
      this.opts.events?.publish('leader', { leader: this.id, term: soft.term, lamport: this.core.lamport });
    }
    for (const listener of this.softListeners) listener(soft);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.opts.logger.error(`${this.id}: replica stopped: ${error.message}`);
    this.stopTicker?.();
    this.stopTicker = null;
    this.outbox.close();
    const reason = new ReplicaFailedError(`replica failed: ${error.message}`);
    this.proposals.failAll(reason);
    this.reads.failAll(reason);
    this.forwards.close(reason.message);
  }

  private assertRunning(): void {
    if (this.failure) throw new ReplicaFailedError(`replica failed: ${this.failure.message}`);
    if (this.stopped) throw new ReplicaFailedError('replica stopped');
  }
}

/**
 * Runs `fn` after the I/O callbacks of the current event-loop iteration: on Node every request read
 * in one poll phase reaches the core before the batch is cut (setImmediate); elsewhere (workerd) a
 * zero timeout.
 */
/** Longest a slice of snapshot encoding holds the thread. */
const SNAPSHOT_SLICE_MS = 8;

interface SnapshotJob {
  /** The applied index the state was captured at. */
  readonly index: number;
  readonly build: SnapshotBuild;
  readonly ledgerAnchor: LedgerAnchor;
  /** The encoded snapshot once the build is done. */
  data: Uint8Array | null;
  readonly startedMs: number;
  /** Thread time the build's slices took, once it is done. */
  encodedMs: number;
}

const nextTurn: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);
