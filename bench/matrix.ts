// The bench matrix: each selected system is started alone (so systems never compete for the CPU),
// prefilled, then every target × op × concurrency level is run with the same closed-loop load, then
// memory is read and, for systems with a leader, failover is measured. The system is stopped before
// the next one starts.

import { loadavg, tmpdir, cpus } from 'node:os';
import { createHttpClient, type HttpClient } from './http-client.ts';
import { measureFailover } from './failover.ts';
import { prefill, runClosedLoop } from './load.ts';
import { perOperation, sampleCounters } from './run-cost.ts';
import type { BenchOptions } from './options.ts';
import { megabytes, readProcessMemory } from './process-memory.ts';
import type { ProgressSink } from './progress.ts';
import type { BenchReport, FailoverRecord, ProcessRecord, RunRecord, SystemRecord } from './report-types.ts';
import { startAtlas } from './systems/atlas.ts';
import { startEtcd } from './systems/etcd.ts';
import { startJetStream } from './systems/jetstream.ts';
import { sleep } from './systems/spawned.ts';
import type { RunningSystem, SystemName, TargetName } from './systems/types.ts';
import { evaluateTargets } from './targets.ts';
import { ClientPicker, createWorkload, type Workload } from './workload.ts';

const PREFILL_CONCURRENCY = 64;

/** The targets each system offers (for the progress count before the systems start). */
const TARGETS_OF: Record<SystemName, readonly TargetName[]> = { atlas: ['atlas-http', 'atlas-nats'], etcd: ['etcd-http'], jetstream: ['jetstream-kv'] };

export interface BenchIo {
  readonly progress: ProgressSink;
  readonly log: (line: string) => void;
}

