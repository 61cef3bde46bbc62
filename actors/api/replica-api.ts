// Executes API operations against a local replica. Writes go through the log on the leader; a
// follower forwards KV writes to the leader over the replicas' own channel (Replica.submit) and
// answers from its own apply, and hands the other leader-only operations to `forward` (NATS
// request/reply to the leader). Reads are linearizable through ReadIndex on whichever replica serves
// them, or stale on request.

import { BackupSessions } from './backup-ops.ts';
import type { KvEntryView, KvListResult, PutResult, DeleteResult } from '../machines/kv/commands.ts';
import type { KvMachine } from '../machines/kv/machine.ts';
import type { ApplyOutcome } from '../machines/host.ts';
import { CHAT_MACHINE_NAME } from '../machines/chat/machine.ts';
import { NotLeaderError } from '../raft/errors.ts';
import type { Replica } from '../replica/replica.ts';
import { renderReplicaMetrics } from '../replica/prometheus.ts';
import { type ChatOpPort, runChatOp } from './chat-ops.ts';
import { DeadlineSweep } from './deadline-sweep.ts';
import type { WatchInterest } from './watch-interest.ts';
import { ApiError, ApiErrorCode, toApiError } from './errors.ts';
import { runLogOp } from './log-ops.ts';
import { runBatch } from './batch.ts';
import { LEDGER_MACHINE } from '../ledger/commands.ts';
import {
  type ApiCall,
  type ApiCallOptions,
  type ApiOp,
  type ApiReply,
  type Consistency,
  type DeleteReply,
  type GetReply,
  LEADER_OPS,
  type MemberView,
  type ProposeReply,
  type PutReply,
  type StatusReply,
  type WatchHistoryReply,
} from './ops.ts';

export interface ReplicaApiOptions {
  readonly replica: Replica;
  readonly kv: KvMachine;
  /** Reaches the leader when this replica is not it; null serves everything locally or fails. */
  readonly forward: ApiCall | null;
  /** How often to retry while no leader is known, until the deadline. */
  readonly leaderWaitStepMs?: number;
  /** Renewed by `watch.interest`: whether this replica's commit events carry KV events in full. */
  readonly watchInterest?: WatchInterest;
}

type Request = Record<string, unknown>;

const DEADLINE_GRACE_MS = 50;

/** Leader operations a follower serves itself, submitting the write through the leader. */
const SUBMITTED_OPS: ReadonlySet<ApiOp> = new Set<ApiOp>(['kv.put', 'kv.delete', 'txn']);

export class ReplicaApi {
  private readonly replica: Replica;
  private readonly kv: KvMachine;
  private readonly forward: ApiCall | null;
  private readonly leaderWaitStepMs: number;
  private readonly deadlines = new DeadlineSweep();
  private readonly backups = new BackupSessions();
  private readonly watchInterest: WatchInterest | null;

  constructor(opts: ReplicaApiOptions) {
    this.replica = opts.replica;
    this.kv = opts.kv;
    this.forward = opts.forward;
    this.leaderWaitStepMs = opts.leaderWaitStepMs ?? 20;
    this.watchInterest = opts.watchInterest ?? null;
  }

  /** The ApiCall of this replica. Never throws: every failure becomes an error reply. */
  readonly call: ApiCall = async (op, request, options) => {
    const replica = this.replica;
    if (typeof request.clock === 'number' && Number.isSafeInteger(request.clock) && request.clock >= 0) {
      replica.observeLamport(request.clock);
    }
    if (op === 'batch') return runBatch(this.call, request, options, () => replica.lamport);
    const deadline = Date.now() + options.timeoutMs;
    try {
      if (LEADER_OPS.has(op) && !SUBMITTED_OPS.has(op) && !options.forwarded && this.forward && replica.role !== 'leader') {
        const forwarded = await this.forwardToLeader(op, request, options, deadline);
        if (forwarded) return forwarded;
      }
      // Operations watch `deadline` themselves (a read stops waiting for a leader before it); the
      // outer bound, a little later, only catches an operation that cannot notice it.
      const work = SUBMITTED_OPS.has(op) ? this.submitted(op, request, deadline) : this.dispatch(op, request, deadline);
      const result = await this.deadlines.bound(work, deadline + DEADLINE_GRACE_MS, op);
      return { ok: true, result, lamport: replica.lamport };
    } catch (error) {
      return { ok: false, error: toApiError(error).toBody(), lamport: replica.lamport };
    }
  };

