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
  readonly opsPerSecond: number;
  /** User + system CPU of this process (all three replicas and the clients) per operation. */
  readonly cpuMicrosPerOp: number;
  /** Consensus messages delivered between the replicas per operation. */
  readonly messagesPerOp: number;
  /** Log syncs of the three replicas per operation. */
  readonly syncsPerOp: number;
  readonly errors: number;
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
    const workload = createWorkload(DEFAULT_KEY_COUNT);
    if (options.op === 'get') {
      for (const key of workload.keys) await api.call('kv.put', { key, value: workload.values[0]! }, { timeoutMs: 10_000 });
    }
    let ok = 0;
    let errors = 0;
    let running = true;
    const client = async (c: number) => {
      const picker = new ClientPicker(workload, c);
      while (running) {
        const key = picker.key();
        const reply =
          options.op === 'put'
            ? await api.call('kv.put', { key, value: picker.value() }, { timeoutMs: 10_000 })
            : await api.call('kv.get', { key }, { timeoutMs: 10_000 });
        if (reply.ok) ok++;
        else errors++;
      }
    };
    const clients = Array.from({ length: options.clients }, (_, c) => client(c));
    await sleep(options.warmupSeconds * 1000);
    const replicas = [...cluster.replicas.values()];
    const before = { ok, errors, cpu: process.cpuUsage(), at: performance.now(), messages: cluster.network.delivered, syncs: sumSyncs(replicas) };
    await sleep(options.seconds * 1000);
    const cpu = process.cpuUsage(before.cpu);
    const elapsedSeconds = (performance.now() - before.at) / 1000;
    const ops = ok - before.ok;
    const result: CoreBenchResult = {
      options,
      opsPerSecond: ops / elapsedSeconds,
      cpuMicrosPerOp: ops > 0 ? (cpu.user + cpu.system) / ops : Number.NaN,
      messagesPerOp: ops > 0 ? (cluster.network.delivered - before.messages) / ops : Number.NaN,
      syncsPerOp: ops > 0 ? (sumSyncs(replicas) - before.syncs) / ops : Number.NaN,
      errors: errors - before.errors,
    };
    running = false;
    await Promise.all(clients);
    return result;
  } finally {
    await cluster.stop();
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatCoreResult(r: CoreBenchResult): string {
  const o = r.options;
  return [
    `${o.op} @${o.clients} clients, 3 replicas in one process, ${o.disk} log, ${o.seconds} s`,
    `  throughput ${Math.round(r.opsPerSecond)} ops/s, ${r.errors} errors`,
    `  CPU ${r.cpuMicrosPerOp.toFixed(1)} us/op (all three replicas and the clients)`,
    `  consensus messages ${r.messagesPerOp.toFixed(3)}/op, log syncs ${r.syncsPerOp.toFixed(3)}/op`,
  ].join('\n');
}

function sumSyncs(replicas: readonly { readonly metrics: { readonly syncs: number } }[]): number {
  return replicas.reduce((sum, r) => sum + r.metrics.syncs, 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    console.log(formatCoreResult(await runCoreBench(parseCoreOptions(process.argv.slice(2)))));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
