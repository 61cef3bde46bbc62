// Contract tests for the cluster routes, /health, /metrics, auth, unknown routes, 503 (no leader)
// and 504 (a write whose deadline passes) against real 3-replica in-process clusters.

import { afterEach, describe, expect, it } from 'vitest';
import { HttpCluster, waitFor } from './harness.ts';
import { expectError, get, lamportOf, postJson, put, send } from './http.ts';

let http: HttpCluster | null = null;
afterEach(async () => {
  await http?.stop();
  http = null;
});

interface Member {
  id: string;
  role: string;
  matchIndex: number;
  lag: number;
  lastContactMs: number | null;
  commitIndex: number | null;
  appliedIndex: number | null;
  lamport: number | null;
}

describe('status, leader, health, metrics', () => {
  it('GET /v1/status, /v1/leader, /health and /metrics on every replica', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    await put(http.apps.get(leader.id)!, 'k', 'v');
    for (const [id, app] of http.apps) {
      const status = await send(app, '/v1/status');
      expect(status.status).toBe(200);
      const body = (await status.json()) as Record<string, unknown> & { members: Member[] };
      expect(Object.keys(body).sort()).toEqual(
        ['appliedIndex', 'cluster', 'commitIndex', 'id', 'lamport', 'lastIndex', 'leader', 'members', 'role', 'snapshotIndex', 'term'].sort(),
      );
      expect(body.leader).toBe(leader.id);
      expect(body.commitIndex).toBeGreaterThanOrEqual(2);
      expect(body.members.map((m) => m.id).sort()).toEqual(['r1', 'r2', 'r3']);
      expect(body.members.find((m) => m.id === leader.id)?.role).toBe('leader');
      for (const m of body.members) {
        expect(Object.keys(m).sort()).toEqual(['appliedIndex', 'commitIndex', 'id', 'lag', 'lamport', 'lastContactMs', 'matchIndex', 'role']);
      }

      expect(await (await send(app, '/v1/leader')).json()).toEqual({ leader: leader.id, term: leader.term });

      const health = await send(app, '/health');
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true });

      const metrics = await send(app, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('Content-Type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toContain(`atlas_is_leader{cluster="test",replica="${id}"} ${id === leader.id ? 1 : 0}`);
      expect(text).toMatch(/# TYPE atlas_commit_index gauge/);
    }
  });

  it('GET /v1/status reports each follower\'s commit and applied index and Lamport clock as it last told the leader', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    const app = http.apps.get(leader.id)!;
    await put(app, 'k', 'v');
    const written = ((await (await send(app, '/v1/status')).json()) as { commitIndex: number }).commitIndex;
    // Heartbeat responses carry the reports: within a few heartbeats every follower has told the leader.
    let members: Member[] = [];
    await waitFor(async () => {
      members = ((await (await send(app, '/v1/status')).json()) as { members: Member[] }).members;
      return members.filter((m) => m.id !== leader.id).every((m) => (m.appliedIndex ?? 0) >= written);
    }, 5_000, 'followers reporting the write applied');
    for (const m of members) {
      expect(m.commitIndex).toBeGreaterThanOrEqual(written);
      expect(m.appliedIndex).toBeGreaterThanOrEqual(written);
      expect(m.appliedIndex!).toBeLessThanOrEqual(m.commitIndex!);
      expect(m.lamport).toBeGreaterThan(0);
    }
  });

  it('unknown routes and methods are JSON 404s with Atlas-Lamport', async () => {
    http = await HttpCluster.start();
    const app = http.apps.get('r1')!;
    for (const [path, method] of [
      ['/', 'DELETE'],
      ['/v1', 'GET'],
      ['/v1/nothing/here', 'GET'],
      ['/v2/kv/a', 'PUT'],
      ['/v1/kv/a', 'PATCH'],
      ['/v1/status', 'POST'],
    ] as const) {
      const res = await send(app, path, { method });
      await expectError(res, 404, 'not_found');
      expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    }
  });
});

