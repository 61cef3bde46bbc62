// The `batch` operation and the turn-batching client that followers and gateways forward through.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchingCall, MAX_BATCH_BYTES, MAX_BATCH_CALLS, type BatchReply } from '../../actors/api/batch.ts';
import type { ApiCall, ApiReply } from '../../actors/api/ops.ts';
import { ReplicaApi } from '../../actors/api/replica-api.ts';
import { decodeRequest, detectFormat, encodeReply } from '../../actors/api/wire.ts';
import { HttpCluster } from './harness.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: unknown) => new TextDecoder().decode(value as Uint8Array);

describe('batch operation', () => {
  let http: HttpCluster;
  beforeAll(async () => {
    http = await HttpCluster.start();
  });
  afterAll(() => http.stop());

  it('runs every call on the leader and answers each in order, malformed calls with their own error', async () => {
    const { id } = await http.leaderApp();
    const call = http.backends.get(id)!.call;
    const reply = await call(
      'batch',
      {
        calls: [
          { op: 'kv.put', request: { key: 'batch/a', value: bytes('1') } },
          { op: 'kv.put', request: { key: 'batch/b', value: bytes('2') } },
          { op: 'no.such.op', request: {} },
          { op: 'batch', request: { calls: [] } },
          { op: 'kv.get', request: 'not an object' },
          42,
        ],
      },
      { timeoutMs: 5_000 },
    );
    expect(reply.ok).toBe(true);
    const replies = (reply as { result: BatchReply }).result.replies;
    expect(replies).toHaveLength(6);
    expect(replies[0]).toMatchObject({ ok: true, result: { key: 'batch/a' } });
    expect(replies[1]).toMatchObject({ ok: true, result: { key: 'batch/b' } });
    expect((replies[1] as { result: { revision: number } }).result.revision).toBeGreaterThan((replies[0] as { result: { revision: number } }).result.revision);
    expect(replies[2]).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/unknown operation/) } });
    expect(replies[3]).toMatchObject({ ok: false, error: { message: 'a batch cannot contain a batch' } });
    expect(replies[4]).toMatchObject({ ok: false, error: { message: expect.stringMatching(/"request" object/) } });
    expect(replies[5]).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const read = await call('kv.get', { key: 'batch/b' }, { timeoutMs: 5_000 });
    expect(read.ok && text((read.result as { value: Uint8Array }).value)).toBe('2');
  });

  it('refuses a batch that is not a list or is too long, without running anything', async () => {
    const { id } = await http.leaderApp();
    const call = http.backends.get(id)!.call;
    expect(await call('batch', { calls: 'x' }, { timeoutMs: 1_000 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const tooMany = Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => ({ op: 'kv.put', request: { key: `never/${i}`, value: bytes('x') } }));
    expect(await call('batch', { calls: tooMany }, { timeoutMs: 1_000 })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/at most 1024/) } });
    const probe = await call('kv.get', { key: 'never/0' }, { timeoutMs: 1_000 });
    expect(probe).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('batch over JSON', () => {
  it('turns the values of nested calls into bytes and answers them as text', () => {
    const wire = '{"calls":[{"op":"kv.put","request":{"key":"a","value":"1"}},{"op":"kv.put","request":{"key":"b","value":"/w==","encoding":"base64"}}]}';
    const decoded = decodeRequest(bytes(wire), detectFormat(bytes(wire)));
    expect(decoded).toEqual({ ok: true, request: { calls: [{ op: 'kv.put', request: { key: 'a', value: bytes('1') } }, { op: 'kv.put', request: { key: 'b', value: new Uint8Array([0xff]) } }] } });
    const reply = encodeReply({ ok: true, result: { replies: [{ ok: true, result: { key: 'a', value: bytes('1') }, lamport: 2 }] }, lamport: 2 }, 'json');
    expect(JSON.parse(text(reply))).toEqual({ ok: true, result: { replies: [{ ok: true, result: { key: 'a', value: '1' }, lamport: 2 }] }, lamport: 2 });
  });
});

describe('turn-batching client', () => {
  function recorder(answer: (op: string, request: Record<string, unknown>) => ApiReply) {
    const seen: Array<{ op: string; request: Record<string, unknown> }> = [];
    const call: ApiCall = async (op, request) => {
      seen.push({ op, request });
      return answer(op, request);
    };
    return { seen, call };
  }

  it('sends the calls of one turn as one batch and a lone call as itself', async () => {
    const inner = recorder((op, request) =>
      op === 'batch'
        ? { ok: true, result: { replies: (request.calls as Array<{ request: { key: string } }>).map((c) => ({ ok: true, result: c.request.key, lamport: 1 })) }, lamport: 1 }
        : { ok: true, result: `single:${String(request.key)}`, lamport: 1 },
    );
    const call = createBatchingCall(inner.call);
    const replies = await Promise.all(['a', 'b', 'c'].map((key) => call('kv.put', { key }, { timeoutMs: 1_000, forwarded: true })));
    expect(replies.map((r) => r.ok && r.result)).toEqual(['a', 'b', 'c']);
    expect(inner.seen).toHaveLength(1);
    expect(inner.seen[0]!.op).toBe('batch');
    expect(inner.seen[0]!.request.calls).toEqual([
      { op: 'kv.put', request: { key: 'a' }, timeoutMs: 1_000 },
      { op: 'kv.put', request: { key: 'b' }, timeoutMs: 1_000 },
      { op: 'kv.put', request: { key: 'c' }, timeoutMs: 1_000 },
    ]);
    const lone = await call('kv.put', { key: 'z' }, { timeoutMs: 1_000 });
    expect(lone).toMatchObject({ ok: true, result: 'single:z' });
    expect(inner.seen.map((s) => s.op)).toEqual(['batch', 'kv.put']);
  });

  it('splits the calls of a turn into batches of bounded size', async () => {
    const inner = recorder((op, request) =>
      op === 'batch' ? { ok: true, result: { replies: (request.calls as unknown[]).map(() => ({ ok: true, result: null, lamport: 0 })) }, lamport: 0 } : { ok: true, result: null, lamport: 0 },
    );
    const call = createBatchingCall(inner.call);
    const big = new Uint8Array(MAX_BATCH_BYTES / 2);
    await Promise.all([0, 1, 2, 3, 4].map((i) => call('kv.put', { key: `k${i}`, value: big }, { timeoutMs: 1_000 })));
    expect(inner.seen.map((s) => (s.op === 'batch' ? (s.request.calls as unknown[]).length : 1))).toEqual([1, 1, 1, 1, 1]);
    inner.seen.length = 0;
    await Promise.all(Array.from({ length: MAX_BATCH_CALLS + 5 }, (_, i) => call('kv.get', { key: `k${i}` }, { timeoutMs: 1_000 })));
    expect(inner.seen.map((s) => (s.request.calls as unknown[]).length)).toEqual([MAX_BATCH_CALLS, 5]);
  });

  it('answers its callers even when the wrapped call breaks its never-throws contract', async () => {
    const call = createBatchingCall(async () => {
      throw new Error('broken transport');
    });
    const replies = await Promise.all([call('kv.put', { key: 'a' }, { timeoutMs: 10 }), call('kv.put', { key: 'b' }, { timeoutMs: 10 })]);
    expect(replies.map((r) => !r.ok && r.error.message)).toEqual(['broken transport', 'broken transport']);
    expect(await call('kv.put', { key: 'c' }, { timeoutMs: 10 })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('gives every call of a failed batch that failure', async () => {
    const failure: ApiReply = { ok: false, error: { code: 'timeout', message: 'batch timed out' }, lamport: 3 };
    const call = createBatchingCall(recorder(() => failure).call);
    const replies = await Promise.all([call('kv.put', { key: 'a' }, { timeoutMs: 10 }), call('kv.delete', { key: 'b' }, { timeoutMs: 10 })]);
    expect(replies).toEqual([failure, failure]);
  });

  it('forwards leader operations made through a follower as one batch to the leader', async () => {
    const http = await HttpCluster.start();
    try {
      const leader = await http.leader();
      const leaderCall = http.backends.get(leader.id)!.call;
      const batches: number[] = [];
      const forward = createBatchingCall(async (op, request, options) => {
        if (op === 'batch') batches.push((request.calls as unknown[]).length);
        return leaderCall(op, request, options);
      });
      const follower = http.cluster.ids.find((id) => id !== leader.id)!;
      const api = new ReplicaApi({ replica: http.cluster.replicas.get(follower)!, kv: http.cluster.kvMachines.get(follower)!, forward });
      const proposals = Array.from({ length: 20 }, (_, i) =>
        api.call('propose', { machine: 'kv', command: { type: 'put', key: `fwd/${i}`, value: bytes(String(i)) } }, { timeoutMs: 5_000 }),
      );
      const replies = await Promise.all(proposals);
      expect(replies.every((r) => r.ok)).toBe(true);
      expect(batches).toEqual([20]);
    } finally {
      await http.stop();
    }
  });

  it('submits KV writes made through a follower via the leader and answers them from the follower', async () => {
    const http = await HttpCluster.start();
    try {
      const leader = await http.leader();
      const forwarded: string[] = [];
      const forward = createBatchingCall(async (op, request, options) => {
        forwarded.push(op);
        return http.backends.get(leader.id)!.call(op, request, options);
      });
      const follower = http.cluster.ids.find((id) => id !== leader.id)!;
      const replica = http.cluster.replicas.get(follower)!;
      const api = new ReplicaApi({ replica, kv: http.cluster.kvMachines.get(follower)!, forward });
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => api.call('kv.put', { key: `sub/${i}`, value: bytes(String(i)) }, { timeoutMs: 5_000 })));
      expect(replies.every((r) => r.ok)).toBe(true);
      expect(forwarded).toEqual([]);
      const revisions = replies.map((r) => (r.ok ? (r.result as { revision: number }).revision : 0));
      expect(new Set(revisions).size).toBe(20);
      // Answered from the follower's own apply: the follower has every write already.
      expect(replica.appliedIndex).toBeGreaterThanOrEqual(Math.max(...revisions));
      for (let i = 0; i < 20; i++) {
        const local = await api.call('kv.get', { key: `sub/${i}`, consistency: 'stale' }, { timeoutMs: 1_000 });
        expect(local.ok && (local.result as { value: Uint8Array }).value).toEqual(bytes(String(i)));
      }
      const deleted = await api.call('kv.delete', { key: 'sub/0' }, { timeoutMs: 5_000 });
      expect(deleted.ok && (deleted.result as { deleted: boolean }).deleted).toBe(true);
      const txn = await api.call('txn', { compare: [], success: [{ op: 'put', key: 'sub/t', value: bytes('t') }], failure: [] }, { timeoutMs: 5_000 });
      expect(txn).toMatchObject({ ok: true });
      expect(forwarded).toEqual([]);
    } finally {
      await http.stop();
    }
  });
});
