// Contract tests for the KV routes (CONTRACT §3) against a real 3-replica in-process cluster. Writes
// go through a follower's app too, proving forwarding to the leader.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCluster, waitFor, type App } from './harness.ts';
import { dec, del, enc, expectError, get, lamportOf, put, send } from './http.ts';

let http: HttpCluster;
let leader: App;
let follower: App;

beforeAll(async () => {
  http = await HttpCluster.start();
  leader = (await http.leaderApp()).app;
  follower = (await http.followerApp()).app;
});
afterAll(() => http.stop());

interface PutBody {
  key: string;
  revision: number;
  lamport: number;
}

describe('PUT and GET /v1/kv/{key}', () => {
  it('writes through a follower (forwarded to the leader) and reads back raw bytes on every replica', async () => {
    const res = await put(follower, 'greeting', 'hello world');
    expect(res.status).toBe(200);
    const body = (await res.json()) as PutBody;
    expect(body).toEqual({ key: 'greeting', revision: expect.any(Number), lamport: expect.any(Number) });
    for (const app of http.apps.values()) {
      const got = await get(app, 'greeting');
      expect(got.status).toBe(200);
      expect(got.headers.get('Content-Type')).toBe('application/octet-stream');
      expect(got.headers.get('ETag')).toBe(`"${body.revision}"`);
      expect(got.headers.get('Atlas-Revision')).toBe(String(body.revision));
      expect(got.headers.get('Atlas-Applied-Index')).toBeNull();
      expect(await got.text()).toBe('hello world');
    }
  });

  it('serves ?consistency=stale locally with Atlas-Applied-Index', async () => {
    await put(leader, 'stale-key', 'v');
    await waitFor(async () => (await get(follower, 'stale-key', '?consistency=stale')).status === 200);
    const got = await get(follower, 'stale-key', '?consistency=stale');
    expect(got.headers.get('Atlas-Applied-Index')).toMatch(/^\d+$/);
    expect(Number(got.headers.get('Atlas-Applied-Index'))).toBeGreaterThan(0);
    expect(await got.text()).toBe('v');
  });

  it('keeps binary values byte for byte, and keys with "/", %2F and non-ASCII characters', async () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect((await put(leader, 'bin/all-bytes', bytes)).status).toBe(200);
    const got = await get(follower, 'bin/all-bytes');
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);

    expect((await send(leader, '/v1/kv/dir/sub/leaf', { method: 'PUT', body: 'plain slashes' })).status).toBe(200);
    expect(await (await send(follower, '/v1/kv/dir%2Fsub%2Fleaf')).text()).toBe('plain slashes');
    expect((await put(leader, 'café/ключ/🙂', 'unicode')).status).toBe(200);
    expect(await (await get(follower, 'café/ключ/🙂')).text()).toBe('unicode');
    expect((await put(leader, 'empty-value', '')).status).toBe(200);
    const empty = await get(leader, 'empty-value');
    expect(empty.status).toBe(200);
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it('accepts a 1024-byte key', async () => {
    const key = 'k'.repeat(1024);
    expect((await put(follower, key, 'long')).status).toBe(200);
    expect(await (await get(leader, key)).text()).toBe('long');
  });
});

describe('DELETE /v1/kv/{key} and 404s', () => {
  it('404 for an absent key, tombstone delete, 404 after delete, deleted:false for an absent key', async () => {
    await expectError(await get(leader, 'never-written'), 404, 'not_found');
    const written = (await (await put(follower, 'doomed', 'x')).json()) as PutBody;
    const res = await del(follower, 'doomed');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { key: string; revision: number; deleted: boolean };
    expect(body).toEqual({ key: 'doomed', revision: written.revision + 1, deleted: true });
    await expectError(await get(leader, 'doomed'), 404, 'not_found');
    await expectError(await get(follower, 'doomed'), 404, 'not_found');
    const again = await del(leader, 'doomed');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { deleted: boolean }).deleted).toBe(false);
  });
});

describe('conditional writes', () => {
  it('If-Match is compare-and-swap: 200 on the current revision (plain or quoted), 412 with the current revision otherwise', async () => {
    const first = (await (await put(leader, 'cas', 'v1')).json()) as PutBody;
    const second = await put(follower, 'cas', 'v2', { 'If-Match': String(first.revision) });
    expect(second.status).toBe(200);
    const secondBody = (await second.json()) as PutBody;
    const quoted = await put(leader, 'cas', 'v3', { 'If-Match': `"${secondBody.revision}"` });
    expect(quoted.status).toBe(200);
    const current = ((await quoted.json()) as PutBody).revision;

    const stale = await put(follower, 'cas', 'lost', { 'If-Match': String(first.revision) });
    const error = await expectError(stale, 412, 'precondition_failed');
    expect(error.revision).toBe(current);
    expect(await (await get(leader, 'cas')).text()).toBe('v3');

    const staleDelete = await del(leader, 'cas', { 'If-Match': String(first.revision) });
    expect((await expectError(staleDelete, 412, 'precondition_failed')).revision).toBe(current);
    expect((await del(leader, 'cas', { 'If-Match': `"${current}"` })).status).toBe(200);
    const absent = await put(leader, 'cas', 'x', { 'If-Match': '5' });
    expect((await expectError(absent, 412, 'precondition_failed')).revision).toBe(0);
  });

  it('If-None-Match: * creates only; 412 on an existing key; works again after a delete', async () => {
    const created = await put(follower, 'create-only', 'one', { 'If-None-Match': '*' });
    expect(created.status).toBe(200);
    const revision = ((await created.json()) as PutBody).revision;
    const refused = await put(leader, 'create-only', 'two', { 'If-None-Match': '*' });
    expect((await expectError(refused, 412, 'precondition_failed')).revision).toBe(revision);
    expect(await (await get(leader, 'create-only')).text()).toBe('one');
    expect((await del(leader, 'create-only')).status).toBe(200);
    const recreated = await put(follower, 'create-only', 'three', { 'If-None-Match': '*' });
    expect(recreated.status).toBe(200);
    expect(await (await get(follower, 'create-only')).text()).toBe('three');
  });
});