describe('membership and leadership transfer', () => {
  it('adds a learner, refuses to promote it before it catches up (412), promotes once caught up, removes it', async () => {
    http = await HttpCluster.start();
    const follower = (await http.followerApp()).app;
    // A new leader accepts membership changes once an entry of its term is committed.
    expect((await put(follower, 'warm-up', 'x')).status).toBe(200);

    const added = await postJson(follower, '/v1/members', { id: 'r4', learner: true });
    expect(added.status, await added.clone().text()).toBe(200);
    const listed = (await (await send(follower, '/v1/members')).json()) as { members: Member[]; leader: string };
    expect(listed.members.find((m) => m.id === 'r4')?.role).toBe('learner');
    expect(listed.leader).toBe((await http.leader()).id);

    // A learner the leader has never heard from is not caught up.
    await expectError(await send(follower, '/v1/members/r4/promote', { method: 'POST' }), 412, 'precondition_failed');

    // r4 joins the way a new replica does: with no configuration, learning it from the leader.
    await http.cluster.startReplica('r4', false);
    http.mount('r4');
    const promote = async () => (await send(follower, '/v1/members/r4/promote', { method: 'POST' })).status === 200;
    await waitFor(promote, 5_000, 'r4 promoted');
    // r4 serves the member list from its own applied configuration, which catches up with the next Append.
    const roleSeenByR4 = async () => ((await (await send(http!.apps.get('r4')!, '/v1/members')).json()) as { members: Member[] }).members.find((m) => m.id === 'r4')?.role;
    await waitFor(async () => (await roleSeenByR4()) === 'follower', 5_000, 'r4 sees itself promoted');

    const removed = await send(follower, '/v1/members/r4', { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as { members: Member[] }).members.map((m) => m.id)).not.toContain('r4');
  });

  it('refuses changes that would lose quorum or make no sense with 412', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    const app = http.apps.get(leader.id)!;
    expect((await put(app, 'warm-up', 'x')).status).toBe(200);
    await expectError(await send(app, `/v1/members/${leader.id}`, { method: 'DELETE' }), 412, 'precondition_failed');
    await expectError(await send(app, '/v1/members/r9', { method: 'DELETE' }), 412, 'precondition_failed');
    const [down, other] = http.cluster.ids.filter((id) => id !== leader.id);
    await http.cluster.crash(down!);
    // Wait until the leader itself counts the crashed voter as silent (a full election timeout of ticks).
    const leaderReplica = http.cluster.replicas.get(leader.id)!;
    await waitFor(() => (leaderReplica.raftStatus().peers.find((p) => p.id === down)?.ticksSinceContact ?? 0) > 20, 10_000, 'the crashed voter counted as silent');
    // Removing the live follower would leave the leader and a dead voter: no active quorum.
    await expectError(await send(app, `/v1/members/${other}`, { method: 'DELETE' }), 412, 'precondition_failed');
  });

  it('POST /v1/leader/transfer moves leadership (requested through a follower)', async () => {
    http = await HttpCluster.start();
    const { id: followerId, app } = await http.followerApp();
    const res = await postJson(app, '/v1/leader/transfer', { to: followerId });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ leader: followerId });
    await waitFor(() => http!.cluster.replicas.get(followerId)!.role === 'leader');
    expect((await put(app, 'after-transfer', 'x')).status).toBe(200);
  });

  const malformed: Array<[string, string, string, string]> = [
    ['members: invalid JSON', 'POST', '/v1/members', '{'],
    ['members: missing id', 'POST', '/v1/members', JSON.stringify({ learner: true })],
    ['members: numeric id', 'POST', '/v1/members', JSON.stringify({ id: 4, learner: true })],
    ['members: learner not a boolean', 'POST', '/v1/members', JSON.stringify({ id: 'r4', learner: 'yes' })],
    ['members: voter join', 'POST', '/v1/members', JSON.stringify({ id: 'r4', learner: false })],
    ['transfer: missing to', 'POST', '/v1/leader/transfer', JSON.stringify({})],
    ['transfer: to not a string', 'POST', '/v1/leader/transfer', JSON.stringify({ to: ['r1'] })],
  ];
  it.each(malformed)('400 for %s', async (_what, method, path, body) => {
    http = await HttpCluster.start();
    const app = (await http.followerApp()).app;
    await expectError(await send(app, path, { method, body, headers: { 'Content-Type': 'application/json' } }), 400, 'bad_request');
  });
});

