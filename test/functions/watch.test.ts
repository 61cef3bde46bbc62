// Contract tests for GET /v1/watch (Server-Sent Events) against a real 3-replica in-process cluster
// whose KV machines keep a small watch history (20 events), so compaction is reachable.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCluster, SseReader, waitFor, type App, type SseMessage } from './harness.ts';
import { del, expectError, lamportOf, postJson, put, send } from './http.ts';

let http: HttpCluster;
let leader: App;
let follower: App;

beforeAll(async () => {
  http = await HttpCluster.start({ historyMaxEvents: 20 });
  leader = (await http.leaderApp()).app;
  follower = (await http.followerApp()).app;
});
afterAll(() => http.stop());

async function revisionOfPut(res: Response): Promise<number> {
  return ((await res.json()) as { revision: number }).revision;
}

async function openWatch(app: App, query: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const res = await send(app, `/v1/watch${query}`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
  return new SseReader(res);
}

function data(message: SseMessage | null): Record<string, unknown> {
  expect(message).not.toBeNull();
  return JSON.parse(message!.data) as Record<string, unknown>;
}

describe('GET /v1/watch', () => {
  it('sends history from a revision, then synced, then live changes; a transaction arrives in one chunk', async () => {
    const first = await revisionOfPut(await put(leader, 'w1/a', 'alpha'));
    await put(leader, 'elsewhere', 'not watched');
    const second = await revisionOfPut(await put(leader, 'w1/b', Uint8Array.of(0xff, 0x01)));
    const watch = await openWatch(follower, `?prefix=w1/&from=${first}`);
    try {
      const a = await watch.next();
      expect(a).toMatchObject({ event: 'put', id: String(first) });
      expect(data(a)).toEqual({ key: 'w1/a', revision: first, lamport: expect.any(Number), value: 'alpha' });
      const b = await watch.next();
      expect(b).toMatchObject({ event: 'put', id: String(second) });
      expect(data(b)).toEqual({ key: 'w1/b', revision: second, lamport: expect.any(Number), value: '/wE=', encoding: 'base64' });
      const synced = await watch.next();
      expect(synced?.event).toBe('synced');
      expect(Number(synced?.id)).toBeGreaterThanOrEqual(second);

      const live = await revisionOfPut(await put(follower, 'w1/c', 'live'));
      expect(await watch.next()).toMatchObject({ event: 'put', id: String(live) });
      const deleted = await revisionOfPut(await del(leader, 'w1/a'));
      const deleteEvent = await watch.next();
      expect(deleteEvent).toMatchObject({ event: 'delete', id: String(deleted) });
      expect(data(deleteEvent)).toEqual({ key: 'w1/a', revision: deleted, lamport: expect.any(Number), value: null });

      await put(leader, 'elsewhere', 'still not watched');
      const txn = await postJson(leader, '/v1/txn', {
        success: [
          { op: 'put', key: 'w1/t1', value: 'one' },
          { op: 'put', key: 'w1/t2', value: 'two' },
          { op: 'delete', key: 'w1/c' },
        ],
      });
      const txnRevision = ((await txn.json()) as { revision: number }).revision;
      const t1 = await watch.next();
      const t2 = await watch.next();
      const tc = await watch.next();
      expect([t1, t2, tc].map((m) => [m?.event, m?.id, data(m).key])).toEqual([
        ['put', String(txnRevision), 'w1/t1'],
        ['put', String(txnRevision), 'w1/t2'],
        ['delete', String(txnRevision), 'w1/c'],
      ]);
      const together = watch.chunks.find((chunk) => chunk.includes('"w1/t1"'));
      expect(together).toContain('"w1/t2"');
      expect(together).toContain('"w1/c"');
    } finally {
      await watch.cancel();
    }
  });

  it('without from, starts at now: synced first, then only new changes', async () => {
    await put(leader, 'w2/old', 'before');
    const watch = await openWatch(leader, '?prefix=w2/');
    try {
      expect((await watch.next())?.event).toBe('synced');
      const revision = await revisionOfPut(await put(follower, 'w2/new', 'after'));
      const event = await watch.next();
      expect(event).toMatchObject({ event: 'put', id: String(revision) });
      expect(data(event).key).toBe('w2/new');
    } finally {
      await watch.cancel();
    }
  });

  it('resumes after Last-Event-ID without repeating or missing events', async () => {
    const r1 = await revisionOfPut(await put(leader, 'w3/1', 'one'));
    const watch = await openWatch(leader, `?prefix=w3/&from=${r1}`);
    const seen = await watch.next();
    expect(seen?.id).toBe(String(r1));
    await watch.cancel();

    const r2 = await revisionOfPut(await put(leader, 'w3/2', 'two'));
    const r3 = await revisionOfPut(await put(leader, 'w3/3', 'three'));
    const resumed = await openWatch(follower, '?prefix=w3/&from=1', { 'Last-Event-ID': seen!.id! });
    try {
      const next = [await resumed.next(), await resumed.next()];
      expect(next.map((m) => [m?.id, data(m).key])).toEqual([
        [String(r2), 'w3/2'],
        [String(r3), 'w3/3'],
      ]);
      expect((await resumed.next())?.event).toBe('synced');
    } finally {
      await resumed.cancel();
    }
  });

  it('cancels the backend watch when the client disconnects', async () => {
    await waitFor(() => http.openWatches === 0, 2_000, 'earlier watches closed');
    const watches = await Promise.all([openWatch(leader, '?prefix=w4/'), openWatch(follower, '')]);
    expect(http.openWatches).toBe(2);
    for (const w of watches) expect((await w.next())?.event).toBe('synced');
    for (const w of watches) await w.cancel();
    await waitFor(() => http.openWatches === 0, 2_000, 'watches cancelled');
  });

  it('sends ": ping" heartbeat comments on an idle stream', async () => {
    const id = http.cluster.ids[0]!;
    const app = http.appFor(id, { watchHeartbeatMs: 25 });
    const watch = await openWatch(app, '?prefix=w5/');
    try {
      expect((await watch.next())?.event).toBe('synced');
      await new Promise((r) => setTimeout(r, 150));
      const revision = await revisionOfPut(await put(leader, 'w5/k', 'v'));
      expect((await watch.next())?.id).toBe(String(revision));
      expect(watch.comments).toBeGreaterThanOrEqual(2);
      expect(watch.chunks.some((chunk) => chunk === ': ping\n\n')).toBe(true);
    } finally {
      await watch.cancel();
    }
  });

  it('410 compacted (JSON, before any stream) when from is below the history window', async () => {
    for (let i = 0; i < 25; i++) await put(leader, `w6/${i}`, 'fill');
    const res = await send(follower, '/v1/watch?from=1');
    const error = await expectError(res, 410, 'compacted');
    expect(error.revision).toBeGreaterThan(1);
    lamportOf(res);
    const fromOldest = await openWatch(follower, `?from=${error.revision}`);
    try {
      expect(Number((await fromOldest.next())?.id)).toBe(error.revision);
    } finally {
      await fromOldest.cancel();
    }
    const resumed = await send(leader, '/v1/watch', { headers: { 'Last-Event-ID': '0' } });
    await expectError(resumed, 410, 'compacted');
  });

  const malformed: Array<[string, string, Record<string, string>]> = [
    ['from not a number', '?from=latest', {}],
    ['from negative', '?from=-3', {}],
    ['Last-Event-ID not a number', '', { 'Last-Event-ID': 'abc' }],
  ];
  it.each(malformed)('400 for %s', async (_what, query, headers) => {
    await expectError(await send(leader, `/v1/watch${query}`, { headers }), 400, 'bad_request');
  });
});