describe('Idempotency-Key', () => {
  it('a retry returns the first response and applies nothing twice, whichever replica it reaches', async () => {
    const headers = { 'Idempotency-Key': 'put-once-1' };
    const first = await put(follower, 'idem', 'first', headers);
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    const retry = await put(leader, 'idem', 'first', headers);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(firstBody);
    const got = await get(leader, 'idem');
    expect(got.headers.get('Atlas-Revision')).toBe(String((firstBody as PutBody).revision));
    // The store revision did not move: the next write lands right after the first.
    const next = (await (await put(leader, 'idem-next', 'x')).json()) as PutBody;
    expect(next.revision).toBe((firstBody as PutBody).revision + 1);

    const deleteHeaders = { 'Idempotency-Key': 'delete-once-1' };
    const deleted = await (await del(follower, 'idem', deleteHeaders)).json();
    expect(deleted).toMatchObject({ deleted: true });
    expect(await (await del(leader, 'idem', deleteHeaders)).json()).toEqual(deleted);
  });
});

describe('TTL', () => {
  it('?ttl=SECONDS: the key is readable, then gone once the leader expires it', async () => {
    const res = await put(follower, 'ephemeral', 'soon gone', {}, '?ttl=1');
    expect(res.status).toBe(200);
    expect(await (await get(leader, 'ephemeral')).text()).toBe('soon gone');
    await waitFor(async () => (await get(leader, 'ephemeral')).status === 404, 6_000, 'TTL expiry');
    await expectError(await get(follower, 'ephemeral'), 404, 'not_found');
  });
});

