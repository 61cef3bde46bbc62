// Many seeds in a row: the soak behind the tests and the CLI, and the seed search that proves an
// injected bug is caught.

import type { RaftFactory } from './node.ts';
import type { ProfileBias } from './profile.ts';
import { DEFAULT_STEPS, runSimulation, type SimResult } from './simulation.ts';

export interface SoakOptions {
  readonly start: number;
  readonly count: number;
  readonly steps?: number;
  readonly makeRaft?: RaftFactory;
  readonly bias?: ProfileBias;
  /** Called after each seed with the number of seeds done. */
  readonly onSeed?: (done: number, result: SimResult) => void;
}

export interface SoakReport {
  readonly seeds: number;
  /** Steps executed over all seeds (fault and convergence phases). */
  readonly steps: number;
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
  readonly failures: readonly SimResult[];
}

export function soak(options: SoakOptions): SoakReport {
  const started = performance.now();
  let steps = 0;
  const failures: SimResult[] = [];
  for (let i = 0; i < options.count; i++) {
    const result = runSimulation({
      seed: options.start + i,
      steps: options.steps ?? DEFAULT_STEPS,
      ...(options.makeRaft ? { makeRaft: options.makeRaft } : {}),
      ...(options.bias ? { bias: options.bias } : {}),
    });
    steps += result.steps;
    if (result.failure) failures.push(result);
    options.onSeed?.(i + 1, result);
  }
  const elapsedMs = performance.now() - started;
  return { seeds: options.count, steps, elapsedMs, stepsPerSecond: Math.round((steps * 1000) / Math.max(1, elapsedMs)), failures };
}

export interface SearchOptions {
  readonly makeRaft: RaftFactory;
  readonly bias?: ProfileBias;
  readonly start?: number;
  readonly maxSeeds: number;
  readonly steps?: number;
  /** Which failures count as found (default: any). */
  readonly accept?: (result: SimResult) => boolean;
}

export interface SearchOutcome {
  /** The first run whose failure was accepted, or null when none was within `maxSeeds`. */
  readonly found: SimResult | null;
  readonly seedsTried: number;
  /** Failures seen on the way that `accept` rejected. */
  readonly other: readonly SimResult[];
}

/** Runs seeds from `start` until one fails in an accepted way, at most `maxSeeds` of them. */
export function searchForViolation(options: SearchOptions): SearchOutcome {
  const start = options.start ?? 1;
  const other: SimResult[] = [];
  for (let i = 0; i < options.maxSeeds; i++) {
    const result = runSimulation({
      seed: start + i,
      steps: options.steps ?? DEFAULT_STEPS,
      makeRaft: options.makeRaft,
      ...(options.bias ? { bias: options.bias } : {}),
    });
    if (result.failure === null) continue;
    if (options.accept === undefined || options.accept(result)) return { found: result, seedsTried: i + 1, other };
    other.push(result);
  }
  return { found: null, seedsTried: options.maxSeeds, other };
}

/** A failed run as a report: seed, broken property, how to replay it, and the trace's last events. */
export function formatFailure(result: SimResult, tailLines = 25): string {
  const f = result.failure;
  if (f === null) return `seed ${result.seed}: ok`;
  return [
    `seed ${result.seed} FAILED at step ${f.step}: ${f.message}`,
    `  replay: npm run sim -- --seed ${result.seed}${result.profile.steps !== DEFAULT_STEPS ? ` --steps ${result.profile.steps}` : ''}`,
    '  last events:',
    ...f.traceTail.slice(-tailLines).map((line) => `    ${line}`),
  ].join('\n');
}
