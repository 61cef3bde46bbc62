// `npm run bench:ab`: option parsing, and one short real run of this checkout against itself.

import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAb, parseAbOptions, runAb } from '../../bench/ab.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('bench:ab options', () => {
  it('defaults A to the current checkout and resolves both against it', () => {
    expect(parseAbOptions(['--b', '../before'], '/x/atlas')).toEqual({
      a: '/x/atlas', b: '/x/before', transport: 'nats', op: 'put', clients: 32, seconds: 8, warmupSeconds: 2, viaFollower: false,
    });
    expect(parseAbOptions(['--b', '/y', '--a', 'z', '--transport', 'http', '--op', 'get', '--clients', '4', '--seconds', '1', '--warmup', '0', '--via-follower'], '/x')).toEqual({
      a: '/x/z', b: '/y', transport: 'http', op: 'get', clients: 4, seconds: 1, warmupSeconds: 0, viaFollower: true,
    });
  });

  it.each([
    [[], /--b is required/],
    [['--b', 'x', '--transport', 'grpc'], /--transport/],
    [['--b', 'x', '--op', 'scan'], /--op/],
    [['--b', 'x', '--clients', '0'], /--clients/],
    [['--b', 'x', '--seconds', 'soon'], /--seconds/],
    [['--b', 'x', '--fast'], /unknown flag --fast/],
    [['b', 'x'], /unexpected argument/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseAbOptions(argv as string[], '/x')).toThrow(message);
  });
});

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
      expect(r.meanSyncMs).toBeGreaterThan(0);
    }
    const text = formatAb(opts, results);
    expect(text).toMatch(/^http put, 2 clients per build, through followers\nA .*\nB .*\nB\/A: throughput \d+\.\d{3}, CPU per op \d+\.\d{3}$/);
  }, 120_000);
});