describe('GET /v1/kv (list)', () => {
  it('pages by prefix with after/limit/next, values as text or base64', async () => {
    const keys = ['page/01', 'page/02', 'page/03', 'page/04', 'page/05'];
    for (const key of keys) await put(leader, key, `value of ${key}`);
    await put(leader, 'page/06-binary', Uint8Array.of(0xff, 0x00, 0xfe));
    await put(leader, 'pagex', 'outside the prefix');

    const seen: Array<{ key: string; revision: number; value: string; encoding?: string }> = [];
    let after: string | null = '';
    let pages = 0;
    while (after !== null) {
      const res = await send(follower, `/v1/kv?prefix=${encodeURIComponent('page/')}&limit=2&after=${encodeURIComponent(after)}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: typeof seen; next: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items);
      after = body.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.map((i) => i.key)).toEqual([...keys, 'page/06-binary']);
    expect(seen[0]).toEqual({ key: 'page/01', revision: expect.any(Number), value: 'value of page/01' });
    expect(seen[5]).toEqual({ key: 'page/06-binary', revision: expect.any(Number), value: '/wD+', encoding: 'base64' });

    const all = (await (await send(leader, '/v1/kv?prefix=page')).json()) as { items: unknown[]; next: string | null };
    expect(all.items).toHaveLength(7);
    expect(all.next).toBeNull();
  });
});

describe('limits and malformed input', () => {
  it('413 above 1 MiB, by Content-Length and by the actual (streamed) body; exactly 1 MiB is accepted', async () => {
    const limit = 1024 * 1024;
    expect((await put(follower, 'big-ok', new Uint8Array(limit))).status).toBe(200);
    await expectError(await put(follower, 'too-big', new Uint8Array(limit + 1)), 413, 'too_large');

    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 17; i++) controller.enqueue(new Uint8Array(64 * 1024));
        controller.close();
      },
    });
    const res = await send(leader, '/v1/kv/too-big-stream', { method: 'PUT', body: streamed, duplex: 'half' } as RequestInit);
    await expectError(res, 413, 'too_large');
    await expectError(await get(leader, 'too-big-stream'), 404, 'not_found');
    await expectError(await get(leader, 'too-big'), 404, 'not_found');
  });

  it('413 from a declared Content-Length alone, before reading the body; 400 for a malformed one', async () => {
    const declared = await put(leader, 'declared-big', 'tiny', { 'Content-Length': String(2 * 1024 * 1024) });
    await expectError(declared, 413, 'too_large');
    await expectError(await put(leader, 'declared-bad', 'tiny', { 'Content-Length': 'lots' }), 400, 'bad_request');
    await expectError(await get(leader, 'declared-big'), 404, 'not_found');
  });

  it('honours a smaller maxValueBytes', async () => {
    const small = http.appFor(http.cluster.ids[0]!, { maxValueBytes: 8 });
    expect((await put(small, 'small-ok', '12345678')).status).toBe(200);
    await expectError(await put(small, 'small-big', '123456789'), 413, 'too_large');
  });

  const badRequests: Array<[string, string, RequestInit]> = [
    ['empty key', '/v1/kv/', { method: 'PUT', body: 'x' }],
    ['empty key on GET', '/v1/kv/', {}],
    ['invalid percent-encoding', '/v1/kv/%ZZ', { method: 'PUT', body: 'x' }],
    ['percent-encoding that is not UTF-8', '/v1/kv/%FF%FE', {}],
    ['key over 1024 bytes', `/v1/kv/${'k'.repeat(1025)}`, { method: 'PUT', body: 'x' }],
    ['key over 1024 bytes of UTF-8', `/v1/kv/${encodeURIComponent('é'.repeat(513))}`, {}],
    ['If-Match not a number', '/v1/kv/a', { method: 'PUT', body: 'x', headers: { 'If-Match': 'abc' } }],
    ['If-Match negative', '/v1/kv/a', { method: 'PUT', body: 'x', headers: { 'If-Match': '-1' } }],
    ['If-Match fractional', '/v1/kv/a', { method: 'DELETE', headers: { 'If-Match': '1.5' } }],
    ['If-None-Match other than *', '/v1/kv/a', { method: 'PUT', body: 'x', headers: { 'If-None-Match': '"3"' } }],
    ['If-Match with If-None-Match', '/v1/kv/a', { method: 'PUT', body: 'x', headers: { 'If-Match': '1', 'If-None-Match': '*' } }],
    ['ttl zero', '/v1/kv/a?ttl=0', { method: 'PUT', body: 'x' }],
    ['ttl not a number', '/v1/kv/a?ttl=soon', { method: 'PUT', body: 'x' }],
    ['ttl fractional', '/v1/kv/a?ttl=1.5', { method: 'PUT', body: 'x' }],
    ['ttl above the maximum', `/v1/kv/a?ttl=${10 * 365 * 24 * 3600 + 1}`, { method: 'PUT', body: 'x' }],
    ['Idempotency-Key too long', '/v1/kv/a', { method: 'PUT', body: 'x', headers: { 'Idempotency-Key': 'k'.repeat(257) } }],
    ['consistency unknown', '/v1/kv/a?consistency=eventual', {}],
    ['list limit zero', '/v1/kv?limit=0', {}],
    ['list limit not a number', '/v1/kv?limit=ten', {}],
    ['list limit too high', '/v1/kv?limit=1001', {}],
    ['list consistency unknown', '/v1/kv?consistency=maybe', {}],
    ['Atlas-Lamport not a number', '/v1/kv/a', { headers: { 'Atlas-Lamport': 'yesterday' } }],
  ];
  it.each(badRequests)('400 for %s', async (_what, path, init) => {
    const res = await send(follower, path, init);
    await expectError(res, 400, 'bad_request');
  });

  it('a malformed write leaves the store unchanged', async () => {
    const before = (await (await put(leader, 'probe-1', 'x')).json()) as PutBody;
    await send(leader, '/v1/kv/a?ttl=0', { method: 'PUT', body: 'x' });
    await send(leader, '/v1/kv/a', { method: 'PUT', body: 'x', headers: { 'If-Match': 'abc' } });
    const after = (await (await put(leader, 'probe-2', 'x')).json()) as PutBody;
    expect(after.revision).toBe(before.revision + 1);
  });
});

describe('Atlas-Lamport', () => {
  it('is on every response and never goes backwards on one replica; a client clock moves it forward', async () => {
    const seen: number[] = [];
    const record = (res: Response) => seen.push(lamportOf(res));
    record(await put(follower, 'clock', 'a'));
    record(await get(follower, 'clock'));
    record(await get(follower, 'clock-absent'));
    record(await send(follower, '/v1/nope'));
    record(await send(follower, '/v1/kv/', { method: 'PUT' }));
    record(await put(follower, 'clock', 'b', { 'If-Match': '1' }));
    record(await del(follower, 'clock'));
    record(await send(follower, '/health'));
    record(await send(follower, '/metrics'));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const clientClock = seen[seen.length - 1]! + 1_000_000;
    const ahead = await put(follower, 'clock', 'c', { 'Atlas-Lamport': String(clientClock) });
    expect(ahead.status).toBe(200);
    expect(lamportOf(ahead)).toBeGreaterThan(clientClock);
    expect(((await ahead.json()) as PutBody).lamport).toBeGreaterThan(clientClock);
    expect(lamportOf(await get(follower, 'clock'))).toBeGreaterThan(clientClock);
    expect(lamportOf(await get(leader, 'clock'))).toBeGreaterThan(clientClock);
  });
});
