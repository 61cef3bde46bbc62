// The KV machine's `expired` query against a model: random puts with and without TTLs, rewrites and
// deletes (seeded; a failure names its seed), at random clock readings and limits, also on a state
// restored from a snapshot.

import { describe, expect, it } from 'vitest';
import { seededRng } from '../../actors/raft/rand.ts';
import { compareKeys } from '../../actors/machines/kv/keys.ts';
import { makeNode, text } from './harness.ts';

interface ModelKey {
  modRevision: number;
  expiresAtMs?: number;
}

function modelExpired(model: Map<string, ModelKey>, nowMs: number, limit: number) {
  return [...model]
    .filter(([, k]) => k.expiresAtMs !== undefined && k.expiresAtMs <= nowMs)
    .sort(([a, x], [b, y]) => x.expiresAtMs! - y.expiresAtMs! || compareKeys(a, b))
    .slice(0, limit)
    .map(([key, k]) => ({ key, modRevision: k.modRevision }));
}

describe('kv expired query', () => {
  it.each([7, 8, 9])('returns the due keys soonest first, as a scan of every key would (seed %i)', (seed) => {
    const rng = seededRng(seed);
    const n = makeNode();
    const t0 = n.log.clockMs;
    const model = new Map<string, ModelKey>();
    let logTimeMs = t0;
    for (let step = 0; step < 3_000; step++) {
      const key = `k${rng.nextInt(400)}`;
      logTimeMs += rng.nextInt(50);
      if (rng.nextInt(5) === 0) {
        n.propose({ command: { type: 'delete', key }, logTimeMs });
        model.delete(key);
      } else {
        const ttlSeconds = rng.nextInt(3) === 0 ? undefined : 1 + rng.nextInt(30);
        const result = n.propose({ command: { type: 'put', key, value: text('v'), ...(ttlSeconds ? { ttlSeconds } : {}) }, logTimeMs }).result as {
          revision: number;
        };
        model.set(key, { modRevision: result.revision, ...(ttlSeconds ? { expiresAtMs: logTimeMs + ttlSeconds * 1000 } : {}) });
      }
      if (step % 100 === 0) {
        const nowMs = logTimeMs + rng.nextInt(40_000) - 10_000;
        const limit = 1 + rng.nextInt(120);
        expect(n.kvQuery({ type: 'expired', nowMs, limit }).keys, `seed ${seed} step ${step}`).toEqual(modelExpired(model, nowMs, limit));
      }
    }
    const restored = makeNode();
    restored.host.restore(n.host.snapshot());
    for (const nowMs of [t0, logTimeMs, logTimeMs + 15_000, logTimeMs + 60_000]) {
      expect(restored.kvQuery({ type: 'expired', nowMs, limit: 1000 }).keys, `seed ${seed} restored at ${nowMs}`).toEqual(modelExpired(model, nowMs, 1000));
    }
  });

  it('expiring keys takes them out of the index; a rewrite without a TTL takes a key out too', () => {
    const n = makeNode();
    const t0 = n.log.clockMs;
    for (let i = 0; i < 1_500; i++) n.propose({ command: { type: 'put', key: `s${i}`, value: text('v'), ttlSeconds: 1 + (i % 5) }, logTimeMs: t0 });
    n.propose({ command: { type: 'put', key: 's0', value: text('kept') }, logTimeMs: t0 });
    const due = n.kvQuery({ type: 'expired', nowMs: t0 + 5_000, limit: 1000 }).keys as Array<{ key: string }>;
    expect(due).toHaveLength(1000);
    expect(due.some((d) => d.key === 's0')).toBe(false);
    n.propose({ command: { type: 'expire', keys: due }, logTimeMs: t0 + 5_000 });
    const rest = n.kvQuery({ type: 'expired', nowMs: t0 + 5_000, limit: 1000 }).keys as Array<{ key: string }>;
    expect(rest).toHaveLength(499);
    expect(new Set([...due, ...rest].map((d) => d.key)).size).toBe(1_499);
  });
});
