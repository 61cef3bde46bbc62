// Contract tests for POST /v1/txn and POST /v1/propose against a real 3-replica in-process cluster.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCluster, type App } from './harness.ts';
import { expectError, get, postJson, put, send } from './http.ts';

let http: HttpCluster;
let leader: App;
let follower: App;

beforeAll(async () => {
  http = await HttpCluster.start();
  leader = (await http.leaderApp()).app;
  follower = (await http.followerApp()).app;
});
afterAll(() => http.stop());

interface TxnBody {
  succeeded: boolean;
  revision: number;
  results: Array<Record<string, unknown>>;
}

async function revisionOf(app: App, key: string): Promise<number> {
  return Number((await get(app, key)).headers.get('Atlas-Revision'));
}

describe('POST /v1/txn', () => {
  it('runs the success branch atomically at one revision (through a follower)', async () => {
    const res = await postJson(follower, '/v1/txn', {
      compare: [{ key: 'acct/a', exists: false }],
      success: [
        { op: 'put', key: 'acct/a', value: '100' },
        { op: 'put', key: 'acct/b', value: '/wD+', encoding: 'base64' },
        { op: 'get', key: 'acct/a' },
        { op: 'get', key: 'acct/b' },
        { op: 'get', key: 'acct/none' },
      ],
      failure: [{ op: 'put', key: 'acct/failed', value: 'x' }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TxnBody;
    expect(body.succeeded).toBe(true);
    expect(body.results).toEqual([
      { op: 'put', key: 'acct/a', revision: body.revision },
      { op: 'put', key: 'acct/b', revision: body.revision },
      { op: 'get', key: 'acct/a', revision: body.revision, value: '100' },
      { op: 'get', key: 'acct/b', revision: body.revision, value: '/wD+', encoding: 'base64' },
      { op: 'get', key: 'acct/none', revision: 0, value: null },
    ]);
    expect(await revisionOf(leader, 'acct/a')).toBe(body.revision);
    expect(await revisionOf(leader, 'acct/b')).toBe(body.revision);
    expect(new Uint8Array(await (await get(leader, 'acct/b')).arrayBuffer())).toEqual(Uint8Array.of(0xff, 0x00, 0xfe));
    expect((await get(leader, 'acct/failed')).status).toBe(404);
  });

  it('runs the failure branch when a compare fails, and nothing of the success branch', async () => {
    const current = await revisionOf(leader, 'acct/a');
    const res = await postJson(leader, '/v1/txn', {
      compare: [
        { key: 'acct/a', revision: current + 100 },
        { key: 'acct/b', value: 'not this' },
      ],
      success: [{ op: 'delete', key: 'acct/a' }],
      failure: [{ op: 'get', key: 'acct/a' }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TxnBody;
    expect(body.succeeded).toBe(false);
    expect(body.results).toEqual([{ op: 'get', key: 'acct/a', revision: current, value: '100' }]);
    expect((await get(leader, 'acct/a')).status).toBe(200);

    const byValue = await postJson(follower, '/v1/txn', {
      compare: [{ key: 'acct/b', value: '/wD+', encoding: 'base64' }],
      success: [{ op: 'delete', key: 'acct/b' }],
    });
    expect(((await byValue.json()) as TxnBody).results).toEqual([{ op: 'delete', key: 'acct/b', deleted: true }]);
    expect((await get(leader, 'acct/b')).status).toBe(404);
  });

  it('applies an invalid transaction not at all (a key written twice is refused before the log)', async () => {
    const before = (await (await put(leader, 'txn-probe', '1')).json()) as { revision: number };
    const res = await postJson(leader, '/v1/txn', {
      success: [
        { op: 'put', key: 'twice-a', value: '1' },
        { op: 'put', key: 'twice-b', value: '1' },
        { op: 'put', key: 'twice-a', value: '2' },
      ],
    });
    await expectError(res, 400, 'bad_request');
    expect((await get(leader, 'twice-a')).status).toBe(404);
    expect((await get(leader, 'twice-b')).status).toBe(404);
    const after = (await (await put(leader, 'txn-probe', '2')).json()) as { revision: number };
    expect(after.revision).toBe(before.revision + 1);
  });

  it('Idempotency-Key: a retried transaction returns the first response and applies once', async () => {
    const txn = { success: [{ op: 'put', key: 'idem-txn', value: 'once' }] };
    const headers = { 'Idempotency-Key': 'txn-once-1' };
    const first = await (await postJson(follower, '/v1/txn', txn, headers)).json();
    expect(await (await postJson(leader, '/v1/txn', txn, headers)).json()).toEqual(first);
    expect(await revisionOf(leader, 'idem-txn')).toBe((first as TxnBody).revision);
  });

  it('413 for a value over the limit inside a transaction', async () => {
    const res = await postJson(leader, '/v1/txn', { success: [{ op: 'put', key: 'big', value: 'x'.repeat(1024 * 1024 + 1) }] });
    await expectError(res, 413, 'too_large');
  });

  const malformed: Array<[string, string]> = [
    ['invalid JSON', '{"success": ['],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a JSON string', '"txn"'],
    ['compare not an array', JSON.stringify({ compare: { key: 'a', exists: true } })],
    ['an op that is not an object', JSON.stringify({ success: ['put a'] })],
    ['an unknown op', JSON.stringify({ success: [{ op: 'increment', key: 'a' }] })],
    ['a numeric value', JSON.stringify({ success: [{ op: 'put', key: 'a', value: 5 }] })],
    ['a missing value', JSON.stringify({ success: [{ op: 'put', key: 'a' }] })],
    ['an unknown encoding', JSON.stringify({ success: [{ op: 'put', key: 'a', value: 'x', encoding: 'hex' }] })],
    ['invalid base64', JSON.stringify({ success: [{ op: 'put', key: 'a', value: '@@@', encoding: 'base64' }] })],
    ['an empty key', JSON.stringify({ success: [{ op: 'put', key: '', value: 'x' }] })],
    ['a compare with two conditions', JSON.stringify({ compare: [{ key: 'a', revision: 1, exists: true }] })],
    ['a revision that is not an integer', JSON.stringify({ compare: [{ key: 'a', revision: 'one' }] })],
    ['an unknown top-level field', JSON.stringify({ succes: [] })],
    ['an unknown op field', JSON.stringify({ success: [{ op: 'put', key: 'a', value: 'x', ttl: 3 }] })],
  ];
  it.each(malformed)('400 for %s', async (_what, body) => {
    await expectError(await postJson(follower, '/v1/txn', body), 400, 'bad_request');
  });
});

describe('POST /v1/propose', () => {
  it('runs a command on a registered machine and returns its result (through a follower)', async () => {
    const opened = await postJson(follower, '/v1/propose', { machine: 'bank', command: { type: 'open', account: 'alice' } });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toEqual({ index: expect.any(Number), result: { ok: true, balances: { alice: 0 } } });
    const deposit = await postJson(leader, '/v1/propose', { machine: 'bank', command: { type: 'deposit', account: 'alice', amount: 5 } });
    expect(((await deposit.json()) as { result: unknown }).result).toEqual({ ok: true, balances: { alice: 5 } });
  });

  it('?wait=false returns 202 with the index at once', async () => {
    const res = await postJson(follower, '/v1/propose?wait=false', { machine: 'bank', command: { type: 'open', account: 'bob' } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { index: number };
    expect(body).toEqual({ index: expect.any(Number) });
    const deposit = await postJson(leader, '/v1/propose', { machine: 'bank', command: { type: 'deposit', account: 'bob', amount: 1 } });
    expect(((await deposit.json()) as { index: number; result: unknown }).result).toEqual({ ok: true, balances: { bob: 1 } });
  });

  it('Idempotency-Key: a retried proposal applies once and returns the first result', async () => {
    await postJson(leader, '/v1/propose', { machine: 'bank', command: { type: 'open', account: 'carol' } });
    const command = { machine: 'bank', command: { type: 'deposit', account: 'carol', amount: 7 } };
    const headers = { 'Idempotency-Key': 'deposit-carol-1' };
    const first = (await (await postJson(follower, '/v1/propose', command, headers)).json()) as { index: number };
    expect(first).toEqual({ index: expect.any(Number), result: { ok: true, balances: { carol: 7 } } });
    const retry = await (await postJson(leader, '/v1/propose', command, headers)).json();
    // The retry is its own log entry that applied nothing; it answers with the first result and the
    // index where the command took effect.
    expect(retry).toEqual({ index: first.index, result: { ok: true, balances: { carol: 7 } }, duplicate: true });
    const next = (await (await postJson(leader, '/v1/propose', { ...command, command: { ...command.command, amount: 1 } })).json()) as {
      result: unknown;
    };
    expect(next.result).toEqual({ ok: true, balances: { carol: 8 } });
  });

  const malformed: Array<[string, string, string]> = [
    ['invalid JSON', '/v1/propose', '{"machine":'],
    ['a missing machine', '/v1/propose', JSON.stringify({ command: {} })],
    ['a numeric machine', '/v1/propose', JSON.stringify({ machine: 7, command: {} })],
    ['a missing command', '/v1/propose', JSON.stringify({ machine: 'bank' })],
    ['an unknown machine', '/v1/propose', JSON.stringify({ machine: 'nope', command: {} })],
    ['a command the machine refuses', '/v1/propose', JSON.stringify({ machine: 'bank', command: { type: 'steal' } })],
    ['a bad wait parameter', '/v1/propose?wait=maybe', JSON.stringify({ machine: 'bank', command: { type: 'open', account: 'z' } })],
  ];
  it.each(malformed)('400 for %s', async (_what, path, body) => {
    await expectError(await postJson(follower, path, body), 400, 'bad_request');
  });

  it('GET on a POST-only route is a JSON 404', async () => {
    await expectError(await send(leader, '/v1/propose'), 404, 'not_found');
  });
});
