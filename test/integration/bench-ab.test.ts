// `npm run bench:ab` for real: two clusters of this checkout (with their nats-servers) loaded at once.
// In the integration project, which runs one file at a time, so its load does not slow other tests.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAb, parseAbOptions, runAb } from '../../bench/ab.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('bench:ab run', () => {
  it('loads two clusters at once and reports each, writes through followers included', async () => {
    const opts = parseAbOptions(['--b', '.', '--transport', 'http', '--op', 'put', '--clients', '2', '--seconds', '1', '--warmup', '0.5', '--via-follower'], ROOT);
    const results = await runAb(opts);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.checkout).toBe(ROOT);
      expect(r.opsPerSecond).toBeGreaterThan(0);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
      expect(r.replicaCpuMicrosPerOp).toHaveLength(3);
      expect(r.cpuMicrosPerOp).toBeGreaterThan(0);
      expect(r.natsCpuMicrosPerOp).toBeGreaterThan(0);
      expect(r.meanSyncMs).toBeGreaterThan(0);
    }
    const text = formatAb(opts, results);
    expect(text).toMatch(/^http put, 2 clients per build, through followers\nA .* \+ nats-server \d+ .*\nB .*\nB\/A: throughput \d+\.\d{3}, CPU per op \d+\.\d{3}$/);
  }, 120_000);
});
