// The bench matrix: every selected system is started (one after another, each idling alone before
// its idle memory and CPU are read) and prefilled, and all stay up. Then each cell (op × concurrency)
// runs every target in turn, `rounds` times with the order rotating (rounds.ts): the systems not being
// measured sit idle meanwhile, and turns a few seconds apart keep a change in the host's speed from
// landing on one system only. The report keeps each cell's median round. Memory is read, failover is
// measured for the systems that have a leader, and every system is stopped.

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
import { medianRound, turnOrder } from './rounds.ts';
import type { BenchTarget, OpKind, RunningSystem, SystemName, TargetName } from './systems/types.ts';
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
  const totalRuns = selectedTargets.length * opts.ops.length * opts.concurrency.length * opts.rounds;
  let runIndex = 0;
  const idleRss = new Map<number, number>();

  /** One closed-loop run of `target`, with the servers' cost per operation. */
  const runCell = async (system: RunningSystem, name: SystemName, target: BenchTarget, op: OpKind, clients: number, label: string): Promise<RunRecord> => {
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
    const costText = Object.entries(perOp).map(([k, v]) => `${k.replace(/PerOp$/, '')} ${v}`).join(', ');
    io.progress.done(
      `${label}: ${Math.round(result.throughputPerSecond)}/s p50 ${result.latency.p50Ms} ms p99 ${result.latency.p99Ms} ms p99.9 ${result.latency.p999Ms} ms${result.errors > 0 ? `, ${result.errors} errors (${result.errorSamples[0]})` : ''}; per op: ${costText}`,
    );
    return { target: target.name, system: name, transport: target.transport, op, ...result, perOp };
  };

  const running: { readonly name: SystemName; readonly system: RunningSystem; readonly http: HttpClient }[] = [];
  try {
    for (const name of opts.systems) {
      const http = createHttpClient(opts.httpClient, Math.max(...opts.concurrency, PREFILL_CONCURRENCY));
      io.progress.update(`starting ${name}`, 0, '');
      let system: RunningSystem;
      try {
        system = await startSystem(name, opts, http, io);
      } catch (error) {
        await http.close();
        throw error;
      }
      running.push({ name, system, http });
      io.progress.done(`${name}: started (${system.version})`);

      io.progress.update(`${name}: idle ${opts.idleSettleSeconds} s`, 0, '');
      const idleBefore = await sampleCounters(system.processes());
      const idleStarted = performance.now();
      await sleep(opts.idleSettleSeconds * 1000);
      const idleCpuMicros = (await sampleCounters(system.processes())).cpuMicros! - idleBefore.cpuMicros!;
      const idleCpuPercent = round2((idleCpuMicros / ((performance.now() - idleStarted) * 1000)) * 100);
      systems.push({ name, version: system.version, notes: system.notes, readSemantics: Object.fromEntries(system.targets.map((t) => [t.name, t.readSemantics])), idleCpuPercent });
      for (const p of system.processes()) {
        const memory = readProcessMemory(p.pid);
        if (memory) idleRss.set(p.pid, megabytes(memory.rssBytes));
      }

      const first = system.targets[0]!;
      io.progress.update(`${name}: prefill ${workload.keys.length} keys`, 0, '');
      const prefillStarted = performance.now();
      await prefill(workload.keys, (key, client) => first.put(client, key, workload.values[0]!), PREFILL_CONCURRENCY);
      io.progress.done(`${name}: prefilled ${workload.keys.length} keys in ${((performance.now() - prefillStarted) / 1000).toFixed(1)} s`);
    }

    const targets = running.flatMap(({ name, system }) =>
      system.targets.filter((t) => opts.targets === null || opts.targets.includes(t.name)).map((target) => ({ name, system, target })),
    );
    for (const op of opts.ops) {
      for (const clients of opts.concurrency) {
        const rounds = new Map<TargetName, RunRecord[]>();
        for (let round = 0; round < opts.rounds; round++) {
          for (const { name, system, target } of turnOrder(targets, round)) {
            runIndex++;
            const roundText = opts.rounds > 1 ? ` (round ${round + 1}/${opts.rounds})` : '';
            const label = `[${runIndex}/${totalRuns}] ${target.name} ${op} @${clients}${roundText}`;
            const record = await runCell(system, name, target, op, clients, label);
            rounds.set(target.name, [...(rounds.get(target.name) ?? []), record]);
          }
        }
        for (const { target } of targets) runs.push(medianRound(rounds.get(target.name)!));
      }
    }

    for (const { name, system } of running) {
      for (const p of system.processes()) {
        const memory = readProcessMemory(p.pid);
        processes.push({ system: name, label: p.label, idleRssMb: idleRss.get(p.pid) ?? null, peakRssMb: memory ? megabytes(memory.peakRssBytes) : null });
      }
    }

    for (const { name, system } of running) {
      if (!opts.failover || !system.failover) continue;
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
    for (const { system, http } of running.reverse()) {
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
      rounds: opts.rounds,
    },
    systems,
    runs,
    processes,
    failovers,
    targets: evaluateTargets(runs, processes, failovers),
    notes: [
      'The load generator is one Node process on the same machine as the servers; every system gets the same generator, workload and HTTP client.',
      'All systems stay up for the whole run; while one is measured the others idle (their idle CPU is listed below).',
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