  /** Forwards to the leader; returns null when the request should be served locally after all. */
  private async forwardToLeader(op: ApiOp, request: Request, options: ApiCallOptions, deadline: number): Promise<ApiReply | null> {
    if (op === 'status' && this.replica.leader === null) return null;
    const reply = await this.forward!(op, request, { timeoutMs: Math.max(1, deadline - Date.now()), forwarded: true });
    if (!reply.ok && reply.error.code === ApiErrorCode.Unavailable && this.replica.role === 'leader') return null;
    return { ...reply, lamport: this.replica.observeLamport(reply.lamport) };
  }

  /**
   * kv.put, kv.delete and txn, most of the traffic: plain promise chains (no async frames), bounded by
   * the caller's deadline only.
   */
  private submitted(op: ApiOp, r: Request, deadline: number): Promise<unknown> {
    switch (op) {
      case 'kv.put':
        return this.put(r, deadline);
      case 'kv.delete':
        return this.delete(r, deadline);
      default:
        return this.submit({ type: 'txn', compare: r.compare, success: r.success, failure: r.failure }, r, deadline, (o) => o.result);
    }
  }

  private async dispatch(op: ApiOp, r: Request, deadline: number): Promise<unknown> {
    switch (op) {
      case 'kv.put':
      case 'kv.delete':
      case 'txn':
        return this.submitted(op, r, deadline);
      case 'kv.get':
        return this.get(r, deadline);
      case 'kv.list':
        return this.read(consistencyOf(r), deadline, () =>
          this.replica.machines.query('kv', { type: 'list', prefix: r.prefix, after: r.after, limit: r.limit }) as KvListResult,
        );
      case 'propose':
        return this.propose(r, deadline);
      case 'query':
        return this.read(consistencyOf(r), deadline, () => this.replica.machines.query(stringField(r, 'machine'), r.query));
      case 'status':
        return this.status();
      case 'metrics':
        // The serving replica's Prometheus text: a gateway appends the leader's to its own.
        return { text: renderReplicaMetrics(this.replica) };
      case 'leader':
        return { leader: this.replica.leader, term: this.replica.term };
      case 'members.list':
        return { members: this.status().members, leader: this.replica.leader };
      case 'members.add':
        if (r.learner === false) throw new ApiError(ApiErrorCode.BadRequest, 'new members join as learners ("learner": true) and are promoted once caught up');
        await this.replica.changeMembership({ type: 'addLearner', node: stringField(r, 'id') });
        return { members: this.status().members };
      case 'members.promote':
        await this.replica.changeMembership({ type: 'promote', node: stringField(r, 'id') });
        return { members: this.status().members };
      case 'members.remove':
        await this.replica.changeMembership({ type: 'remove', node: stringField(r, 'id') });
        return { members: this.status().members };
      case 'leader.transfer':
        return this.transfer(stringField(r, 'to'), deadline);
      case 'watch.history':
        return this.history(r);
      case 'watch.interest':
        // A gateway with watches open: publish commit events in full for a while (watch-interest.ts).
        this.watchInterest?.renew();
        return { revision: this.kv.eventsSince(Number.MAX_SAFE_INTEGER, '').revision };
      case 'log.read':
      case 'log.verify':
        return runLogOp(op, r, this.replica);
      case 'snapshot.begin':
        return this.backups.begin(await this.read('linearizable', deadline, () => this.replica.captureBackup()));
      case 'snapshot.read':
        return this.backups.read(r, deadline);
      case 'batch':
        throw new ApiError(ApiErrorCode.BadRequest, 'a batch cannot contain a batch');
      default:
        return runChatOp(op, r, deadline, this.chat);
    }
  }

  private readonly chat: ChatOpPort = {
    write: (command, r, deadline) => this.write(CHAT_MACHINE_NAME, command, r, deadline, (o) => o.result),
    read: (query, r, deadline) => this.read(consistencyOf(r), deadline, () => this.replica.machines.query(CHAT_MACHINE_NAME, query)),
  };

