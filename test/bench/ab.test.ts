// `npm run bench:ab` option parsing (a real run is in test/integration/bench-ab.test.ts).

import { describe, expect, it } from 'vitest';
import { formatAb, parseAbOptions, type AbResult } from '../../bench/ab.ts';

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

describe('bench:ab report', () => {
  const result = (checkout: string, opsPerSecond: number, errors: number): AbResult => ({
    checkout,
    opsPerSecond,
    p50Ms: 5,
    p99Ms: 20,
    cpuMicrosPerOp: 150,
    replicaCpuMicrosPerOp: [70, 40, 40],
    natsCpuMicrosPerOp: 30,
    meanSyncMs: 1.5,
    errors,
    errorSample: errors > 0 ? "no responders: 'atlas.ab.api.kv.put'" : null,
  });

  it('prints each build, the ratio, and the errors a build had while measuring', () => {
    const opts = parseAbOptions(['--b', '/b'], '/a');
    const text = formatAb(opts, [result('/a', 4_000, 0), result('/b', 5_000, 12)]);
    expect(text).toContain('B/A: throughput 1.250, CPU per op 1.000');
    expect(text).toContain("12 errors, e.g. no responders: 'atlas.ab.api.kv.put'");
    expect(text.match(/errors/g)).toHaveLength(1);
  });
});
