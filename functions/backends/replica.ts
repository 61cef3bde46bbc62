// The functions' backend inside a replica process (or a Durable Object): API calls run against the
// local replica, forwarding leader-only operations over `forward`; watches read the local KV history.

import { openReplicaChatStream } from '../../actors/api/chat-stream.ts';
import { ApiError, ApiErrorCode } from '../../actors/api/errors.ts';
import type { ApiCall } from '../../actors/api/ops.ts';
import { ReplicaApi } from '../../actors/api/replica-api.ts';
import type { WatchInterest } from '../../actors/api/watch-interest.ts';
import type { ChatMachine } from '../../actors/machines/chat/machine.ts';
import type { KvMachine } from '../../actors/machines/kv/machine.ts';
import type { WatchNotice } from '../../actors/machines/kv/watch.ts';
import { renderReplicaMetrics } from '../../actors/replica/prometheus.ts';
import type { Replica } from '../../actors/replica/replica.ts';
import type { Backend, Health, WatchSink } from '../backend.ts';

export interface ReplicaBackendOptions {
  readonly replica: Replica;
  readonly kv: KvMachine;
  /** The chat machine this replica applies to (chat streams); without it chat streams are not_found. */
  readonly chat?: ChatMachine;
  readonly forward: ApiCall | null;
  /** Extra gauges for /metrics (e.g. dropped message counters by reason). */
  readonly extraMetrics?: () => Record<string, number>;
  /** /health fails when commits stall this long with entries pending. */
  readonly stallMs?: number;
  /** Renewed by `watch.interest` calls (the NATS commit publisher reads it). */
  readonly watchInterest?: WatchInterest;
}

export function createReplicaBackend(opts: ReplicaBackendOptions): Backend & { readonly api: ReplicaApi } {
  const { replica, kv } = opts;
  const api = new ReplicaApi({ replica, kv, forward: opts.forward, ...(opts.watchInterest ? { watchInterest: opts.watchInterest } : {}) });
  const stallMs = opts.stallMs ?? 3_000;
  let lastCommit = -1;
  let lastCommitChangeAt = Date.now();

  const health = async (): Promise<Health> => {
    const s = replica.raftStatus();
    if (replica.failed) return { ok: false, reason: `replica failed: ${replica.failed.message}` };
    if (s.leader === null) return { ok: false, reason: 'no leader' };
    if (s.commitIndex !== lastCommit) {
      lastCommit = s.commitIndex;
      lastCommitChangeAt = Date.now();
    }
    const pending = s.lastIndex > s.commitIndex;
    if (pending && Date.now() - lastCommitChangeAt > stallMs) return { ok: false, reason: 'commits are not progressing' };
    return { ok: true, reason: `leader ${s.leader} at term ${s.term}` };
  };

  // Linearizable start: the history reaches at least every write acknowledged before the watch began,
  // on followers too (the read index is confirmed first; no leader rejects with NotLeaderError).
  const watch = async (prefix: string, fromRevision: number | null, sink: WatchSink): Promise<() => void> =>
    replica.linearizable(() => startWatch(prefix, fromRevision, sink));

  /** Reads history and subscribes in one synchronous turn so no revision slips between them. */
  const startWatch = (prefix: string, fromRevision: number | null, sink: WatchSink): (() => void) => {
    const current = kv.eventsSince(Number.MAX_SAFE_INTEGER).revision;
    const from = fromRevision ?? current + 1;
    const history = kv.eventsSince(from, prefix);
    if (history.compacted) {
      throw new ApiError(ApiErrorCode.Compacted, `revision ${from} is compacted; the oldest available is ${history.compactRevision}`, {
        revision: history.compactRevision,
      });
    }
    let delivered = from - 1;
    const unsubscribe = kv.subscribe((notice: WatchNotice) => {
      if (notice.type === 'reset') {
        if (notice.revision > delivered) sink.end(`history was reset at revision ${notice.revision}; resume from Last-Event-ID`);
        return;
      }
      if (notice.revision <= delivered) return;
      delivered = notice.revision;
      const matching = notice.events.filter((e) => e.key.startsWith(prefix));
      if (matching.length > 0) sink.events(notice.revision, matching);
    });
    let batchRevision = -1;
    let batch: typeof history.events[number][] = [];
    for (const event of history.events) {
      if (event.revision !== batchRevision && batch.length > 0) {
        sink.events(batchRevision, batch);
        batch = [];
      }
      batchRevision = event.revision;
      batch.push(event);
    }
    if (batch.length > 0) sink.events(batchRevision, batch);
    delivered = Math.max(delivered, history.revision);
    sink.synced(history.revision);
    return unsubscribe;
  };

  return {
    api,
    call: api.call,
    lamport: () => replica.lamport,
    observeLamport: (clock) => replica.observeLamport(clock),
    watch,
    chatStream: (target, afterSeq, sink) => openReplicaChatStream(replica, opts.chat, target, afterSeq, sink),
    health,
    metrics: async () => renderReplicaMetrics(replica, opts.extraMetrics?.() ?? {}),
  };
}