  private put(r: Request, deadline: number): Promise<PutReply> {
    const command: Record<string, unknown> = { type: 'put', key: r.key, value: r.value };
    if (r.ifRevision !== undefined) command.ifRevision = r.ifRevision;
    if (r.ifAbsent === true) command.ifAbsent = true;
    if (r.ttlSeconds !== undefined) command.ttlSeconds = r.ttlSeconds;
    return this.submit(command, r, deadline, (o) => {
      const result = o.result as PutResult;
      if (!result.ok) throw preconditionFailed(result.revision);
      return { key: result.key, revision: result.revision, lamport: result.lamport };
    });
  }

  private delete(r: Request, deadline: number): Promise<DeleteReply> {
    const command: Record<string, unknown> = { type: 'delete', key: r.key };
    if (r.ifRevision !== undefined) command.ifRevision = r.ifRevision;
    return this.submit(command, r, deadline, (o) => {
      const result = o.result as DeleteResult;
      if (!result.ok) throw preconditionFailed(result.revision);
      return { key: result.key, revision: result.revision, deleted: result.deleted };
    });
  }

  private async propose(r: Request, deadline: number): Promise<ProposeReply> {
    const machine = stringField(r, 'machine');
    if (machine === LEDGER_MACHINE) throw new ApiError(ApiErrorCode.BadRequest, 'the ledger machine takes commands only from replicas');
    const options = idempotency(r);
    if (r.wait === false) return this.replica.append(machine, r.command, options);
    return this.write(machine, r.command, r, deadline, (o) => ({
      // A retry answers with the index where the command took effect, not its own no-op entry.
      index: o.firstIndex ?? o.index,
      result: o.result,
      ...(o.duplicate ? { duplicate: true } : {}),
    }));
  }

  /**
   * A KV write from any replica (Replica.submit), retried while no leader takes it (a refused forward
   * was never appended), until the deadline.
   */
  private submit<T>(command: unknown, r: Request, deadline: number, map: (outcome: ApplyOutcome) => T): Promise<T> {
    const options = idempotency(r);
    return this.whileNoLeader(deadline, () => this.replica.submit('kv', command, options)).then(({ outcome }) => mapOutcome(outcome, map));
  }

  /** Proposes on this replica (it must be the leader) and maps the applied outcome. */
  private async write<T>(
    machine: string,
    command: unknown,
    r: Request,
    deadline: number,
    map: (outcome: ApplyOutcome) => T,
  ): Promise<T> {
    const proposed = this.replica.propose(machine, command, idempotency(r));
    const { outcome } = await this.deadlines.bound(proposed, deadline, 'the write');
    return mapOutcome(outcome, map);
  }

  private async get(r: Request, deadline: number): Promise<GetReply> {
    const entry = await this.read(consistencyOf(r), deadline, () =>
      this.replica.machines.query('kv', { type: 'get', key: r.key }) as KvEntryView | null,
    );
    if (!entry) throw new ApiError(ApiErrorCode.NotFound, `key not found: ${String(r.key)}`);
    return {
      key: entry.key,
      value: entry.value,
      revision: entry.modRevision,
      createRevision: entry.createRevision,
      version: entry.version,
      lamport: entry.lamport,
      appliedIndex: this.replica.appliedIndex,
    };
  }

  /** Runs `query` linearizably (waiting for a leader until the deadline) or on local state. */
  private async read<T>(consistency: Consistency, deadline: number, query: () => T): Promise<T> {
    if (consistency === 'stale') return query();
    return this.whileNoLeader(deadline, () => this.replica.linearizable(query));
  }

