// `npm run bench:core`: what consensus and the KV machine cost on their own. Three replicas in this one
// process (the real core, KV machine and log stores; consensus messages encoded and decoded as on the
// wire but handed over in memory instead of through NATS), loaded through the leader's API by a closed
// loop of in-process clients. Its CPU per operation, against the server CPU per operation of
// `npm run bench`, is the share that crossing processes costs (NATS clients and server, event-loop
// turns, syscalls); a change to the core or the machine shows here without the noise of five processes
// sharing two cores.
//
//   npm run bench:core -- [--op put|get] [--clients 64] [--seconds 5] [--warmup 1] [--disk memory|file]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ReplicaApi } from '../actors/api/replica-api.ts';
import { FileLogStore } from '../infra/node/file-log-store.ts';
import { MemoryCluster } from '../test/helpers/memory-cluster.ts';
import { prefill, runClosedLoop, type LoadResult } from './load.ts';
import { ClientPicker, createWorkload, DEFAULT_KEY_COUNT } from './workload.ts';

export const CORE_USAGE = 'usage: npm run bench:core -- [--op put|get] [--clients N] [--seconds S] [--warmup S] [--disk memory|file]';

export interface CoreBenchOptions {
  readonly op: 'put' | 'get';
  readonly clients: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** `file`: each replica logs to a FileLogStore in a temporary directory (fsync as in production). */
  readonly disk: 'memory' | 'file';
}

export interface CoreBenchResult {
  readonly options: CoreBenchOptions;
  /** Throughput, latency and errors of the measured window. */
  readonly load: LoadResult;
  /**
   * Per operation over the whole run, warm-up included (operations estimated as throughput x
   * (warm-up + measured seconds), as `npm run bench` counts server costs): user + system CPU of this
   * process (all three replicas and the clients), consensus messages delivered, log syncs.
   */
  readonly cpuMicrosPerOp: number;
  readonly messagesPerOp: number;
  readonly syncsPerOp: number;
}

export function parseCoreOptions(argv: readonly string[]): CoreBenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!;
    const value = argv[i + 1];
    if (!name.startsWith('--') || value === undefined) throw new Error(`expected --flag value pairs, got ${JSON.stringify(argv.slice(i))}\n${CORE_USAGE}`);
    if (!['--op', '--clients', '--seconds', '--warmup', '--disk'].includes(name)) throw new Error(`unknown flag ${name}\n${CORE_USAGE}`);
    flags.set(name.slice(2), value);
  }
  const op = flags.get('op') ?? 'put';
  const disk = flags.get('disk') ?? 'memory';
  const clients = Number(flags.get('clients') ?? 64);
  const seconds = Number(flags.get('seconds') ?? 5);
  const warmupSeconds = Number(flags.get('warmup') ?? 1);
  if (op !== 'put' && op !== 'get') throw new Error(`--op must be put or get\n${CORE_USAGE}`);
  if (disk !== 'memory' && disk !== 'file') throw new Error(`--disk must be memory or file\n${CORE_USAGE}`);
  if (!Number.isSafeInteger(clients) || clients < 1) throw new Error(`--clients must be a positive integer\n${CORE_USAGE}`);
  if (!(seconds > 0)) throw new Error(`--seconds must be positive\n${CORE_USAGE}`);
  if (!(warmupSeconds >= 0)) throw new Error(`--warmup must not be negative\n${CORE_USAGE}`);
  return { op, clients, seconds, warmupSeconds, disk };
}

export async function runCoreBench(options: CoreBenchOptions): Promise<CoreBenchResult> {
  const dataDir = options.disk === 'file' ? mkdtempSync(join(tmpdir(), 'atlas-bench-core-')) : null;
  const cluster = await MemoryCluster.start({
    size: 3,
    tickMs: 50,
    wire: true,
    ...(dataDir !== null ? { logStore: (id: string) => FileLogStore.open(join(dataDir, id)) } : {}),
  });
  try {
    const leader = await cluster.waitForLeader();
    const api = new ReplicaApi({ replica: leader, kv: cluster.kvMachines.get(leader.id)!, forward: null });
    const call = async (op: 'kv.put' | 'kv.get', request: Record<string, unknown>) => {
      const reply = await api.call(op, request, { timeoutMs: 10_000 });
      if (!reply.ok) throw new Error(`${op}: ${reply.error.code}: ${reply.error.message}`);
    };
    const workload = createWorkload(DEFAULT_KEY_COUNT);
    if (options.op === 'get') await prefill(workload.keys, (key) => call('kv.put', { key, value: workload.values[0]! }), 64);
    const pickers = Array.from({ length: options.clients }, (_, c) => new ClientPicker(workload, c));
    const replicas = [...cluster.replicas.values()];
    const cpuBefore = process.cpuUsage();
    const messagesBefore = cluster.network.delivered;
    const syncsBefore = sumSyncs(replicas);
    const load = await runClosedLoop({
      clients: options.clients,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      operation: (c) =>
        options.op === 'put' ? call('kv.put', { key: pickers[c]!.key(), value: pickers[c]!.value() }) : call('kv.get', { key: pickers[c]!.key() }),
    });
    const cpu = process.cpuUsage(cpuBefore);
    const ops = load.throughputPerSecond * (options.warmupSeconds + options.seconds);
    return {
      options,
      load,
      cpuMicrosPerOp: (cpu.user + cpu.system) / ops,
      messagesPerOp: (cluster.network.delivered - messagesBefore) / ops,
      syncsPerOp: (sumSyncs(replicas) - syncsBefore) / ops,
    };
  } finally {
    await cluster.stop();
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatCoreResult(r: CoreBenchResult): string {
  const o = r.options;
  const { load } = r;
  return [
    `${o.op} @${o.clients} clients, 3 replicas in one process, ${o.disk} log, ${o.seconds} s`,
    `  throughput ${Math.round(load.throughputPerSecond)} ops/s, ${load.errors} errors${load.errorSamples.length > 0 ? ` (${load.errorSamples[0]})` : ''}`,
    `  latency ms p50 ${load.latency.p50Ms} p99 ${load.latency.p99Ms}`,
    `  CPU ${r.cpuMicrosPerOp.toFixed(1)} us/op (all three replicas and the clients)`,
    `  consensus messages ${r.messagesPerOp.toFixed(3)}/op, log syncs ${r.syncsPerOp.toFixed(3)}/op`,
  ].join('\n');
}

function sumSyncs(replicas: readonly { readonly metrics: { readonly syncs: number } }[]): number {
  return replicas.reduce((sum, r) => sum + r.metrics.syncs, 0);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    console.log(formatCoreResult(await runCoreBench(parseCoreOptions(process.argv.slice(2)))));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
