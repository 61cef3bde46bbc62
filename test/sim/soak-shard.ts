// The test soak: SOAK_SEEDS seeds x DEFAULT_STEPS steps, split into shards (one per test file) so
// vitest runs them in parallel workers.

import { expect } from 'vitest';
import { DEFAULT_STEPS } from './simulation.ts';
import { formatFailure, soak } from './soak.ts';

export const SOAK_SEEDS = 2000;
export const SOAK_SHARDS = 4;
/** A shard takes ~10-20 s of CPU; the bound leaves room for a machine shared with other test runs. */
export const SOAK_TIMEOUT_MS = 300_000;

export function runSoakShard(shard: number): void {
  const perShard = SOAK_SEEDS / SOAK_SHARDS;
  const start = 1 + shard * perShard;
  const report = soak({ start, count: perShard, steps: DEFAULT_STEPS });
  console.log(
    `sim soak seeds ${start}-${start + perShard - 1}: ${report.steps} steps in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
      `(${report.stepsPerSecond} steps/s), ${report.failures.length} failures`,
  );
  expect(report.failures.map((r) => formatFailure(r))).toEqual([]);
}
