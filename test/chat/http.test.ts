// The chat HTTP contract (CONTRACT §3 chat rows) against a real 3-replica in-process cluster:
// bodies and statuses, validation, Lamport clocks, pagination, private messages and SSE streams.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseReader } from '../functions/harness.ts';
import { ChatCluster, type App } from './harness.ts';

let chat: ChatCluster;
let leader: App;
let follower: App;

beforeAll(async () => {
  chat = await ChatCluster.start({ chat: { maxMessageBytes: 64 } });
  leader = await chat.leaderApp();
  follower = await chat.followerApp();
});
afterAll(() => chat.stop());

type Json = Record<string, any>;

async function call(app: App, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; res: Response }> {
  const res = await app.request(path, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
  });
  expect(res.headers.get('Atlas-Lamport'), 'every response carries Atlas-Lamport').toMatch(/^\d+$/);
  return { status: res.status, body: (await res.json()) as Json, res };
}

const post = (app: App, path: string, body: unknown, headers?: Record<string, string>) => call(app, 'POST', path, body, headers);
const get = (app: App, path: string, headers?: Record<string, string>) => call(app, 'GET', path, undefined, headers);

function expectError(reply: { status: number; body: Json }, status: number, code: string): string {
  expect({ status: reply.status, code: reply.body.error?.code }).toEqual({ status, code });
  expect(reply.body.error.message.length).toBeGreaterThan(0);
  return reply.body.error.message as string;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('chat login and users', () => {
  it('logs in (again: ok, created false) and lists users sorted, each reply with clock and timestamp', async () => {
    const first = await post(follower, '/v1/chat/login', { user: 'zoe', clock: 7 });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'ok', user: 'zoe', created: true, clock: expect.any(Number), timestamp: expect.stringMatching(ISO) });
    expect((await post(leader, '/v1/chat/login', { user: 'amy' })).body.created).toBe(true);
    expect((await post(leader, '/v1/chat/login', { user: 'zoe', timestamp: '2025-11-12T10:00:00Z' })).body).toMatchObject({ status: 'ok', created: false });
    const users = await get(follower, '/v1/chat/users');
    expect(users.status).toBe(200);
    expect(users.body).toEqual({ users: expect.arrayContaining(['amy', 'zoe']), clock: expect.any(Number), timestamp: expect.stringMatching(ISO) });
    expect(users.body.users.indexOf('amy')).toBeLessThan(users.body.users.indexOf('zoe'));
  });

  it('refuses malformed logins with 400', async () => {
    for (const user of ['', 'a b', 'a.b', 'x*', 'y>', 'x'.repeat(65), 'ção', 3]) {
      expectError(await post(leader, '/v1/chat/login', { user }), 400, 'bad_request');
    }
    expectError(await post(leader, '/v1/chat/login', {}), 400, 'bad_request');
    expect(expectError(await post(leader, '/v1/chat/login', { user: 'ok', admin: true }), 400, 'bad_request')).toMatch(/unknown field "admin"/);
    expectError(await post(leader, '/v1/chat/login', { user: 'ok', clock: -1 }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/login', { user: 'ok', clock: 'soon' }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/login', 'not json'), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/login', '[1]'), 400, 'bad_request');
  });
});

