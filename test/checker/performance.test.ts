import { describe, expect, it } from 'vitest';
import { checkHistory } from '../faults/checker/check.ts';
import { generateLinearizableHistory } from './generate.ts';

/**
 * Budget: a 20,000-operation history over 10 keys from 16 processes checks in well under a few
 * seconds. The bound is loose because the machine is shared; the printed time is the measurement.
 */
const BOUND_MS = 5_000;

describe('performance', () => {
  it('checks 20,000 operations over 10 keys from 16 processes', () => {
    const h = generateLinearizableHistory({ seed: 2024, operations: 20_000, keys: 10, processes: 16 });
    const startMs = performance.now();
    const result = checkHistory(h);
    const elapsedMs = performance.now() - startMs;
    console.log(`checked ${result.checkedOps} operations in ${result.partitions} partitions: ${elapsedMs.toFixed(0)} ms`);
    expect(result).toEqual({ ok: true, checkedOps: 20_000, partitions: 10, failures: [] });
    expect(elapsedMs).toBeLessThan(BOUND_MS);
  });

  it('checks the same load with 2% unknown outcomes and failed writes', () => {
    const h = generateLinearizableHistory({
      seed: 2025,
      operations: 20_000,
      keys: 10,
      processes: 16,
      unknownRatio: 0.02,
      failedPutRatio: 0.02,
    });
    const startMs = performance.now();
    const result = checkHistory(h);
    const elapsedMs = performance.now() - startMs;
    console.log(`checked ${result.checkedOps} operations with unknowns: ${elapsedMs.toFixed(0)} ms`);
    expect(result.ok).toBe(true);
    expect(elapsedMs).toBeLessThan(BOUND_MS);
  });
});
