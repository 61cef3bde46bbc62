// `npm run bench:ab` option parsing (a real run is in test/integration/bench-ab.test.ts).

import { describe, expect, it } from 'vitest';
import { parseAbOptions } from '../../bench/ab.ts';

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