export async function runBench(opts: BenchOptions, io: BenchIo): Promise<BenchReport> {
  const startedAt = new Date();
  const loadAverageAtStart = loadavg().map(round2);
  const workload = createWorkload(opts.keys, opts.valueBytes, opts.seed);
  const runs: RunRecord[] = [];
  const processes: ProcessRecord[] = [];
  const failovers: FailoverRecord[] = [];
  const systems: SystemRecord[] = [];
  const selectedTargets = opts.systems.flatMap((system) => TARGETS_OF[system]).filter((t) => opts.targets === null || opts.targets.includes(t));
  const totalRuns = selectedTargets.length * opts.ops.length * opts.concurrency.length;
  let runIndex = 0;

  for (const name of opts.systems) {
    const http = createHttpClient(opts.httpClient, Math.max(...opts.concurrency, PREFILL_CONCURRENCY));
    io.progress.update(`starting ${name}`, 0, '');
    const system = await startSystem(name, opts, http, io);
    try {
      io.progress.done(`${name}: started (${system.version})`);
      systems.push({ name, version: system.version, notes: system.notes, readSemantics: Object.fromEntries(system.targets.map((t) => [t.name, t.readSemantics])) });

      io.progress.update(`${name}: idle ${opts.idleSettleSeconds} s`, 0, '');
      await sleep(opts.idleSettleSeconds * 1000);
      const idle = new Map<number, number>();
      for (const p of system.processes()) {
        const memory = readProcessMemory(p.pid);
        if (memory) idle.set(p.pid, megabytes(memory.rssBytes));
      }

      const first = system.targets[0]!;
      io.progress.update(`${name}: prefill ${workload.keys.length} keys`, 0, '');
      const prefillStarted = performance.now();
      await prefill(workload.keys, (key, client) => first.put(client, key, workload.values[0]!), PREFILL_CONCURRENCY);
      io.progress.done(`${name}: prefilled ${workload.keys.length} keys in ${((performance.now() - prefillStarted) / 1000).toFixed(1)} s`);

      for (const target of system.targets) {
        if (opts.targets !== null && !opts.targets.includes(target.name)) continue;
        for (const op of opts.ops) {
          for (const clients of opts.concurrency) {
            runIndex++;
            const label = `[${runIndex}/${totalRuns}] ${target.name} ${op} @${clients}`;
            const pickers = Array.from({ length: clients }, (_, c) => new ClientPicker(workload, c));
            const costBefore = await sampleCounters(system.processes(), system.counters);
            const result = await runClosedLoop({
              clients,
              seconds: opts.seconds,
              warmupSeconds: opts.warmupSeconds,
              operation: op === 'put' ? (c) => target.put(c, pickers[c]!.key(), pickers[c]!.value()) : (c) => target.get(c, pickers[c]!.key()),
              onProgress: (p) => io.progress.update(label, p.elapsedSeconds / p.totalSeconds, `${Math.round(p.ops / Math.max(0.001, p.elapsedSeconds))}/s${p.errors > 0 ? ` ${p.errors} errors` : ''}`),
            });
            const costAfter = await sampleCounters(system.processes(), system.counters);
            const perOp = perOperation(costBefore, costAfter, result.throughputPerSecond * (opts.seconds + opts.warmupSeconds));
            runs.push({ target: target.name, system: name, transport: target.transport, op, ...result, perOp });
            const costText = Object.entries(perOp).map(([k, v]) => `${k.replace(/PerOp$/, '')} ${v}`).join(', ');
            io.progress.done(
              `${label}: ${Math.round(result.throughputPerSecond)}/s p50 ${result.latency.p50Ms} ms p99 ${result.latency.p99Ms} ms p99.9 ${result.latency.p999Ms} ms${result.errors > 0 ? `, ${result.errors} errors (${result.errorSamples[0]})` : ''}; per op: ${costText}`,
            );
          }
        }
      }

      for (const p of system.processes()) {
        const memory = readProcessMemory(p.pid);
        processes.push({ system: name, label: p.label, idleRssMb: idle.get(p.pid) ?? null, peakRssMb: memory ? megabytes(memory.peakRssBytes) : null });
      }

      if (opts.failover && system.failover) {
        io.progress.update(`${name}: failover (SIGKILL leader)`, 0, '');
        const labels = system.processes().map((p) => p.label);
        const result = await measureFailover(system.failover, workload);
        const labelOf = (index: number) => labels[index] ?? `member ${index + 1}`;
        failovers.push({
          system: name,
          failoverMs: result.failoverMs,
          killed: labelOf(result.killedEndpoint),
          termBefore: result.termBefore,
          newLeader: result.newLeaderEndpoint === null ? null : labelOf(result.newLeaderEndpoint),
          termAfter: result.termAfter,
          killedTheLeader: result.killedTheLeader,
          steadyPutsPerSecond: result.steadyPutsPerSecond,
          failedWrites: result.failedWrites,
          errorSamples: result.errorSamples,
        });
        io.progress.done(`${name}: failover ${result.failoverMs === null ? 'did not recover' : `${result.failoverMs} ms`} (killed ${labelOf(result.killedEndpoint)})`);
      }
    } finally {
      await http.close();
      await system.stop();
    }
  }

  const finishedAt = new Date();
  return {
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    machine: { cpus: cpus().length, node: process.versions.node, platform: `${process.platform} ${process.arch}`, loadAverageAtStart, loadAverageAtEnd: loadavg().map(round2) },
    config: {
      seconds: opts.seconds,
      warmupSeconds: opts.warmupSeconds,
      concurrency: opts.concurrency,
      systems: opts.systems,
      keys: opts.keys,
      valueBytes: opts.valueBytes,
      seed: opts.seed,
      httpClient: opts.httpClient,
      natsConnections: opts.natsConnections,
      quick: opts.quick,
    },
    systems,
    runs,
    processes,
    failovers,
    targets: evaluateTargets(runs, processes, failovers),
    notes: [
      'The load generator is one Node process on the same machine as the servers; every system gets the same generator, workload and HTTP client.',
      'Failover: 8 closed-loop HTTP put clients (moving to the next member after a failure, 2 s request timeout) plus a probe put every 10 ms; time from the SIGKILL to the first acknowledged put started after it.',
    ],
  };
}

function startSystem(name: SystemName, opts: BenchOptions, http: HttpClient, io: BenchIo): Promise<RunningSystem> {
  const workDir = tmpdir();
  switch (name) {
    case 'atlas':
      return startAtlas({ http, workDir, connections: opts.natsConnections, ...(opts.cpuProfileDir ? { cpuProfileDir: opts.cpuProfileDir } : {}) });
    case 'etcd':
      return startEtcd({ http, workDir, log: io.log });
    case 'jetstream':
      return startJetStream({ workDir, connections: opts.natsConnections });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
