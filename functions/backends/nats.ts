// The functions' backend in a stateless gateway: every operation is a NATS request to the leader;
// watches combine `watch.history` with the leader's `events.commit` stream, filling gaps (a leader
// change, a turn published only as a summary) from history. While watches are open the gateway keeps
// the leader's watch-interest lease, so commit events carry the KV events in full.

import { decode } from '@msgpack/msgpack';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { openNatsChatStream } from '../../actors/api/chat-stream.ts';
import type { CommitEvent, CommitRevision } from '../../actors/api/commit-publisher.ts';
import { ApiError } from '../../actors/api/errors.ts';
import { createNatsApiCall } from '../../actors/api/nats-api-client.ts';
import { createBatchingCall } from '../../actors/api/batch.ts';
import type { StatusReply, WatchHistoryReply } from '../../actors/api/ops.ts';
import type { WatchEvent } from '../../actors/machines/kv/commands.ts';
import type { Backend, Health, WatchSink } from '../backend.ts';
import { WatchInterestRenewer } from './watch-interest-renewer.ts';

export interface NatsBackendOptions {
  readonly nc: NatsConnection;
  readonly cluster: string;
  readonly timeoutMs?: number;
}

/** A Lamport clock for a process outside consensus (a gateway). */
export class LamportClock {
  private value = 0;
  observe(received: number): number {
    this.value = Math.max(this.value, received) + 1;
    return this.value;
  }
  now(): number {
    return this.value;
  }
}

