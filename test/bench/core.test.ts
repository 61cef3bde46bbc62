// `npm run bench:core`: options, and a short real run of each operation on each kind of log.

import { describe, expect, it } from 'vitest';
import { formatCoreResult, parseCoreOptions, runCoreBench } from '../../bench/core.ts';

describe('bench:core options', () => {
  it('has defaults and reads every flag', () => {
    expect(parseCoreOptions([])).toEqual({ op: 'put', clients: 64, seconds: 5, warmupSeconds: 1, disk: 'memory' });
    expect(parseCoreOptions(['--op', 'get', '--clients', '8', '--seconds', '0.5', '--warmup', '0', '--disk', 'file'])).toEqual({
      op: 'get', clients: 8, seconds: 0.5, warmupSeconds: 0, disk: 'file',
    });
  });

  it.each([
    [['--op', 'scan'], /--op/],
    [['--disk', 'tape'], /--disk/],
    [['--clients', '0'], /--clients/],
    [['--seconds', '0'], /--seconds/],
    [['--warmup', '-1'], /--warmup/],
    [['--fast', '1'], /unknown flag --fast/],
    [['--op'], /pairs/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCoreOptions(argv)).toThrow(message);
  });
});

describe('bench:core run', () => {
  it.each([
    ['put', 'memory'],
    ['put', 'file'],
    ['get', 'memory'],
  ] as const)('%s on a %s log commits through three replicas and reports its cost', async (op, disk) => {
    const result = await runCoreBench({ op, clients: 8, seconds: 0.4, warmupSeconds: 0.1, disk });
    expect(result.load.errors).toBe(0);
    expect(result.load.throughputPerSecond).toBeGreaterThan(0);
    expect(result.load.latency.p50Ms).toBeGreaterThan(0);
    expect(result.cpuMicrosPerOp).toBeGreaterThan(0);
    // Writes are replicated (Appends and their answers); linearizable reads need heartbeat rounds.
    expect(result.messagesPerOp).toBeGreaterThan(0);
    // Reads write nothing (only a rare raise of the persisted Lamport ceiling syncs).
    if (op === 'put') expect(result.syncsPerOp).toBeGreaterThan(0);
    else expect(result.syncsPerOp).toBeLessThan(0.01);
    expect(formatCoreResult(result)).toMatch(new RegExp(`^${op} @8 clients, 3 replicas in one process, ${disk} log`));
  }, 30_000);
});
