// The body of GET /v1/dashboard/stream: one `history` event, then every `pollMs` a probe of the
// backend pushed as a `snapshot` event, with a `leader` event first whenever the leader (or its term)
// changed. Each stream polls on its own; streams share only the plain-data history.
//
// Events (SSE, data is JSON):
//   history   {"pollMs","points":[SeriesPoint],"leaderChanges":[LeaderChange]}   once, first
//   leader    LeaderChange                                                       when it happens
//   snapshot  DashboardSnapshot                                                  every pollMs

import type { SSEStreamingApi } from 'hono/streaming';
import type { StatusReply } from '../../actors/api/ops.ts';
import type { Backend } from '../backend.ts';
import type { DashboardHistory } from './history.ts';
import { RateWindow } from './rates.ts';
import { buildSnapshot, counterSample, probeBackend } from './snapshot.ts';

export interface FeedOptions {
  /** Milliseconds between the starts of two probes. */
  readonly pollMs: number;
  /** Deadline of each backend call of a probe; a probe never takes much longer. */
  readonly probeTimeoutMs: number;
  /** Window of the plotted rates and latency quantiles. */
  readonly rateWindowMs: number;
}

/** Runs until the client goes away (the stream is aborted). */
export async function runDashboardFeed(stream: SSEStreamingApi, backend: Backend, history: DashboardHistory, options: FeedOptions): Promise<void> {
  const rates = new RateWindow(options.rateWindowMs);
  let lastStatus: StatusReply | null = null;
  let first = true;
  await send(stream, 'history', { pollMs: options.pollMs, points: history.points(), leaderChanges: history.leaderChanges() });
  while (!stream.aborted && !stream.closed) {
    const startedMs = Date.now();
    const probe = await probeBackend(backend, options.probeTimeoutMs);
    if (stream.aborted) break;
    const point = rates.add(counterSample(probe));
    const snapshot = buildSnapshot(probe, lastStatus, point);
    if (probe.status !== null) lastStatus = probe.status;
    // A stream's first point has no earlier reading to measure against: it would plot as a gap.
    if (!first) history.record(point, options.pollMs / 2);
    first = false;
    if (snapshot.leader !== null && snapshot.term !== null) {
      const change = history.observeLeader(snapshot.leader, snapshot.term, snapshot.atMs);
      if (change) await send(stream, 'leader', change);
    }
    await send(stream, 'snapshot', snapshot);
    await stream.sleep(Math.max(0, options.pollMs - (Date.now() - startedMs)));
  }
}

function send(stream: SSEStreamingApi, event: string, data: unknown): Promise<void> {
  return stream.writeSSE({ event, data: JSON.stringify(data) });
}
