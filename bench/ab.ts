// `npm run bench:ab`: two Atlas builds side by side. One 3-replica cluster from this checkout (A) and
// one from another checkout (B, `--b DIR`), each with its own nats-server and data on the same disk,
// run at the same time under one closed-loop load generator that gives each the same number of
// clients. A change in the host's speed hits both alike, so the ratio B/A holds where two separate
// runs of `npm run bench` on a shared VM can differ by 2x. Reports, per build: throughput, p50/p99,
// server CPU per operation (per replica and summed) and the mean log sync time.
//
//   git worktree add ../atlas-before HEAD~1 && ln -s "$PWD/node_modules" ../atlas-before/node_modules
//   npm run bench:ab -- --b ../atlas-before --transport http --op put --clients 32 --seconds 8

import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { Pool } from 'undici';
import { startAbCluster, type AbCluster } from './ab-cluster.ts';
import { LatencyHistogram } from './histogram.ts';
import { processCpuMicros } from './run-cost.ts';

export const AB_USAGE = `usage: npm run bench:ab -- --b DIR [--a DIR] [--transport nats|http] [--op put|get]
                          [--clients N] [--seconds S] [--warmup S] [--via-follower]`;

export interface AbOptions {
  readonly a: string;
  readonly b: string;
  readonly transport: 'nats' | 'http';
  readonly op: 'put' | 'get';
  /** Clients per build. */
  readonly clients: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** HTTP only: every client talks to a follower (the write path through a follower). */
  readonly viaFollower: boolean;
}

export interface AbResult {
  readonly checkout: string;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerOp: number;
  readonly replicaCpuMicrosPerOp: readonly number[];
  /** The cluster's nats-server, per operation (not in cpuMicrosPerOp). */
  readonly natsCpuMicrosPerOp: number;
  readonly meanSyncMs: number;
  /** Operations that failed while measuring (each worker pauses briefly after one, then goes on). */
  readonly errors: number;
  readonly errorSample: string | null;
}

