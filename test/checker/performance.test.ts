import { describe, expect, it } from 'vitest';
import { checkHistory, type CheckResult } from '../faults/checker/check.ts';
import type { History } from '../faults/checker/history.ts';
import { generateLinearizableHistory } from './generate.ts';

/**
 * Budget: a 20,000-operation history over 10 keys from 16 processes checks in well under a few
 * seconds. The machine is shared, so the bound is on the CPU time this process used (wall time,
 * printed too, also counts waiting for a core); the printed times are the measurement.
 */
const CPU_BOUND_MS = 3_000;

function timedCheck(label: string, h: History): { result: CheckResult; cpuMs: number } {
  const cpuBefore = process.cpuUsage();
  const wallStartMs = performance.now();
  const result = checkHistory(h);
  const wallMs = performance.now() - wallStartMs;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${label}: ${result.checkedOps} operations, ${cpuMs.toFixed(0)} ms CPU, ${wallMs.toFixed(0)} ms wall`);
  return { result, cpuMs };
}

describe('performance', () => {
  it('checks 20,000 operations over 10 keys from 16 processes', () => {
    const h = generateLinearizableHistory({ seed: 2024, operations: 20_000, keys: 10, processes: 16 });
    const { result, cpuMs } = timedCheck('linearizable history', h);
    expect(result).toEqual({ ok: true, checkedOps: 20_000, partitions: 10, failures: [] });
    expect(cpuMs).toBeLessThan(CPU_BOUND_MS);
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
    const { result, cpuMs } = timedCheck('with unknown outcomes', h);
    expect(result).toMatchObject({ ok: true, checkedOps: 20_000, partitions: 10 });
    expect(cpuMs).toBeLessThan(CPU_BOUND_MS);
  });
});