  /** Runs `attempt`, again every leaderWaitStepMs while it fails with NotLeaderError, until the deadline. */
  private whileNoLeader<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
    // The first attempt is chained directly: it is the one that nearly always succeeds. (Replica.submit
    // throws NotLeaderError synchronously when no leader is known.)
    let first: Promise<T>;
    try {
      first = attempt();
    } catch (error) {
      first = Promise.reject(error);
    }
    return first.catch(async (error: unknown) => {
      for (;;) {
        if (!(error instanceof NotLeaderError) || Date.now() + 2 * this.leaderWaitStepMs >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.leaderWaitStepMs));
        try {
          return await attempt();
        } catch (next) {
          error = next;
        }
      }
    });
  }

  private async transfer(to: string, deadline: number): Promise<{ leader: string | null; term: number }> {
    this.replica.transferLeadership(to);
    while (this.replica.leader !== to && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (this.replica.leader !== to) throw new ApiError(ApiErrorCode.Timeout, `leadership did not move to ${to} in time`);
    return { leader: this.replica.leader, term: this.replica.term };
  }

  private history(r: Request): WatchHistoryReply {
    const from = r.from;
    if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
      throw new ApiError(ApiErrorCode.BadRequest, '"from" must be a non-negative integer revision');
    }
    if (r.prefix !== undefined && typeof r.prefix !== 'string') throw new ApiError(ApiErrorCode.BadRequest, '"prefix" must be a string');
    const prefix = typeof r.prefix === 'string' ? r.prefix : '';
    const read = this.kv.eventsSince(from, prefix);
    if (read.compacted) {
      throw new ApiError(ApiErrorCode.Compacted, `revision ${from} is compacted; the oldest available is ${read.compactRevision}`, {
        revision: read.compactRevision,
      });
    }
    return { events: read.events, revision: read.revision };
  }

  status(): StatusReply {
    const s = this.replica.raftStatus();
    const tickMs = this.replica.tickIntervalMs;
    const peers = new Map(s.peers.map((p) => [p.id, p]));
    const members: MemberView[] = [];
    for (const id of [...s.config.voters, ...s.config.learners]) {
      const learner = s.config.learners.includes(id);
      const role: MemberView['role'] = learner ? 'learner' : id === s.leader ? 'leader' : 'follower';
      if (id === s.id) {
        members.push({
          id,
          role,
          matchIndex: s.persistedIndex,
          lag: 0,
          lastContactMs: 0,
          commitIndex: s.commitIndex,
          appliedIndex: this.replica.appliedIndex,
          lamport: s.lamport,
        });
        continue;
      }
      const p = peers.get(id);
      members.push({
        id,
        role,
        matchIndex: p?.match ?? 0,
        lag: p ? Math.max(0, s.lastIndex - p.match) : 0,
        lastContactMs: p ? p.ticksSinceContact * tickMs : null,
        commitIndex: p?.reportedCommit ?? null,
        appliedIndex: p?.reportedApplied ?? null,
        lamport: p?.reportedLamport ?? null,
      });
    }
    return {
      cluster: this.replica.cluster,
      id: s.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      commitIndex: s.commitIndex,
      appliedIndex: this.replica.appliedIndex,
      lastIndex: s.lastIndex,
      snapshotIndex: s.snapshotIndex,
      lamport: s.lamport,
      members,
    };
  }
}

function mapOutcome<T>(outcome: ApplyOutcome, map: (outcome: ApplyOutcome) => T): T {
  if (outcome.error) throw new ApiError(outcome.error.code === 'apply_failed' ? ApiErrorCode.BadRequest : outcome.error.code, outcome.error.message);
  return map(outcome);
}

function consistencyOf(r: Request): Consistency {
  const c = r.consistency;
  if (c === undefined || c === 'linearizable') return 'linearizable';
  if (c === 'stale') return 'stale';
  throw new ApiError(ApiErrorCode.BadRequest, 'consistency must be "linearizable" or "stale"');
}

function stringField(r: Request, name: string): string {
  const v = r[name];
  if (typeof v !== 'string' || v.length === 0) throw new ApiError(ApiErrorCode.BadRequest, `"${name}" must be a non-empty string`);
  return v;
}

function idempotency(r: Request): { idempotencyKey?: string } {
  const key = r.idempotencyKey;
  if (key === undefined || key === null) return {};
  if (typeof key !== 'string') throw new ApiError(ApiErrorCode.BadRequest, 'idempotencyKey must be a string');
  return { idempotencyKey: key };
}

function preconditionFailed(revision: number): ApiError {
  return new ApiError(ApiErrorCode.PreconditionFailed, `precondition failed: the current revision is ${revision}`, { revision });
}
