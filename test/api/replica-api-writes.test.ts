// ReplicaApi's write path (kv.put, kv.delete, txn) against a stand-in replica: it retries while no
// leader is known, whether Replica.submit throws at once or rejects, and gives up at the deadline.

import { describe, expect, it } from 'vitest';
import { ReplicaApi } from '../../actors/api/replica-api.ts';
import type { KvMachine } from '../../actors/machines/kv/machine.ts';
import { NotLeaderError } from '../../actors/raft/errors.ts';
import type { Replica } from '../../actors/replica/replica.ts';

/** A follower that knows no leader for its first `failures` submits (thrown synchronously, as Replica does). */
function standInReplica(failures: number, how: 'throw' | 'reject') {
  let calls = 0;
  const replica = {
    role: 'follower',
    lamport: 3,
    observeLamport: (n: number) => n,
    submit(_machine: string, command: { key: string }) {
      calls++;
      if (calls <= failures) {
        if (how === 'throw') throw new NotLeaderError(null);
        return Promise.reject(new NotLeaderError(null));
      }
      return Promise.resolve({ index: 9, outcome: { result: { ok: true, key: command.key, revision: 7, lamport: 5 } } });
    },
  };
  return { replica: replica as unknown as Replica, calls: () => calls };
}

function api(replica: Replica): ReplicaApi {
  return new ReplicaApi({ replica, kv: {} as KvMachine, forward: null, leaderWaitStepMs: 5 });
}

describe('ReplicaApi writes', () => {
  for (const how of ['throw', 'reject'] as const) {
    it(`retries a put while no leader is known (submit ${how}s NotLeaderError)`, async () => {
      const stand = standInReplica(3, how);
      const reply = await api(stand.replica).call('kv.put', { key: 'k', value: new Uint8Array([1]) }, { timeoutMs: 2_000 });
      expect(reply).toEqual({ ok: true, result: { key: 'k', revision: 7, lamport: 5 }, lamport: 3 });
      expect(stand.calls()).toBe(4);
    });
  }

  it('answers unavailable once the deadline leaves no time for another attempt', async () => {
    const stand = standInReplica(Number.MAX_SAFE_INTEGER, 'throw');
    const reply = await api(stand.replica).call('kv.put', { key: 'k', value: new Uint8Array([1]) }, { timeoutMs: 60 });
    expect(reply.ok).toBe(false);
    expect(reply.ok === false && reply.error.code).toBe('unavailable');
    expect(stand.calls()).toBeGreaterThan(1);
  });
});