describe('authentication', () => {
  it('with a token, every /v1 route needs Authorization: Bearer <token>; /health and /metrics stay open', async () => {
    http = await HttpCluster.start({ token: 's3cret' });
    const app = (await http.followerApp()).app;
    for (const [path, init] of [
      ['/v1/status', {}],
      ['/v1/kv/a', { method: 'PUT', body: 'x' }],
      ['/v1/kv?prefix=', {}],
      ['/v1/watch', {}],
      ['/v1/does-not-exist', {}],
    ] as Array<[string, RequestInit]>) {
      const missing = await send(app, path, init);
      await expectError(missing, 401, 'unauthorized');
      expect(missing.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
      await expectError(await send(app, path, { ...init, headers: { Authorization: 'Bearer wrong' } }), 401, 'unauthorized');
      await expectError(await send(app, path, { ...init, headers: { Authorization: 's3cret' } }), 401, 'unauthorized');
    }
    const ok = { Authorization: 'Bearer s3cret' };
    expect((await send(app, '/v1/kv/a', { method: 'PUT', body: 'x', headers: ok })).status).toBe(200);
    expect(await (await send(app, '/v1/kv/a', { headers: ok })).text()).toBe('x');
    expect((await send(app, '/health')).status).toBe(200);
    expect((await send(app, '/metrics')).status).toBe(200);
  });
});

describe('503 and 504', () => {
  it('503 with Retry-After when no leader remains (two replicas crashed)', async () => {
    http = await HttpCluster.start({ requestTimeoutMs: 500 });
    const survivor = http.cluster.ids[0]!;
    const app = http.apps.get(survivor)!;
    expect((await put(app, 'before', 'x')).status).toBe(200);
    // A follower learns a commit with the next Append (an empty one waits up to 5 ms for it): let the
    // survivor apply the write before its peers crash, so its stale read below has it.
    await waitFor(async () => (await (await get(app, 'before', '?consistency=stale')).text()) === 'x', 5_000, 'survivor applied the write');
    for (const id of http.cluster.ids.slice(1)) await http.cluster.crash(id);
    await waitFor(() => http!.cluster.replicas.get(survivor)!.leader === null, 5_000, 'leader lost');

    for (const res of [
      await put(app, 'after', 'x'),
      await get(app, 'before'),
      await send(app, '/v1/kv?prefix='),
      await postJson(app, '/v1/txn', { success: [{ op: 'put', key: 'a', value: 'b' }] }),
      await send(app, '/v1/watch'),
    ]) {
      expect(res.headers.get('Retry-After')).toMatch(/^\d+$/);
      await expectError(res, 503, 'unavailable');
    }
    const health = await send(app, '/health');
    expect(health.status).toBe(503);
    expect(health.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(await health.json()).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await (await get(app, 'before', '?consistency=stale')).text()).toBe('x');
  });

  it('504 when a write cannot commit before its deadline (leader cut off from both followers)', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    const app = http.appFor(leader.id, { requestTimeoutMs: 300 });
    expect((await put(app, 'k', 'before')).status).toBe(200);
    http.cluster.network.isolate(leader.id, http.cluster.ids);
    const started = Date.now();
    const res = await put(app, 'k', 'during', { 'Idempotency-Key': 'cut-off-1' });
    const error = await expectError(res, 504, 'timeout');
    expect(error.message).toMatch(/Idempotency-Key/);
    expect(Date.now() - started).toBeLessThan(2_000);
    lamportOf(res);

    http.cluster.network.heal();
    const newLeader = await http.leader();
    const retry = await put(http.apps.get(newLeader.id)!, 'k', 'during', { 'Idempotency-Key': 'cut-off-1' });
    expect(retry.status).toBe(200);
    expect(await (await get(http.apps.get(newLeader.id)!, 'k')).text()).toBe('during');
  });
});
