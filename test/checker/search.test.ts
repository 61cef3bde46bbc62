import { describe, expect, it } from 'vitest';
import { checkHistory, checkPartition } from '../faults/checker/check.ts';
import type { History, HistoryEntry } from '../faults/checker/history.ts';
import { compileEntries, kvModel } from '../faults/checker/model.ts';
import { partitionHistory } from '../faults/checker/partition.ts';
import { searchLinearization, type SearchOp } from '../faults/checker/wing-gong.ts';
import { bruteForceLinearizable } from './brute-force.ts';
import { INF, history, ok, put, get, unknown } from './dsl.ts';
import { generateLinearizableHistory, mulberry32 } from './generate.ts';
import { randomSmallHistory } from './random-small.ts';

const noBudget = { deadlineMs: Number.POSITIVE_INFINITY, maxSteps: Number.POSITIVE_INFINITY, now: () => 0 };

/** Replays a witness order: every known operation once, real-time order kept, every step legal. */
function expectValidWitness(entries: readonly HistoryEntry[], keys: readonly string[], order: readonly HistoryEntry[]) {
  const ops = compileEntries(entries, keys);
  const byEntry = new Map(ops.map((op) => [op.entry, op]));
  const known = ops.filter((op) => !op.omittable).map((op) => op.entry);
  expect(new Set(order).size).toBe(order.length);
  for (const entry of known) expect(order).toContain(entry);
  let latestCall = Number.NEGATIVE_INFINITY;
  const outOfOrder = order.filter((entry) => {
    const late = byEntry.get(entry)!.ret < latestCall;
    latestCall = Math.max(latestCall, entry.call);
    return late;
  });
  expect(outOfOrder).toEqual([]);
  let state = kvModel(keys).initial;
  for (const entry of order) {
    const next = byEntry.get(entry)!.step(state);
    expect(next).toBeDefined();
    state = next!;
  }
}

/** Also runs the whole checker (partitions, shrinking) when `whole`. */
function crossCheck(h: History, keys: readonly string[], whole: boolean) {
  const expected = bruteForceLinearizable(compileEntries(h, keys), kvModel(keys));
  const result = checkPartition(h, keys, noBudget);
  expect(result.type, JSON.stringify(h)).toBe(expected ? 'linearizable' : 'not-linearizable');
  if (result.type === 'linearizable') expectValidWitness(h, keys, result.order);
  if (whole) expect(checkHistory(h).ok).toBe(expected);
}

describe('the search agrees with brute force', () => {
  it('on random small histories with repeated values, unknowns and txns', () => {
    for (let seed = 1; seed <= 800; seed++) {
      let h = randomSmallHistory(seed, 3 + (seed % 7));
      if (seed % 2 === 0) {
        h = h.map((e, i) => ((i + seed) % 3 === 0 ? ({ ...e, ret: INF, outcome: { type: 'unknown' } } as HistoryEntry) : e));
      }
      crossCheck(h, ['x', 'y'], seed % 10 === 0);
    }
  });

  it('on small generated histories, some with one read made wrong', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const random = mulberry32(seed * 7);
      let h = generateLinearizableHistory({
        seed,
        operations: 4 + (seed % 5),
        keys: 2,
        processes: 3,
        unknownRatio: 0.3,
        failedPutRatio: 0.1,
        txnRatio: 0.2,
      });
      const reads = h.filter((e) => e.op.type === 'get' && e.outcome.type === 'ok');
      const values = h.flatMap((e) => (e.op.type === 'put' || e.op.type === 'cas' ? [e.op.value] : []));
      if (reads.length > 0 && values.length > 0 && random() < 0.6) {
        const wrong = reads[Math.floor(random() * reads.length)]!;
        const value = values[Math.floor(random() * values.length)]!;
        h = h.map((e) => (e === wrong ? ({ ...e, outcome: { type: 'ok', result: value } } as HistoryEntry) : e));
      }
      crossCheck(h, ['k0', 'k1'], seed % 10 === 0);
    }
  });
});

describe('witnesses and budgets', () => {
  it('returns a valid witness for a long generated history', () => {
    const h = generateLinearizableHistory({ seed: 3, operations: 3000, keys: 3, processes: 12, unknownRatio: 0.02, txnRatio: 0.05 });
    const [partition, ...rest] = partitionHistory(h);
    expect(rest).toEqual([]);
    const result = checkPartition(partition!.entries, partition!.keys, noBudget);
    expect(result.type).toBe('linearizable');
    if (result.type === 'linearizable') expectValidWitness(partition!.entries, partition!.keys, result.order);
  });

  it('answers unknown when the step budget runs out', () => {
    const h = history([1, 0, 1, put('x', '1'), ok()], [2, 2, INF, put('x', '2'), unknown], [3, 3, 4, get('x'), ok('2')]);
    expect(checkHistory(h, { maxStepsPerPartition: 2 })).toEqual({
      ok: false,
      checkedOps: 3,
      partitions: 1,
      failures: [],
      unknown: true,
      unknownKeys: [['x']],
    });
  });

  it('answers unknown when the time budget runs out', () => {
    const h = generateLinearizableHistory({ seed: 4, operations: 3000, keys: 1, processes: 8 });
    let nowMs = 0;
    const result = checkHistory(h, { timeoutMs: 10, now: () => (nowMs += 100) });
    expect(result).toMatchObject({ ok: false, unknown: true, unknownKeys: [['k0']] });
  });

  it('works with any model: a counter with increments and reads', () => {
    type Counter = number;
    const op = (call: number, ret: number, step: (n: Counter) => Counter | undefined): SearchOp<Counter> => ({
      call,
      ret,
      omittable: false,
      step,
      readOnly: false,
      writes: [],
      leaves: [],
      observes: [],
      probesKeys: [],
    });
    const increment = (n: Counter) => n + 1;
    const read = (expected: Counter) => (n: Counter) => (n === expected ? n : undefined);
    const model = { initial: 0, stateKey: (n: Counter) => String(n) };
    const concurrent = [op(0, 10, increment), op(0, 10, increment), op(1, 2, read(1)), op(11, 12, read(2))];
    expect(searchLinearization(concurrent, model, noBudget)).toMatchObject({ type: 'linearizable', order: [0, 2, 1, 3] });
    const impossible = [op(0, 1, increment), op(2, 3, read(0))];
    expect(searchLinearization(impossible, model, noBudget)).toMatchObject({ type: 'not-linearizable', frontierOp: 1 });
  });
});
