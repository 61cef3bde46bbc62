// The NATS API client against a real nats-server whose API queue group holds a live responder and a
// "zombie": a subscription whose owner never answers (a leader that died without its connection
// closing). Reads and writes with an idempotency key get another attempt after an unanswered one and
// all succeed; a write without one is never sent twice, so some of those time out (outcome unknown);
// the retry budget caps the extra attempts; and a leader that is merely slow is sent each request once.

import type { NatsConnection } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiErrorCode } from '../../actors/api/errors.ts';
import { API_QUEUE_GROUP } from '../../actors/api/nats-api-server.ts';
import { createNatsApiCall } from '../../actors/api/nats-api-client.ts';
import { RetryPolicy } from '../../actors/api/retry-policy.ts';
import { isRetrySafe } from '../../actors/api/retry-safety.ts';
import type { ApiCall } from '../../actors/api/ops.ts';
import { decodeRequest, encodeReply } from '../../actors/api/wire.ts';
import { NatsTestBed } from '../helpers/nats.ts';

const CLUSTER = 'retry';
const bed = new NatsTestBed();
afterEach(() => bed.cleanup());

interface Setup {
  readonly call: ApiCall;
  /** Requests the live responder received, by "op key". */
  readonly received: Map<string, number>;
  /** Requests the unanswering member received. */
  readonly swallowed: () => number;
}

/**
 * A live responder answering after `answerAfterMs`, beside (unless `zombie` is false) a member of the
 * same queue group that never answers, and a client whose attempts wait `attemptMs` (default 400: the
 * answers a cold test process gets in its first moments stay well within a quarter of it).
 */
async function setup(options: { policy?: RetryPolicy; zombie?: boolean; answerAfterMs?: number; attemptMs?: number } = {}): Promise<Setup> {
  const server = await bed.server();
  const live = await bed.connect(server);
  const zombie = await bed.connect(server);
  const client = await bed.connect(server);
  const received = new Map<string, number>();
  live.subscribe(`atlas.${CLUSTER}.api.>`, {
    queue: API_QUEUE_GROUP,
    callback: (error, msg) => {
      if (error) return;
      const op = msg.subject.slice(`atlas.${CLUSTER}.api.`.length);
      const decoded = decodeRequest(msg.data, 'msgpack');
      const key = decoded.ok ? String(decoded.request.key) : '?';
      received.set(`${op} ${key}`, (received.get(`${op} ${key}`) ?? 0) + 1);
      const answer = () => msg.respond(encodeReply({ ok: true, result: { key }, lamport: 1 }, 'msgpack'));
      if (options.answerAfterMs) setTimeout(answer, options.answerAfterMs);
      else answer();
    },
  });
  let swallowed = 0;
  // Subscribed in the same queue group, never answering: nats-server hands it about half the requests.
  if (options.zombie !== false) zombie.subscribe(`atlas.${CLUSTER}.api.>`, { queue: API_QUEUE_GROUP, callback: () => {
    swallowed++;
  } });
  await Promise.all([live.flush(), zombie.flush()]);
  const call = createNatsApiCall({ nc: client as NatsConnection, cluster: CLUSTER, attemptMs: options.attemptMs ?? 400, ...(options.policy ? { retryPolicy: options.policy } : {}) });
  return { call, received, swallowed: () => swallowed };
}

const sum = (counts: Map<string, number>, prefix: string) => [...counts.entries()].filter(([k]) => k.startsWith(prefix)).reduce((total, [, n]) => total + n, 0);

describe('NATS API client with an unanswering member in the API queue group', () => {
  it('answers every read and every idempotent write by sending another attempt', async () => {
    // Each attempt has even odds of the zombie: 20 s (50 attempts) makes losing every one negligible.
    const DEADLINE = { timeoutMs: 20_000 };
    const { call, received, swallowed } = await setup();
    const reads = await Promise.all(Array.from({ length: 30 }, (_, i) => call('kv.get', { key: `r${i}` }, DEADLINE)));
    expect(reads.filter((r) => !r.ok)).toEqual([]);
    const writes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call('kv.put', { key: `w${i}`, value: new Uint8Array([i]), idempotencyKey: `k${i}` }, DEADLINE)),
    );
    expect(writes.filter((r) => !r.ok)).toEqual([]);
    // A batch of reads and idempotent writes is retry-safe as a whole.
    const batch = await call('batch', { calls: [{ op: 'kv.get', request: { key: 'b0' } }, { op: 'kv.put', request: { key: 'b1', value: new Uint8Array(), idempotencyKey: 'kb1' } }] }, DEADLINE);
    expect(batch.ok).toBe(true);
    expect(swallowed()).toBeGreaterThan(0);
    expect(sum(received, 'kv.get r')).toBeGreaterThanOrEqual(30);
  });

  it('never sends a write without an idempotency key twice: the ones handed to the zombie time out', async () => {
    const { call, received } = await setup();
    const writes = await Promise.all(Array.from({ length: 30 }, (_, i) => call('kv.put', { key: `p${i}`, value: new Uint8Array([i]) }, { timeoutMs: 500 })));
    const timedOut = writes.filter((r) => !r.ok);
    expect(timedOut.length).toBeGreaterThan(0);
    for (const r of timedOut) expect(r.ok ? null : r.error.code).toBe(ApiErrorCode.Timeout);
    for (let i = 0; i < 30; i++) expect(received.get(`kv.put p${i}`) ?? 0).toBeLessThanOrEqual(1);
    expect(writes.length - timedOut.length).toBe(sum(received, 'kv.put p'));
  });

  it('sends no more attempts than its budget allows: the rest wait out their deadline', async () => {
    const policy = new RetryPolicy({ ratio: 0, burst: 2 });
    const { call, received, swallowed } = await setup({ policy, attemptMs: 100 });
    const reads = await Promise.all(Array.from({ length: 30 }, (_, i) => call('kv.get', { key: `b${i}` }, { timeoutMs: 600 })));
    expect(policy.budget).toBe(0);
    expect(sum(received, 'kv.get b') + swallowed()).toBe(32);
    const failed = reads.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) expect(r.ok ? null : r.error.code).toBe(ApiErrorCode.Timeout);
  });
});

