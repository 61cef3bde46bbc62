import { expect, it } from 'vitest';
import { runSimulation } from './simulation.ts';

it('replays a seed bit for bit: same seed, same trace hash, same outcome', () => {
  const first = runSimulation({ seed: 4242 });
  const second = runSimulation({ seed: 4242 });
  const lines: string[] = [];
  const verbose = runSimulation({ seed: 4242, print: (line) => lines.push(line) });
  expect(first.failure).toBeNull();
  expect(first.events).toBeGreaterThan(1000);
  expect(second.traceHash).toBe(first.traceHash);
  expect(second.events).toBe(first.events);
  expect(second.stats).toEqual(first.stats);
  // Printing every event (the CLI's replay) must not change the run.
  expect(verbose.traceHash).toBe(first.traceHash);
  expect(lines.length).toBe(first.events);
});

it('different seeds give different runs', () => {
  const hashes = new Set([1, 2, 3, 4, 5].map((seed) => runSimulation({ seed, steps: 500 }).traceHash));
  expect(hashes.size).toBe(5);
});
