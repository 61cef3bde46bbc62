// `npm run bench` flags. `--quick` picks a short configuration; flags given explicitly override it.

import { HTTP_CLIENT_KINDS, type HttpClientKind } from './http-client.ts';
import { SYSTEM_NAMES, type OpKind, type SystemName, type TargetName } from './systems/types.ts';
import { DEFAULT_KEY_COUNT, DEFAULT_SEED, DEFAULT_VALUE_BYTES } from './workload.ts';

export interface BenchOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: readonly number[];
  readonly systems: readonly SystemName[];
  readonly keys: number;
  readonly valueBytes: number;
  readonly seed: number;
  readonly httpClient: HttpClientKind;
  readonly natsConnections: number;
  /** Measure leader failover for the systems that have one. */
  readonly failover: boolean;
  /** How long each freshly started cluster idles before its RSS is read. */
  readonly idleSettleSeconds: number;
  readonly outDir: string;
  /** When set, Atlas replicas run with --cpu-prof and write profiles here. */
  readonly cpuProfileDir: string | null;
  readonly quick: boolean;
  /** Operations to run (default both); narrowing helps profiling one workload. */
  readonly ops: readonly OpKind[];
  /** Target names to run (e.g. atlas-http); null runs every target of the selected systems. */
  readonly targets: readonly TargetName[] | null;
  /** Times each cell runs, the targets taking turns (rounds.ts); the report keeps the median round. */
  readonly rounds: number;
}

export const USAGE = `usage: npm run bench -- [--quick] [--seconds S] [--warmup S] [--concurrency 1,16,64,256]
                       [--systems atlas,etcd,jetstream] [--keys N] [--http-client undici|node]
                       [--nats-connections N] [--idle-settle S] [--no-failover] [--out DIR] [--cpu-prof DIR]
                       [--ops put,get] [--targets atlas-http,atlas-nats,etcd-http,jetstream-kv] [--rounds N]`;

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export function parseBenchOptions(argv: readonly string[], defaultOutDir: string): BenchOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new BenchUsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags.set(arg.slice(2), argv[++i]!);
    else flags.set(arg.slice(2), true);
  }
  const known = new Set(['quick', 'seconds', 'warmup', 'concurrency', 'systems', 'keys', 'http-client', 'nats-connections', 'no-failover', 'out', 'cpu-prof', 'value-bytes', 'seed', 'idle-settle', 'ops', 'targets', 'rounds']);
  for (const name of flags.keys()) if (!known.has(name)) throw new BenchUsageError(`unknown flag --${name}`);
  const quick = flags.get('quick') === true;
  const text = (name: string): string | undefined => {
    const v = flags.get(name);
    if (v === true) throw new BenchUsageError(`--${name} needs a value`);
    return v;
  };
  const num = (name: string, fallback: number, min: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new BenchUsageError(`--${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const concurrency = (text('concurrency') ?? (quick ? '16,64' : '1,16,64,256')).split(',').map((s) => Number(s.trim()));
  if (concurrency.length === 0 || concurrency.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new BenchUsageError('--concurrency must be a comma-separated list of positive integers');
  const systems = (text('systems') ?? SYSTEM_NAMES.join(',')).split(',').map((s) => s.trim());
  for (const s of systems) if (!(SYSTEM_NAMES as readonly string[]).includes(s)) throw new BenchUsageError(`unknown system ${JSON.stringify(s)} (known: ${SYSTEM_NAMES.join(', ')})`);
  const httpClient = text('http-client') ?? 'undici';
  if (!(HTTP_CLIENT_KINDS as readonly string[]).includes(httpClient)) throw new BenchUsageError(`--http-client must be one of ${HTTP_CLIENT_KINDS.join(', ')}`);
  const cpuProf = text('cpu-prof');
  const ops = (text('ops') ?? 'put,get').split(',').map((s) => s.trim());
  if (ops.length === 0 || ops.some((op) => op !== 'put' && op !== 'get')) throw new BenchUsageError('--ops must be a comma-separated list of put, get');
  const targetsText = text('targets');
  return {
    seconds: num('seconds', quick ? 3 : 5, 0.1),
    warmupSeconds: num('warmup', quick ? 0.5 : 1, 0),
    concurrency: [...new Set(concurrency)].sort((a, b) => a - b),
    systems: SYSTEM_NAMES.filter((s) => systems.includes(s)),
    keys: Math.round(num('keys', DEFAULT_KEY_COUNT, 1)),
    valueBytes: Math.round(num('value-bytes', DEFAULT_VALUE_BYTES, 1)),
    seed: Math.round(num('seed', DEFAULT_SEED, 0)),
    httpClient: httpClient as HttpClientKind,
    natsConnections: Math.round(num('nats-connections', 3, 1)),
    failover: flags.get('no-failover') !== true,
    idleSettleSeconds: num('idle-settle', quick ? 3 : 5, 0),
    outDir: text('out') ?? defaultOutDir,
    cpuProfileDir: cpuProf ?? null,
    quick,
    ops: (['put', 'get'] as const).filter((op) => ops.includes(op)),
    targets: parseTargets(targetsText),
    rounds: Math.round(num('rounds', quick ? 1 : 3, 1)),
  };
}

const TARGET_NAMES: readonly TargetName[] = ['atlas-http', 'atlas-nats', 'etcd-http', 'jetstream-kv'];

function parseTargets(text: string | undefined): TargetName[] | null {
  if (text === undefined) return null;
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const name of names) {
    if (!(TARGET_NAMES as readonly string[]).includes(name)) throw new BenchUsageError(`unknown target ${JSON.stringify(name)} (known: ${TARGET_NAMES.join(', ')})`);
  }
  return names as TargetName[];
}