describe('Lamport clocks', () => {
  it('every chat response clock is greater than the request clock (body, query or header), on leader and follower', async () => {
    await post(leader, '/v1/chat/login', { user: 'clocky' });
    for (const app of [leader, follower]) {
      const base = (await get(app, '/v1/chat/users')).body.clock as number;
      const login = await post(app, '/v1/chat/login', { user: 'clocky', clock: base + 1_000 });
      expect(login.body.clock).toBeGreaterThan(base + 1_000);
      expect(Number(login.res.headers.get('Atlas-Lamport'))).toBeGreaterThanOrEqual(login.body.clock);
      const users = await get(app, `/v1/chat/users?clock=${login.body.clock + 500}`);
      expect(users.body.clock).toBeGreaterThan(login.body.clock + 500);
      const channels = await get(app, '/v1/chat/channels', { 'Atlas-Lamport': String(users.body.clock + 500) });
      expect(channels.body.clock).toBeGreaterThan(users.body.clock + 500);
      expectError(await get(app, '/v1/chat/users?clock=x'), 400, 'bad_request');
    }
  });

  it('a publication carries the committed entry clock, past the request clock, and later ones order after it', async () => {
    await post(leader, '/v1/chat/login', { user: 'lam' });
    await post(leader, '/v1/chat/channels', { channel: 'lamport' });
    const base = (await get(follower, '/v1/chat/channels')).body.clock as number;
    const a = await post(follower, '/v1/chat/channels/lamport/messages', { user: 'lam', message: 'a', clock: base + 10_000 });
    expect(a.status).toBe(200);
    expect(a.body.clock).toBeGreaterThan(base + 10_000);
    const b = await post(leader, '/v1/chat/channels/lamport/messages', { user: 'lam', message: 'b' });
    expect(b.body.clock).toBeGreaterThan(a.body.clock);
    expect(b.body.id).toBeGreaterThan(a.body.id);
  });
});

describe('chat channels', () => {
  it('creates a channel once: a duplicate is 412 precondition_failed; the list is sorted', async () => {
    const created = await post(follower, '/v1/chat/channels', { channel: 'tech', clock: 3 });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ status: 'ok', channel: 'tech', clock: expect.any(Number), timestamp: expect.stringMatching(ISO) });
    expect(created.body.clock).toBeGreaterThan(3);
    await post(leader, '/v1/chat/channels', { channel: 'geral' });
    expect(expectError(await post(leader, '/v1/chat/channels', { channel: 'tech' }), 412, 'precondition_failed')).toBe('channel "tech" already exists');
    const list = await get(follower, '/v1/chat/channels');
    expect(list.body.channels).toEqual(expect.arrayContaining(['geral', 'tech']));
    expect(list.body.channels).toEqual([...list.body.channels].sort());
    for (const channel of ['', 'a.b', 'a/b', '*', 7]) expectError(await post(leader, '/v1/chat/channels', { channel }), 400, 'bad_request');
  });

  it('publishes: 404 for an unknown channel, 412 for a user who never logged in, 400/413 for bad input', async () => {
    await post(leader, '/v1/chat/login', { user: 'pub' });
    await post(leader, '/v1/chat/channels', { channel: 'pubs' });
    expect(expectError(await post(follower, '/v1/chat/channels/ghost/messages', { user: 'pub', message: 'hi' }), 404, 'not_found')).toMatch(/ghost/);
    expect(expectError(await post(follower, '/v1/chat/channels/pubs/messages', { user: 'nobody', message: 'hi' }), 412, 'precondition_failed')).toMatch(/nobody/);
    expectError(await post(leader, '/v1/chat/channels/bad.name/messages', { user: 'pub', message: 'hi' }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/channels/pubs/messages', { user: 'pub', message: '' }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/channels/pubs/messages', { user: 'pub' }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/channels/pubs/messages', { user: 'pub', message: 'x', channel: 'other' }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/channels/pubs/messages', { user: 'pub', message: 'é'.repeat(33) }), 413, 'too_large');
    const ok = await post(follower, '/v1/chat/channels/pubs/messages', { user: 'pub', message: 'Olá!', channel: 'pubs', timestamp: 'x' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      status: 'ok', id: expect.any(Number), seq: 1, channel: 'pubs', user: 'pub', message: 'Olá!',
      clock: expect.any(Number), timestamp: expect.stringMatching(ISO), timestampMs: expect.any(Number),
    });
    expect(Date.parse(ok.body.timestamp)).toBe(ok.body.timestampMs);
  });

  it('an Idempotency-Key retry returns the first publication and stores nothing twice', async () => {
    await post(leader, '/v1/chat/login', { user: 'idem' });
    await post(leader, '/v1/chat/channels', { channel: 'idem' });
    const first = await post(leader, '/v1/chat/channels/idem/messages', { user: 'idem', message: 'once' }, { 'Idempotency-Key': 'k1' });
    const retry = await post(follower, '/v1/chat/channels/idem/messages', { user: 'idem', message: 'once' }, { 'Idempotency-Key': 'k1' });
    expect(retry.body.id).toBe(first.body.id);
    expect((await get(leader, '/v1/chat/channels/idem/messages')).body.messages).toHaveLength(1);
  });

  it('pages history with after, limit and next, on any replica', async () => {
    await post(leader, '/v1/chat/login', { user: 'pager' });
    await post(leader, '/v1/chat/channels', { channel: 'paged' });
    for (let i = 1; i <= 7; i++) await post(leader, '/v1/chat/channels/paged/messages', { user: 'pager', message: `m${i}` });
    const first = await get(follower, '/v1/chat/channels/paged/messages?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.messages.map((m: Json) => [m.seq, m.message])).toEqual([[1, 'm1'], [2, 'm2'], [3, 'm3']]);
    expect(first.body).toMatchObject({ channel: 'paged', next: 3, firstSeq: 1, lastSeq: 7, clock: expect.any(Number), timestamp: expect.stringMatching(ISO) });
    const second = await get(follower, `/v1/chat/channels/paged/messages?after=${first.body.next}&limit=3`);
    expect(second.body.messages.map((m: Json) => m.seq)).toEqual([4, 5, 6]);
    const last = await get(leader, `/v1/chat/channels/paged/messages?after=${second.body.next}&limit=3`);
    expect(last.body.messages.map((m: Json) => m.message)).toEqual(['m7']);
    expect(last.body.next).toBeNull();
    expect((await get(leader, '/v1/chat/channels/paged/messages')).body.messages).toHaveLength(7);
    expect((await get(follower, '/v1/chat/channels/paged/messages?consistency=stale&after=6')).body.messages.length).toBeLessThanOrEqual(1);
    for (const query of ['limit=0', 'limit=1001', 'after=-1', 'after=x', 'consistency=weird']) {
      expectError(await get(leader, `/v1/chat/channels/paged/messages?${query}`), 400, 'bad_request');
    }
    expectError(await get(leader, '/v1/chat/channels/ghost/messages'), 404, 'not_found');
    expectError(await get(leader, '/v1/chat/channels/a.b/messages'), 400, 'bad_request');
  });
});

