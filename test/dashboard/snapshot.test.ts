import { describe, expect, it } from 'vitest';
import type { StatusReply } from '../../actors/api/ops.ts';
import { Histogram } from '../../actors/replica/metrics.ts';
import { DashboardHistory } from '../../functions/dashboard/history.ts';
import { parsePrometheusText, readHistogram } from '../../functions/dashboard/prometheus.ts';
import { emptyPoint, RateWindow, type CounterSample } from '../../functions/dashboard/rates.ts';
import { buildSnapshot, counterSample, type Probe } from '../../functions/dashboard/snapshot.ts';

function status(overrides: Partial<StatusReply> = {}): StatusReply {
  return {
    cluster: 'dev',
    id: 'r1',
    role: 'leader',
    term: 4,
    leader: 'r1',
    commitIndex: 120,
    appliedIndex: 119,
    lastIndex: 121,
    snapshotIndex: 100,
    lamport: 900,
    members: [
      { id: 'r1', role: 'leader', matchIndex: 121, lag: 0, lastContactMs: 0, commitIndex: 120, appliedIndex: 119, lamport: 900 },
      { id: 'r2', role: 'follower', matchIndex: 121, lag: 0, lastContactMs: 50, commitIndex: 119, appliedIndex: 118, lamport: 880 },
      { id: 'r3', role: 'follower', matchIndex: 20, lag: 101, lastContactMs: 4_000, commitIndex: 20, appliedIndex: 19, lamport: 300 },
      { id: 'r4', role: 'learner', matchIndex: 0, lag: 121, lastContactMs: null, commitIndex: null, appliedIndex: null, lamport: null },
    ],
    ...overrides,
  };
}

const replicaMetrics = (id: string, fsync: Histogram) =>
  [
    `atlas_is_leader{cluster="dev",replica="${id}"} 0`,
    `atlas_term{cluster="dev",replica="${id}"} 4`,
    `atlas_commit_index{cluster="dev",replica="${id}"} 118`,
    `atlas_applied_index{cluster="dev",replica="${id}"} 117`,
    `atlas_lamport{cluster="dev",replica="${id}"} 870`,
    `atlas_proposals_total{cluster="dev",replica="${id}"} 0`,
    fsync.render(),
  ].join('\n');

function probe(overrides: Partial<Probe> = {}): Probe {
  return { atMs: 10_000, status: status(), statusError: null, health: { ok: true, reason: 'leader r1 at term 4' }, metrics: [], ...overrides };
}

describe('member rows', () => {
  it('shows the leader view and what members reported, infers the term only for members in contact, and health from contact and lag', () => {
    const snapshot = buildSnapshot(probe({ metrics: parsePrometheusText('atlas_gateway_requests_total{cluster="dev"} 3') }), null, emptyPoint(10_000));
    expect(snapshot.servedBy).toEqual({ kind: 'gateway' });
    expect(snapshot.leader).toBe('r1');
    expect(snapshot.unavailable).toBeNull();
    expect(snapshot.members.map((m) => [m.id, m.role, m.term, m.commitIndex, m.appliedIndex, m.lamport, m.health])).toEqual([
      ['r1', 'leader', 4, 120, 119, 900, 'ok'],
      ['r2', 'follower', 4, 119, 118, 880, 'ok'],
      ['r3', 'follower', null, 20, 19, 300, 'unreachable'],
      ['r4', 'learner', null, null, null, null, 'unknown'],
    ]);
  });

  it('leaves a member\'s cells empty when it sent no report (a replica older than the reports)', () => {
    const members = status().members.map((m) => (m.id === 'r2' ? { ...m, commitIndex: null, appliedIndex: null, lamport: null } : m));
    const r2 = buildSnapshot(probe({ status: status({ members }) }), null, emptyPoint(10_000)).members.find((m) => m.id === 'r2')!;
    expect([r2.term, r2.commitIndex, r2.appliedIndex, r2.lamport]).toEqual([4, null, null, null]);
  });

  it('fills the serving replica\'s own cells from its /metrics', () => {
    const metrics = parsePrometheusText(replicaMetrics('r2', new Histogram('atlas_fsync_latency_ms', 'f', [1, 10])));
    const snapshot = buildSnapshot(probe({ metrics }), null, emptyPoint(10_000));
    expect(snapshot.servedBy).toEqual({ kind: 'replica', id: 'r2' });
    const r2 = snapshot.members.find((m) => m.id === 'r2')!;
    expect([r2.term, r2.commitIndex, r2.appliedIndex, r2.lamport]).toEqual([4, 118, 117, 870]);
  });

  it('keeps the last known view, stale and of unknown health, while no leader answers', () => {
    const snapshot = buildSnapshot(probe({ status: null, statusError: 'no leader is serving the API' }), status(), emptyPoint(10_000));
    expect(snapshot.leader).toBeNull();
    expect(snapshot.unavailable).toBe('no leader is serving the API');
    expect(snapshot.members).toHaveLength(4);
    expect(snapshot.members.every((m) => m.stale && m.health === 'unknown')).toBe(true);
    expect(buildSnapshot(probe({ status: null, statusError: 'x' }), null, emptyPoint(0)).members).toEqual([]);
  });
});

