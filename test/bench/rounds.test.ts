import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../bench/report-types.ts';
import { medianRound, turnOrder } from '../../bench/rounds.ts';

function round(throughputPerSecond: number, p99Ms: number): RunRecord {
  return {
    target: 'atlas-nats',
    system: 'atlas',
    transport: 'nats',
    op: 'put',
    clients: 64,
    seconds: 5,
    ops: throughputPerSecond * 5,
    errors: 0,
    throughputPerSecond,
    latency: { count: 1, minMs: 1, meanMs: 2, p50Ms: 2, p90Ms: 3, p99Ms, p999Ms: p99Ms, maxMs: p99Ms },
    errorSamples: [],
  };
}

describe('medianRound', () => {
  it('keeps the median round whole (its latencies too) and lists every round in order', () => {
    const chosen = medianRound([round(9_000, 30), round(4_000, 10), round(7_000, 20)]);
    expect(chosen.throughputPerSecond).toBe(7_000);
    expect(chosen.latency.p99Ms).toBe(20);
    expect(chosen.roundThroughputs).toEqual([9_000, 4_000, 7_000]);
  });

  it('takes the lower median of an even count, and a single round as it is', () => {
    expect(medianRound([round(8_000, 1), round(2_000, 1), round(6_000, 1), round(4_000, 1)]).throughputPerSecond).toBe(4_000);
    const only = round(5_000, 1);
    expect(medianRound([only])).toBe(only);
    expect(() => medianRound([])).toThrow(/at least one/);
  });
});

describe('turnOrder', () => {
  it('rotates by one per round, so every target goes first in some round', () => {
    const targets = ['a', 'b', 'c'];
    expect([0, 1, 2, 3].map((r) => turnOrder(targets, r).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
    expect(turnOrder([], 2)).toEqual([]);
  });
});