describe('private messages', () => {
  it('sends to an existing user and lists their inbox; 404 unknown recipient, 412 unknown sender', async () => {
    await post(leader, '/v1/chat/login', { user: 'ana' });
    await post(leader, '/v1/chat/login', { user: 'bia' });
    const sent = await post(follower, '/v1/chat/users/bia/messages', { src: 'ana', message: 'Oi!', clock: 2 });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({
      status: 'ok', id: expect.any(Number), seq: 1, src: 'ana', dst: 'bia', message: 'Oi!',
      clock: expect.any(Number), timestamp: expect.stringMatching(ISO), timestampMs: expect.any(Number),
    });
    expectError(await post(leader, '/v1/chat/users/nobody/messages', { src: 'ana', message: 'hi' }), 404, 'not_found');
    expectError(await post(leader, '/v1/chat/users/bia/messages', { src: 'nobody', message: 'hi' }), 412, 'precondition_failed');
    expectError(await post(leader, '/v1/chat/users/bia/messages', { src: 'ana', message: 'hi', dst: 'ana' }), 400, 'bad_request');
    expectError(await post(leader, '/v1/chat/users/bia/messages', { from: 'ana', message: 'hi' }), 400, 'bad_request');
    const inbox = await get(follower, '/v1/chat/users/bia/messages');
    expect(inbox.body).toMatchObject({ user: 'bia', next: null, lastSeq: 1 });
    expect(inbox.body.messages).toEqual([expect.objectContaining({ src: 'ana', dst: 'bia', message: 'Oi!', seq: 1 })]);
    expect((await get(leader, '/v1/chat/users/ana/messages')).body.messages).toEqual([]);
    expectError(await get(leader, '/v1/chat/users/nobody/messages'), 404, 'not_found');
  });
});