describe('NATS API client with a slow leader', () => {
  it('sends no second attempt while answers take longer than a quarter of an attempt: each request reaches the leader once', async () => {
    const { call, received } = await setup({ zombie: false, answerAfterMs: 300, attemptMs: 100 });
    expect((await call('kv.get', { key: 'first' }, { timeoutMs: 5_000 })).ok).toBe(true);
    const reads = await Promise.all(Array.from({ length: 20 }, (_, i) => call('kv.get', { key: `s${i}` }, { timeoutMs: 5_000 })));
    expect(reads.filter((r) => !r.ok)).toEqual([]);
    for (let i = 0; i < 20; i++) expect(received.get(`kv.get s${i}`)).toBe(1);
  });
});

describe('RetryPolicy', () => {
  it('allows its burst at once, then a share of the requests sent, never more than the burst', () => {
    const policy = new RetryPolicy({ ratio: 0.5, burst: 3 });
    expect([policy.mayRetry(100), policy.mayRetry(100), policy.mayRetry(100), policy.mayRetry(100)]).toEqual([true, true, true, false]);
    policy.sent();
    expect(policy.mayRetry(100)).toBe(false);
    policy.sent();
    expect(policy.mayRetry(100)).toBe(true);
    for (let i = 0; i < 100; i++) policy.sent();
    expect(policy.budget).toBe(3);
  });

  it('allows a retry only while the average answer came back within a quarter of the wait', () => {
    const policy = new RetryPolicy({ ratio: 1, burst: 10 });
    policy.answered(10);
    expect(policy.mayRetry(100)).toBe(true);
    for (let i = 0; i < 20; i++) policy.answered(300);
    expect(policy.averageLatencyMs).toBeGreaterThan(250);
    expect(policy.mayRetry(100)).toBe(false);
    expect(policy.mayRetry(2_000)).toBe(true);
  });
});

describe('isRetrySafe', () => {
  it('holds for reads and for writes with an idempotency key, and for batches made only of those', () => {
    expect(isRetrySafe('kv.get', { key: 'a' })).toBe(true);
    expect(isRetrySafe('kv.list', {})).toBe(true);
    expect(isRetrySafe('status', {})).toBe(true);
    expect(isRetrySafe('kv.put', { key: 'a', idempotencyKey: 'k' })).toBe(true);
    expect(isRetrySafe('kv.put', { key: 'a' })).toBe(false);
    expect(isRetrySafe('kv.delete', { key: 'a' })).toBe(false);
    expect(isRetrySafe('txn', {})).toBe(false);
    expect(isRetrySafe('members.remove', { id: 'r3' })).toBe(false);
    expect(isRetrySafe('chat.publish', { channel: 'c' })).toBe(false);
    // Each snapshot.begin holds a backup on the replica; reading its chunks is safe to repeat.
    expect(isRetrySafe('snapshot.begin', {})).toBe(false);
    expect(isRetrySafe('snapshot.read', { token: 't', offset: 0 })).toBe(true);
    expect(isRetrySafe('batch', { calls: [{ op: 'kv.get', request: {} }, { op: 'kv.put', request: { idempotencyKey: 'k' } }] })).toBe(true);
    expect(isRetrySafe('batch', { calls: [{ op: 'kv.get', request: {} }, { op: 'kv.put', request: {} }] })).toBe(false);
    expect(isRetrySafe('batch', { calls: 'nonsense' })).toBe(false);
    expect(isRetrySafe('batch', { calls: [null] })).toBe(false);
  });
});
