// The simulator's command line.
//   npm run sim -- --seed N [--steps S]                 replay one seed, printing every event
//   npm run sim -- --seeds COUNT [--start S] [--steps S] soak COUNT seeds from S (default 1)
//   either with [--bias NAME]                            reshape every profile (biases.ts: crash-heavy,
//                                                        disk-loss, figure-eight, five-voters)
// Exits non-zero when any seed fails; each failure prints its seed and the trace's last events.

import { PROFILE_BIASES } from './biases.ts';
import type { ProfileBias } from './profile.ts';
import { formatFailure, soak } from './soak.ts';
import { DEFAULT_STEPS, runSimulation } from './simulation.ts';

interface CliArgs {
  readonly seed: number | null;
  readonly seeds: number | null;
  readonly start: number;
  readonly steps: number;
  readonly bias: ProfileBias | null;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const values = new Map<string, number>();
  let bias: ProfileBias | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--bias') {
      const name = argv[++i] ?? '';
      if (!Object.hasOwn(PROFILE_BIASES, name)) throw new Error(`--bias must be one of ${Object.keys(PROFILE_BIASES).join(', ')}`);
      bias = PROFILE_BIASES[name]!;
      continue;
    }
    if (!['--seed', '--seeds', '--start', '--steps'].includes(flag)) throw new Error(`unknown argument ${flag}`);
    const value = Number(argv[++i]);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${flag} needs a non-negative integer`);
    values.set(flag, value);
  }
  const args = {
    seed: values.get('--seed') ?? null,
    seeds: values.get('--seeds') ?? null,
    start: values.get('--start') ?? 1,
    steps: values.get('--steps') ?? DEFAULT_STEPS,
    bias,
  };
  if ((args.seed === null) === (args.seeds === null)) throw new Error('pass exactly one of --seed N or --seeds COUNT');
  return args;
}

function replay(seed: number, steps: number, bias: ProfileBias | null): boolean {
  const result = runSimulation({ seed, steps, ...(bias ? { bias } : {}), print: (line) => console.log(line) });
  console.log(`\nprofile: ${JSON.stringify(result.profile)}`);
  console.log(`stats: ${JSON.stringify(result.stats)}, elections ${result.elections}, acknowledged writes ${result.ackedWrites}`);
  console.log(`trace hash ${result.traceHash} after ${result.steps} steps`);
  if (result.failure) {
    console.log(formatFailure(result));
    return false;
  }
  console.log(`seed ${seed}: ok`);
  return true;
}

function soakSeeds(start: number, count: number, steps: number, bias: ProfileBias | null): boolean {
  const progressEvery = Math.max(1, Math.min(1000, Math.floor(count / 20)));
  const started = performance.now();
  let stepsSoFar = 0;
  const report = soak({
    ...(bias ? { bias } : {}),
    start,
    count,
    steps,
    onSeed: (done, result) => {
      stepsSoFar += result.steps;
      if (result.failure) console.log(formatFailure(result));
      if (done % progressEvery === 0 || done === count) {
        const seconds = (performance.now() - started) / 1000;
        console.log(`${done}/${count} seeds, ${stepsSoFar} steps, ${seconds.toFixed(1)} s, ${Math.round(stepsSoFar / seconds)} steps/s`);
      }
    },
  });
  const failed = report.failures.map((r) => r.seed);
  console.log(
    `${report.seeds} seeds x ${steps} steps: ${report.steps} steps in ${(report.elapsedMs / 1000).toFixed(1)} s ` +
      `(${report.stepsPerSecond} steps/s); ${failed.length === 0 ? 'no failures' : `FAILED seeds: ${failed.join(' ')}`}`,
  );
  return failed.length === 0;
}

function main(): void {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: npm run sim -- --seed N [--steps S] [--bias NAME] | --seeds COUNT [--start S] [--steps S] [--bias NAME]`);
    process.exit(2);
  }
  const ok = args.seed !== null ? replay(args.seed, args.steps, args.bias) : soakSeeds(args.start, args.seeds!, args.steps, args.bias);
  process.exit(ok ? 0 : 1);
}

main();