describe('SSE streams', () => {
  async function open(app: App, path: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const res = await app.request(path, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
    return new SseReader(res);
  }

  it('streams history after a seq, then synced, then live publications; resumes from Last-Event-ID', async () => {
    await post(leader, '/v1/chat/login', { user: 'str' });
    await post(leader, '/v1/chat/channels', { channel: 'live' });
    await post(leader, '/v1/chat/channels', { channel: 'elsewhere' });
    await post(leader, '/v1/chat/channels/live/messages', { user: 'str', message: 'one' });
    await post(leader, '/v1/chat/channels/live/messages', { user: 'str', message: 'two' });
    const stream = await open(follower, '/v1/chat/channels/live/stream?after=1');
    try {
      const two = await stream.next();
      expect(two).toMatchObject({ event: 'message', id: '2' });
      expect(JSON.parse(two!.data)).toMatchObject({ seq: 2, channel: 'live', user: 'str', message: 'two', clock: expect.any(Number), timestamp: expect.stringMatching(ISO) });
      expect(await stream.next()).toMatchObject({ event: 'synced', id: '2' });
      await post(follower, '/v1/chat/channels/live/messages', { user: 'str', message: 'three' });
      await post(leader, '/v1/chat/channels/elsewhere/messages', { user: 'str', message: 'not on live' });
      await post(leader, '/v1/chat/channels/live/messages', { user: 'str', message: 'four' });
      const three = await stream.next();
      const four = await stream.next();
      expect([three?.id, JSON.parse(three!.data).message, four?.id, JSON.parse(four!.data).message]).toEqual(['3', 'three', '4', 'four']);
    } finally {
      await stream.cancel();
    }
    const resumed = await open(leader, '/v1/chat/channels/live/stream', { 'Last-Event-ID': '3' });
    try {
      expect(await resumed.next()).toMatchObject({ event: 'message', id: '4' });
      expect(await resumed.next()).toMatchObject({ event: 'synced', id: '4' });
    } finally {
      await resumed.cancel();
    }
  });

  it('streams from now without after; a user stream carries private messages', async () => {
    await post(leader, '/v1/chat/login', { user: 'inboxer' });
    await post(leader, '/v1/chat/users/inboxer/messages', { src: 'inboxer', message: 'old' });
    const stream = await open(follower, '/v1/chat/users/inboxer/stream');
    try {
      expect(await stream.next()).toMatchObject({ event: 'synced', id: '1' });
      await post(leader, '/v1/chat/users/inboxer/messages', { src: 'inboxer', message: 'new' });
      const message = await stream.next();
      expect(message).toMatchObject({ event: 'message', id: '2' });
      expect(JSON.parse(message!.data)).toMatchObject({ src: 'inboxer', dst: 'inboxer', message: 'new' });
    } finally {
      await stream.cancel();
    }
  });

  it('refuses streams of unknown or invalid channels and bad cursors before streaming', async () => {
    expectError(await get(follower, '/v1/chat/channels/ghost/stream'), 404, 'not_found');
    expectError(await get(follower, '/v1/chat/users/ghost/stream'), 404, 'not_found');
    expectError(await get(follower, '/v1/chat/channels/bad.name/stream'), 400, 'bad_request');
    expectError(await get(follower, '/v1/chat/channels/live/stream?after=x'), 400, 'bad_request');
    expectError(await get(follower, '/v1/chat/channels/live/stream', { 'Last-Event-ID': 'nope' }), 400, 'bad_request');
  });
});
