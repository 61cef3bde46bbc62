import { describe, expect, it } from 'vitest';
import { LogWriter, makeNode, text } from './harness.ts';
import type { RawEntry } from './harness.ts';

/** A seeded workload over both machines: writes, CAS, txns, TTL expiry, retries and garbage entries. */
function workload(seed: number, count: number): RawEntry[] {
  let s = seed >>> 0;
  const rand = (n: number) => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s % n;
  };
  const key = () => `k/${rand(12)}`;
  const log = new LogWriter();
  const entries: RawEntry[] = [];
  const retries: Array<{ machine: string; command: unknown; idempotencyKey: string }> = [];
  for (let i = 0; i < count; i++) {
    if (rand(20) === 0) {
      entries.push(log.raw(Uint8Array.from({ length: rand(16) }, () => rand(256))));
      continue;
    }
    if (rand(8) === 0 && retries.length > 0) {
      entries.push(log.entry(retries[rand(retries.length)]!));
      continue;
    }
    let machine = 'kv';
    let command: unknown;
    switch (rand(9)) {
      case 0:
        command = { type: 'delete', key: key(), ...(rand(2) ? { ifRevision: rand(i + 1) } : {}) };
        break;
      case 1:
        command = { type: 'put', key: key(), value: text(`v${i}`), ifAbsent: true };
        break;
      case 2:
        command = { type: 'put', key: key(), value: text(`v${i}`), ttlSeconds: 1 + rand(3) };
        break;
      case 3:
        command = { type: 'expire', keys: [{ key: key(), modRevision: 1 + rand(i + 1) }] };
        break;
      case 4:
        command = {
          type: 'txn',
          compare: [{ key: key(), exists: rand(2) === 0 }],
          success: [{ op: 'put', key: 'a', value: text(`s${i}`) }, { op: 'get', key: key() }],
          failure: [{ op: 'delete', key: 'a' }],
        };
        break;
      case 5:
        machine = 'bank';
        command = { type: 'open', account: `acct${rand(4)}` };
        break;
      case 6:
        machine = 'bank';
        command = { type: rand(2) ? 'deposit' : 'transfer', account: `acct${rand(4)}`, from: `acct${rand(4)}`, to: 'acct0', amount: 1 + rand(50) };
        break;
      case 7:
        command = { type: 'put', key: key(), value: new Uint8Array(0) };
        break;
      default:
        command = { type: 'put', key: key(), value: text(`v${i}`), ifRevision: rand(i + 1) };
    }
    const idempotencyKey = rand(3) === 0 ? `req-${i}` : undefined;
    if (idempotencyKey) retries.push({ machine, command, idempotencyKey });
    log.clockMs += rand(400);
    entries.push(log.entry({ machine, command, ...(idempotencyKey ? { idempotencyKey } : {}) }));
  }
  return entries;
}

describe('determinism', () => {
  it('two hosts fed the same entries produce the same outcomes and byte-identical snapshots', () => {
    const entries = workload(7, 3000);
    const [a, b] = [makeNode({ host: { dedupTtlMs: 30_000 } }), makeNode({ host: { dedupTtlMs: 30_000 } })];
    for (const entry of entries) expect(a!.host.apply(entry)).toEqual(b!.host.apply(entry));
    const snapshot = a!.host.snapshot();
    expect(snapshot).toEqual(b!.host.snapshot());
    expect(a!.kvQuery({ type: 'revision' }).revision).toBeGreaterThan(100);
    expect(a!.host.dedupRecords).toBeGreaterThan(0);
  });

  it('a host restored mid-log snapshots identically and converges with one that applied everything', () => {
    const entries = workload(99, 2000);
    const full = makeNode();
    const middle = 1200;
    let midSnapshot: Uint8Array = new Uint8Array();
    entries.forEach((entry, i) => {
      full.host.apply(entry);
      if (i + 1 === middle) midSnapshot = full.host.snapshot();
    });

    const restored = makeNode();
    restored.host.restore(midSnapshot);
    expect(restored.host.snapshot()).toEqual(midSnapshot);
    expect(restored.host.appliedIndex).toBe(middle);
    const tailOutcomes = entries.slice(middle).map((entry) => restored.host.apply(entry));
    expect(restored.host.snapshot()).toEqual(full.host.snapshot());

    const replay = makeNode();
    const replayOutcomes = entries.map((entry) => replay.host.apply(entry)).slice(middle);
    expect(tailOutcomes).toEqual(replayOutcomes);
  });

  it('the snapshot changes when the state does (it is not trivially equal)', () => {
    const entries = workload(3, 50);
    const a = makeNode();
    const b = makeNode();
    for (const entry of entries) a.host.apply(entry);
    for (const entry of entries.slice(0, -1)) b.host.apply(entry);
    b.host.markApplied(entries.at(-1)!.index);
    expect(a.host.snapshot()).not.toEqual(b.host.snapshot());
  });
});