export function createNatsBackend(opts: NatsBackendOptions): Backend {
  const clock = new LamportClock();
  // The calls of one turn reach the leader as one `batch` request.
  const call = createBatchingCall(createNatsApiCall({ nc: opts.nc, cluster: opts.cluster, clock }));
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const stats = { requests: 0, errors: 0 };

  const counted: Backend['call'] = async (op, request, options) => {
    stats.requests++;
    const reply = await call(op, request, options);
    if (!reply.ok) stats.errors++;
    return reply;
  };

  const history = async (prefix: string, from: number): Promise<WatchHistoryReply> => {
    const reply = await counted('watch.history', { prefix, from }, { timeoutMs });
    if (!reply.ok) throw new ApiError(reply.error.code, reply.error.message, reply.error.revision !== undefined ? { revision: reply.error.revision } : {});
    return reply.result as WatchHistoryReply;
  };

  const interest = new WatchInterestRenewer(async () => {
    const reply = await counted('watch.interest', {}, { timeoutMs: Math.min(timeoutMs, 2_000) });
    return reply.ok ? (reply.result as { revision: number }).revision : null;
  });

  const watch = async (prefix: string, fromRevision: number | null, sink: WatchSink): Promise<() => void> => {
    const buffered: CommitRevision[] = [];
    /** Highest revision seen only in a summary (or a renewal answer) before the watch went live. */
    let announced = 0;
    let live = false;
    let delivered = 0;
    let closed = false;
    let chain = Promise.resolve();
    const deliver = (revision: number, events: readonly WatchEvent[]) => {
      if (revision <= delivered) return;
      delivered = revision;
      const matching = events.filter((e) => e.key.startsWith(prefix));
      if (matching.length > 0) sink.events(revision, matching);
    };
    const deliverHistory = (reply: WatchHistoryReply) => {
      const byRevision = new Map<number, WatchEvent[]>();
      for (const e of reply.events) {
        const list = byRevision.get(e.revision) ?? [];
        list.push(e);
        byRevision.set(e.revision, list);
      }
      for (const [revision, events] of byRevision) deliver(revision, events);
      delivered = Math.max(delivered, reply.revision);
    };
    const fillFromHistory = async (): Promise<boolean> => {
      try {
        deliverHistory(await history(prefix, delivered + 1));
        return true;
      } catch (error) {
        closed = true;
        sink.end(`watch lost its place: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      }
    };
    const onRevisions = (revisions: readonly CommitRevision[]) => {
      chain = chain.then(async () => {
        if (closed) return;
        const first = revisions[0];
        if (first && first.revision > delivered + 1 && !(await fillFromHistory())) return;
        for (const r of revisions) deliver(r.revision, r.events);
      });
    };
    /** The leader is at `revision`: fetch from history whatever this watch has not delivered. */
    const catchUpTo = (revision: number) => {
      if (!live) {
        announced = Math.max(announced, revision);
        return;
      }
      chain = chain.then(async () => {
        if (!closed && revision > delivered) await fillFromHistory();
      });
    };
    const sub: Subscription = opts.nc.subscribe(`atlas.${opts.cluster}.events.commit`, {
      callback: (error, msg) => {
        if (error || closed) return;
        let event: CommitEvent;
        try {
          event = decode(msg.data) as CommitEvent;
        } catch {
          return;
        }
        if (event === null || typeof event !== 'object') return;
        if (Array.isArray(event.revisions)) {
          if (live) onRevisions(event.revisions);
          else buffered.push(...event.revisions);
        } else if (typeof event.toRevision === 'number') {
          // A summary: the leader held no watch-interest lease for that turn.
          catchUpTo(event.toRevision);
        }
      },
    });
    // A renewal's revision is checked at the next renewal, a second later: by then its commit
    // events should have arrived, so a watch that is behind lost one (or saw only summaries).
    let owed = 0;
    const onRenewal = (revision: number) => {
      const due = owed;
      owed = revision;
      if (due > 0) catchUpTo(due);
    };
    let release: (() => void) | null = null;
    try {
      // Renewed before the first history read, so commits after it arrive in full.
      release = await interest.add(onRenewal);
      const start = fromRevision ?? (await history(prefix, Number.MAX_SAFE_INTEGER)).revision + 1;
      const first = await history(prefix, start);
      delivered = start - 1;
      deliverHistory(first);
      sink.synced(first.revision);
      live = true;
      onRevisions(buffered.splice(0));
      if (announced > 0) catchUpTo(announced);
    } catch (error) {
      sub.unsubscribe();
      release?.();
      throw error;
    }
    return () => {
      closed = true;
      sub.unsubscribe();
      release?.();
    };
  };

  const health = async (): Promise<Health> => {
    const reply = await counted('status', {}, { timeoutMs: Math.min(timeoutMs, 2_000) });
    if (!reply.ok) return { ok: false, reason: reply.error.message };
    const status = reply.result as StatusReply;
    return status.leader ? { ok: true, reason: `leader ${status.leader} at term ${status.term}` } : { ok: false, reason: 'no leader' };
  };

  const metrics = async (): Promise<string> => {
    const lines = [
      '# HELP atlas_gateway_requests_total API requests sent to the cluster',
      '# TYPE atlas_gateway_requests_total counter',
      `atlas_gateway_requests_total{cluster="${opts.cluster}"} ${stats.requests}`,
      '# HELP atlas_gateway_errors_total API requests answered with an error',
      '# TYPE atlas_gateway_errors_total counter',
      `atlas_gateway_errors_total{cluster="${opts.cluster}"} ${stats.errors}`,
    ];
    // The leader's own metrics (term, indexes, proposals, commit and fsync latency histograms),
    // labelled with its replica id, follow the gateway's.
    const reply = await counted('metrics', {}, { timeoutMs: 1_000 });
    const leaderText = reply.ok ? (reply.result as { text: string }).text : '';
    return lines.join('\n') + '\n' + leaderText;
  };

  const chatStream: Backend['chatStream'] = (target, afterSeq, sink) =>
    openNatsChatStream({ nc: opts.nc, cluster: opts.cluster, call: counted, timeoutMs }, target, afterSeq, sink);

  return { call: counted, lamport: () => clock.now(), observeLamport: (c) => clock.observe(c), watch, chatStream, health, metrics };
}

