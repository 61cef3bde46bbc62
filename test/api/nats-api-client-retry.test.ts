// The NATS API client against a real nats-server whose API queue group holds a live responder and a
// "zombie": a subscription whose owner never answers (a leader that died without its connection
// closing). Reads and writes with an idempotency key are sent again after an unanswered attempt and
// all succeed; a write without one is never sent twice, so some of those time out (outcome unknown).

import type { NatsConnection } from '@nats-io/nats-core';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiErrorCode } from '../../actors/api/errors.ts';
import { API_QUEUE_GROUP } from '../../actors/api/nats-api-server.ts';
import { createNatsApiCall } from '../../actors/api/nats-api-client.ts';
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
}

async function setup(): Promise<Setup> {
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
      msg.respond(encodeReply({ ok: true, result: { key }, lamport: 1 }, 'msgpack'));
    },
  });
  // Subscribed in the same queue group, never answering: nats-server hands it about half the requests.
  zombie.subscribe(`atlas.${CLUSTER}.api.>`, { queue: API_QUEUE_GROUP, callback: () => {} });
  await Promise.all([live.flush(), zombie.flush()]);
  return { call: createNatsApiCall({ nc: client as NatsConnection, cluster: CLUSTER, attemptMs: 100 }), received };
}

describe('NATS API client with an unanswering member in the API queue group', () => {
  it('answers every read and every idempotent write by sending it again', async () => {
    const { call, received } = await setup();
    const reads = await Promise.all(Array.from({ length: 30 }, (_, i) => call('kv.get', { key: `r${i}` }, { timeoutMs: 5_000 })));
    expect(reads.filter((r) => !r.ok)).toEqual([]);
    const writes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call('kv.put', { key: `w${i}`, value: new Uint8Array([i]), idempotencyKey: `k${i}` }, { timeoutMs: 5_000 })),
    );
    expect(writes.filter((r) => !r.ok)).toEqual([]);
    // A batch of reads and idempotent writes is retry-safe as a whole.
    const batch = await call('batch', { calls: [{ op: 'kv.get', request: { key: 'b0' } }, { op: 'kv.put', request: { key: 'b1', value: new Uint8Array(), idempotencyKey: 'kb1' } }] }, { timeoutMs: 5_000 });
    expect(batch.ok).toBe(true);
    expect(received.get('kv.get r0')).toBeGreaterThanOrEqual(1);
  });

  it('never sends a write without an idempotency key twice: the ones handed to the zombie time out', async () => {
    const { call, received } = await setup();
    const writes = await Promise.all(Array.from({ length: 30 }, (_, i) => call('kv.put', { key: `p${i}`, value: new Uint8Array([i]) }, { timeoutMs: 500 })));
    const timedOut = writes.filter((r) => !r.ok);
    expect(timedOut.length).toBeGreaterThan(0);
    for (const r of timedOut) expect(r.ok ? null : r.error.code).toBe(ApiErrorCode.Timeout);
    for (let i = 0; i < 30; i++) expect(received.get(`kv.put p${i}`) ?? 0).toBeLessThanOrEqual(1);
    expect(writes.length - timedOut.length).toBe([...received.keys()].filter((k) => k.startsWith('kv.put p')).length);
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
    expect(isRetrySafe('batch', { calls: [{ op: 'kv.get', request: {} }, { op: 'kv.put', request: { idempotencyKey: 'k' } }] })).toBe(true);
    expect(isRetrySafe('batch', { calls: [{ op: 'kv.get', request: {} }, { op: 'kv.put', request: {} }] })).toBe(false);
    expect(isRetrySafe('batch', { calls: 'nonsense' })).toBe(false);
    expect(isRetrySafe('batch', { calls: [null] })).toBe(false);
  });
});
