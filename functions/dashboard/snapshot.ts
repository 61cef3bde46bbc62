// One look at the cluster through the serving process's backend: the leader's status, the process's
// health and its /metrics, turned into the snapshot the dashboard page renders.

import { withDeadline } from '../../actors/api/errors.ts';
import type { StatusReply } from '../../actors/api/ops.ts';
import type { Backend, Health } from '../backend.ts';
import { memberRows, type LocalReplicaView, type MemberRow } from './members.ts';
import { parsePrometheusText, readHistogram, sampleValue, type PromSample } from './prometheus.ts';
import type { CounterSample, SeriesPoint } from './rates.ts';

/** Who serves this dashboard: a replica (its /metrics carries its own counters) or a gateway. */
export type ServedBy =
  | { readonly kind: 'replica'; readonly id: string }
  | { readonly kind: 'gateway' }
  | { readonly kind: 'unknown' };

/** The raw answers of one probe. */
export interface Probe {
  readonly atMs: number;
  /** The leader's view; null when no leader answered within the deadline. */
  readonly status: StatusReply | null;
  /** Why `status` is null. */
  readonly statusError: string | null;
  readonly health: Health;
  readonly metrics: readonly PromSample[];
}

/** What the page renders for one instant (the `snapshot` event of /v1/dashboard/stream). */
export interface DashboardSnapshot {
  readonly atMs: number;
  readonly cluster: string | null;
  readonly leader: string | null;
  readonly term: number | null;
  readonly commitIndex: number | null;
  readonly lastIndex: number | null;
  readonly snapshotIndex: number | null;
  /** The leader's Lamport clock. */
  readonly lamport: number | null;
  /** Health of the serving process (GET /health). */
  readonly health: Health;
  readonly servedBy: ServedBy;
  /** Why there is no fresh cluster view (no leader answered); null when there is one. */
  readonly unavailable: string | null;
  readonly members: readonly MemberRow[];
  readonly point: SeriesPoint;
}

/** Asks the backend for status, health and metrics at once; never rejects. */
export async function probeBackend(backend: Backend, timeoutMs: number, now: () => number = Date.now): Promise<Probe> {
  const [status, health, metrics] = await Promise.all([
    leaderStatus(backend, timeoutMs),
    withDeadline(backend.health(), timeoutMs, 'health').catch((error: unknown): Health => ({ ok: false, reason: messageOf(error) })),
    withDeadline(backend.metrics(), timeoutMs, 'metrics').then(parsePrometheusText, () => []),
  ]);
  return { atMs: now(), status: status.ok ? status.value : null, statusError: status.ok ? null : status.error, health, metrics };
}

/** The counters `probe` read, for the rate window. */
export function counterSample(probe: Probe): CounterSample {
  const local = localReplicaView(probe.metrics);
  const where: Record<string, string> = local ? { replica: local.id } : {};
  return {
    atMs: probe.atMs,
    commitIndex: probe.status?.commitIndex ?? null,
    proposalsTotal: sampleValue(probe.metrics, 'atlas_proposals_total', where),
    commitLatencyMs: readHistogram(probe.metrics, 'atlas_commit_latency_ms'),
    fsyncLatencyMs: readHistogram(probe.metrics, 'atlas_fsync_latency_ms'),
  };
}

/**
 * The snapshot for `probe`. When no leader answered, the members are `lastStatus`'s (the last view a
 * leader gave), marked stale.
 */
export function buildSnapshot(probe: Probe, lastStatus: StatusReply | null, point: SeriesPoint): DashboardSnapshot {
  const local = localReplicaView(probe.metrics);
  const view = probe.status ?? lastStatus;
  const fresh = probe.status !== null;
  return {
    atMs: probe.atMs,
    cluster: view?.cluster ?? null,
    leader: fresh ? probe.status!.leader : null,
    term: view?.term ?? null,
    commitIndex: view?.commitIndex ?? null,
    lastIndex: view?.lastIndex ?? null,
    snapshotIndex: view?.snapshotIndex ?? null,
    lamport: fresh ? probe.status!.lamport : null,
    health: probe.health,
    servedBy: servedBy(probe.metrics, local),
    unavailable: fresh ? (probe.status!.leader === null ? 'no leader is elected' : null) : probe.statusError,
    members: view ? memberRows(view, !fresh, local) : [],
    point,
  };
}

/** The serving replica's own counters, when a replica serves the dashboard. */
export function localReplicaView(metrics: readonly PromSample[]): LocalReplicaView | null {
  const leaderFlag = metrics.find((s) => s.name === 'atlas_is_leader' && s.labels.replica !== undefined);
  if (!leaderFlag) return null;
  const where = { replica: leaderFlag.labels.replica! };
  const read = (name: string) => sampleValue(metrics, name, where) ?? 0;
  return {
    id: where.replica,
    isLeader: leaderFlag.value === 1,
    term: read('atlas_term'),
    commitIndex: read('atlas_commit_index'),
    appliedIndex: read('atlas_applied_index'),
    lamport: read('atlas_lamport'),
  };
}

function servedBy(metrics: readonly PromSample[], local: LocalReplicaView | null): ServedBy {
  if (local) return { kind: 'replica', id: local.id };
  if (metrics.some((s) => s.name === 'atlas_gateway_requests_total')) return { kind: 'gateway' };
  return { kind: 'unknown' };
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

async function leaderStatus(backend: Backend, timeoutMs: number): Promise<Outcome<StatusReply>> {
  try {
    const reply = await withDeadline(backend.call('status', {}, { timeoutMs }), timeoutMs + 250, 'status');
    return reply.ok ? { ok: true, value: reply.result as StatusReply } : { ok: false, error: reply.error.message };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
