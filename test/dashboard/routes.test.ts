// The dashboard routes on a real in-process 3-replica cluster: the page and its assets (self-contained,
// parseable), the stream behind the bearer token, snapshots that follow writes and a leader crash, and
// no polling left once the client goes away.

import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../functions/backend.ts';
import type { DashboardSnapshot } from '../../functions/dashboard/snapshot.ts';
import type { LeaderChange } from '../../functions/dashboard/history.ts';
import { HttpCluster, SseReader, type App } from '../functions/harness.ts';
import { put } from '../functions/http.ts';
import { appWithDashboard } from './gateway.ts';

const TOKEN = 'dashboard-token';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
/** The SVG namespace is a name, not something the browser loads. */
const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

let http: HttpCluster | null = null;
afterEach(async () => {
  await http?.stop();
  http = null;
});

/** A backend that counts the status calls it forwards (every dashboard probe makes one). */
function countingStatus(backend: Backend): { backend: Backend; calls: () => number } {
  let calls = 0;
  return {
    backend: {
      ...backend,
      call: (op, request, options) => {
        if (op === 'status') calls++;
        return backend.call(op, request, options);
      },
    },
    calls: () => calls,
  };
}

async function nextOf(reader: SseReader, event: string, timeoutMs = 5_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await reader.next(Math.max(1, deadline - Date.now()));
    if (message === null) throw new Error(`stream ended before a ${event} event`);
    if (message.event === event) return JSON.parse(message.data);
  }
}

async function snapshotWhere(reader: SseReader, what: string, test: (s: DashboardSnapshot) => boolean, timeoutMs = 5_000): Promise<DashboardSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`no snapshot with ${what} within ${timeoutMs} ms`);
    const snapshot = (await nextOf(reader, 'snapshot', Math.max(1, deadline - Date.now()))) as DashboardSnapshot;
    if (test(snapshot)) return snapshot;
  }
}

describe('dashboard page', () => {
  it('serves a self-contained page, script and stylesheet without a token', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    const app = appWithDashboard({ backend: http.backends.get(leader.id)!, token: TOKEN });

    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(page.headers.get('Content-Security-Policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('src="/dashboard/app.js"');
    expect(html).toContain('href="/dashboard/app.css"');

    const script = await app.request('/dashboard/app.js');
    expect(script.headers.get('Content-Type')).toMatch(/^text\/javascript/);
    const js = await script.text();
    expect(() => new Function(js)).not.toThrow();
    // The script's parts share one scope: a name declared twice would silently replace the other.
    const declared = [...js.matchAll(/^(?:var|(?:async )?function) (\w+)/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(50);
    expect(declared.filter((name, i) => declared.indexOf(name) !== i)).toEqual([]);
    const css = await (await app.request('/dashboard/app.css')).text();
    expect(css).toContain('--series-1');

    for (const text of [html, js, css]) expect(text.replaceAll(SVG_NAMESPACE, '')).not.toMatch(/https?:\/\//);
  });
});

describe('GET /v1/dashboard/stream', () => {
  it('needs the token, then streams history, the leader and snapshots that follow writes and a leader crash', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    const followerId = http.cluster.ids.find((id) => id !== leader.id)!;
    const counted = countingStatus(http.backends.get(followerId)!);
    const app: App = appWithDashboard({ backend: counted.backend, token: TOKEN }, { pollMs: 100, rateWindowMs: 1_000 });

    const refused = await app.request('/v1/dashboard/stream');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    const res = await app.request('/v1/dashboard/stream', { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
    const reader = new SseReader(res);
    const first = await reader.next();
    expect(first?.event).toBe('history');
    expect(JSON.parse(first!.data)).toMatchObject({ pollMs: expect.any(Number), points: [], leaderChanges: [] });

    expect(await nextOf(reader, 'leader')).toMatchObject({ from: null, to: leader.id });
    // Health needs the leader to have heard from each follower since its election (first Append response or heartbeat).
    const snapshot = await snapshotWhere(reader, 'three members in contact', (s) => s.members.length === 3 && s.members.every((m) => m.health === 'ok'));
    expect(snapshot.leader).toBe(leader.id);
    expect(snapshot.servedBy).toEqual({ kind: 'replica', id: followerId });
    expect(snapshot.members.filter((m) => m.role === 'leader').map((m) => m.id)).toEqual([leader.id]);
    const own = snapshot.members.find((m) => m.id === followerId)!;
    expect(own.appliedIndex).not.toBeNull();
    expect(own.lamport).not.toBeNull();

    const leaderApp = http.apps.get(leader.id)!;
    for (let i = 0; i < 20; i++) expect((await put(leaderApp, `k${i}`, `v${i}`)).status).toBe(200);
    const busy = await snapshotWhere(reader, 'commits per second', (s) => (s.point.committedPerSec ?? 0) > 0);
    expect(busy.point.fsyncP50Ms).not.toBeNull();

    await http.cluster.crash(leader.id);
    const change = (await nextOf(reader, 'leader', 10_000)) as LeaderChange;
    expect(change.from).toBe(leader.id);
    expect(change.to).not.toBe(leader.id);
    const after = await snapshotWhere(reader, 'the crashed leader unreachable', (s) => s.members.find((m) => m.id === leader.id)?.health === 'unreachable');
    expect(after.leader).toBe(change.to);

    await reader.cancel();
    await new Promise((r) => setTimeout(r, 300));
    const callsAfterCancel = counted.calls();
    await new Promise((r) => setTimeout(r, 500));
    expect(counted.calls()).toBe(callsAfterCancel);
  });

  it('a stream opened later starts with the recorded points and leader changes', async () => {
    http = await HttpCluster.start();
    const leader = await http.leader();
    const app = appWithDashboard({ backend: http.backends.get(leader.id)! }, { pollMs: 50 });
    const firstReader = new SseReader(await app.request('/v1/dashboard/stream'));
    for (let i = 0; i < 4; i++) await nextOf(firstReader, 'snapshot');
    await firstReader.cancel();

    const secondReader = new SseReader(await app.request('/v1/dashboard/stream'));
    const history = (await nextOf(secondReader, 'history')) as { points: unknown[]; leaderChanges: LeaderChange[] };
    expect(history.points.length).toBeGreaterThanOrEqual(2);
    expect(history.leaderChanges.map((c) => c.to)).toEqual([leader.id]);
    await secondReader.cancel();
  });
});