export function parseAbOptions(argv: readonly string[], cwd: string): AbOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${AB_USAGE}`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(arg.slice(2), next);
      i++;
    } else flags.set(arg.slice(2), true);
  }
  const text = (name: string, fallback?: string): string => {
    const v = flags.get(name);
    if (typeof v === 'string') return v;
    if (fallback !== undefined) return fallback;
    throw new Error(`--${name} is required\n${AB_USAGE}`);
  };
  const positive = (name: string, fallback: number, min: number): number => {
    const n = Number(text(name, String(fallback)));
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}\n${AB_USAGE}`);
    return n;
  };
  const transport = text('transport', 'nats');
  const op = text('op', 'put');
  if (transport !== 'nats' && transport !== 'http') throw new Error(`--transport must be nats or http\n${AB_USAGE}`);
  if (op !== 'put' && op !== 'get') throw new Error(`--op must be put or get\n${AB_USAGE}`);
  const known = new Set(['a', 'b', 'transport', 'op', 'clients', 'seconds', 'warmup', 'via-follower']);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}\n${AB_USAGE}`);
  return {
    a: resolve(cwd, text('a', cwd)),
    b: resolve(cwd, text('b')),
    transport,
    op,
    clients: Math.floor(positive('clients', 32, 1)),
    seconds: positive('seconds', 8, 0.5),
    warmupSeconds: positive('warmup', 2, 0),
    viaFollower: flags.get('via-follower') === true,
  };
}

const KEYS = 1_000;
const VALUE = new Uint8Array(100).fill(0x61);
/** A worker that saw an error waits this long before its next operation (no hot loop on a fast failure). */
const ERROR_PAUSE_MS = 10;

/** Starts both clusters, loads them together, stops them; results in the order A, B. */
export async function runAb(opts: AbOptions, log: (line: string) => void = () => undefined): Promise<AbResult[]> {
  const clusters: AbCluster[] = [];
  try {
    for (const checkout of [opts.a, opts.b]) {
      log(`starting ${checkout}`);
      clusters.push(await startAbCluster(checkout, tmpdir()));
    }
    for (const cluster of clusters) {
      for (let k = 0; k < KEYS; k++) await cluster.put(`k${k}`, VALUE);
    }
    log(`loading both: ${opts.transport} ${opts.op}, ${opts.clients} clients each, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s`);
    return await measure(clusters, opts);
  } finally {
    await Promise.all(clusters.map((c) => c.stop()));
  }
}

async function measure(clusters: readonly AbCluster[], opts: AbOptions): Promise<AbResult[]> {
  const pools = clusters.map((c) => c.origins.map((origin) => new Pool(origin, { connections: opts.clients })));
  const operation = (i: number, client: number, key: string): Promise<void> => {
    const cluster = clusters[i]!;
    if (opts.transport === 'nats') return opts.op === 'put' ? cluster.put(key, VALUE) : cluster.get(key);
    const replica = opts.viaFollower ? (cluster.leader + 1 + (client % 2)) % 3 : client % 3;
    return httpCall(pools[i]![replica]!, opts.op, key);
  };
  const histograms = clusters.map(() => new LatencyHistogram());
  const errors = clusters.map(() => ({ count: 0, sample: null as string | null }));
  let measuring = false;
  let stopped = false;
  const worker = async (i: number, client: number) => {
    let x = client * 7919 + 1;
    while (!stopped) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const started = performance.now();
      try {
        await operation(i, client, `k${x % KEYS}`);
      } catch (error) {
        if (measuring) {
          errors[i]!.count++;
          errors[i]!.sample ??= error instanceof Error ? error.message : String(error);
        }
        await new Promise((r) => setTimeout(r, ERROR_PAUSE_MS));
        continue;
      }
      if (measuring) histograms[i]!.record((performance.now() - started) * 1000);
    }
  };
  const workers = clusters.flatMap((_, i) => Array.from({ length: opts.clients }, (_, c) => worker(i, c)));
  try {
    await new Promise((r) => setTimeout(r, opts.warmupSeconds * 1000));
    const cpuBefore = clusters.map((c) => [...c.pids, c.natsPid].map((pid) => processCpuMicros(pid) ?? 0));
    const syncBefore = await Promise.all(clusters.map((c) => c.meanSyncMs()));
    measuring = true;
    const startedAt = performance.now();
    await new Promise((r) => setTimeout(r, opts.seconds * 1000));
    measuring = false;
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    const cpuAfter = clusters.map((c) => [...c.pids, c.natsPid].map((pid) => processCpuMicros(pid) ?? 0));
    const syncAfter = await Promise.all(clusters.map((c) => c.meanSyncMs()));
    return clusters.map((cluster, i) => {
      const ops = histograms[i]!.count;
      const perProcess = cpuAfter[i]!.map((after, r) => (ops > 0 ? (after - cpuBefore[i]![r]!) / ops : 0));
      const perReplica = perProcess.slice(0, -1);
      return {
        checkout: cluster.checkout,
        opsPerSecond: ops / elapsedSeconds,
        p50Ms: histograms[i]!.percentileUs(50) / 1000,
        p99Ms: histograms[i]!.percentileUs(99) / 1000,
        cpuMicrosPerOp: perReplica.reduce((a, b) => a + b, 0),
        replicaCpuMicrosPerOp: perReplica,
        natsCpuMicrosPerOp: perProcess.at(-1)!,
        // Cumulative means; the warm-up is included, which both builds share.
        meanSyncMs: syncAfter[i]! || syncBefore[i]!,
        errors: errors[i]!.count,
        errorSample: errors[i]!.sample,
      };
    });
  } finally {
    stopped = true;
    await Promise.allSettled(workers);
    await Promise.all(pools.flat().map((p) => p.close()));
  }
}

async function httpCall(pool: Pool, op: 'put' | 'get', key: string): Promise<void> {
  const res = await pool.request({ method: op === 'put' ? 'PUT' : 'GET', path: `/v1/kv/${key}`, ...(op === 'put' ? { body: VALUE } : {}) });
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`HTTP ${op} ${key}: ${res.statusCode}`);
}

export function formatAb(opts: AbOptions, results: readonly AbResult[]): string {
  const [a, b] = results as [AbResult, AbResult];
  const row = (name: string, r: AbResult) =>
    `${name}  ${Math.round(r.opsPerSecond).toString().padStart(7)}/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms  ` +
    `CPU ${r.cpuMicrosPerOp.toFixed(0).padStart(5)} µs/op [${r.replicaCpuMicrosPerOp.map((v) => v.toFixed(0)).join(', ')}] + nats-server ${r.natsCpuMicrosPerOp.toFixed(0)}  sync ${r.meanSyncMs.toFixed(3)} ms  ${r.checkout}` +
    (r.errors > 0 ? `\n   ${r.errors} errors, e.g. ${r.errorSample}` : '');
  return [
    `${opts.transport} ${opts.op}, ${opts.clients} clients per build${opts.viaFollower ? ', through followers' : ''}`,
    row('A', a),
    row('B', b),
    `B/A: throughput ${(b.opsPerSecond / a.opsPerSecond).toFixed(3)}, CPU per op ${(b.cpuMicrosPerOp / a.cpuMicrosPerOp).toFixed(3)}`,
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  let opts: AbOptions;
  try {
    opts = parseAbOptions(process.argv.slice(2), process.cwd());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  const results = await runAb(opts, (line) => console.error(line));
  console.log(formatAb(opts, results));
  process.exit(0);
}