describe('rates over a sliding window', () => {
  const fsync = new Histogram('atlas_fsync_latency_ms', 'f', [1, 2, 5, 10]);
  const sample = (atMs: number, commitIndex: number | null, proposalsTotal: number | null): CounterSample => ({
    atMs,
    commitIndex,
    proposalsTotal,
    commitLatencyMs: null,
    fsyncLatencyMs: readHistogram(parsePrometheusText(fsync.render()), 'atlas_fsync_latency_ms'),
  });

  it('measures each reading against the oldest one inside the window', () => {
    const window = new RateWindow(2_000);
    expect(window.add(sample(0, 100, 10))).toEqual(emptyPoint(0));
    for (let i = 0; i < 10; i++) fsync.observe(1.5);
    const p1 = window.add(sample(1_000, 150, 60));
    expect(p1.committedPerSec).toBe(50);
    expect(p1.proposalsPerSec).toBe(50);
    expect(p1.fsyncP50Ms).toBeCloseTo(1.5, 10);
    expect(p1.commitP50Ms).toBeNull();
    window.add(sample(2_000, 200, 110));
    // The window now starts at 1000: 300 commits in 2 s; no fsync since then.
    const p3 = window.add(sample(3_000, 450, 110));
    expect(p3.committedPerSec).toBe(150);
    expect(p3.proposalsPerSec).toBe(25);
    expect(p3.fsyncP50Ms).toBeNull();
  });

  it('reports no rate across a counter reset or a missing reading', () => {
    const window = new RateWindow(5_000);
    window.add(sample(0, 100, 500));
    const p = window.add(sample(500, null, 3));
    expect(p.committedPerSec).toBeNull();
    expect(p.proposalsPerSec).toBeNull();
  });

  it('counterSample takes the commit index from status and the counters of the serving replica', () => {
    const h = new Histogram('atlas_fsync_latency_ms', 'f', [1, 10]);
    h.observe(3);
    const read = counterSample(probe({ metrics: parsePrometheusText(replicaMetrics('r2', h)) }));
    expect(read.commitIndex).toBe(120);
    expect(read.proposalsTotal).toBe(0);
    expect(read.fsyncLatencyMs?.count).toBe(1);
    expect(read.commitLatencyMs).toBeNull();
  });
});

describe('shared history', () => {
  it('keeps one point per interval for the last minutes and records leader changes once', () => {
    const history = new DashboardHistory(60_000);
    history.record(emptyPoint(0), 250);
    history.record(emptyPoint(100), 250);
    history.record(emptyPoint(500), 250);
    history.record(emptyPoint(61_000), 250);
    expect(history.points().map((p) => p.atMs)).toEqual([61_000]);

    expect(history.observeLeader('r1', 2, 1)).toEqual({ atMs: 1, from: null, to: 'r1', term: 2 });
    expect(history.observeLeader('r1', 2, 2)).toBeNull();
    expect(history.observeLeader(null, 2, 3)).toBeNull();
    expect(history.observeLeader('r3', 3, 4)).toEqual({ atMs: 4, from: 'r1', to: 'r3', term: 3 });
    expect(history.observeLeader('r1', 2, 5)).toBeNull();
    expect(history.observeLeader('r3', 5, 6)).toEqual({ atMs: 6, from: 'r3', to: 'r3', term: 5 });
    expect(history.leaderChanges()).toHaveLength(3);
  });
});
