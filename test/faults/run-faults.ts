// One fault run against a running FaultCluster: clients load the cluster while the nemesis plays the
// schedule cycle by cycle; after the last cycle every fault is healed, every key is read once more,
// and the whole history is checked for linearizability. On a violation the history, the nemesis log
// and the replicas' output tails are written to the artifacts directory.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory, HistoryRecorder, type CheckFailure, type CheckResult, type History, type HistoryEntry } from './checker/index.ts';
import { writeHistory } from './checker/write-history.ts';
import { sleep } from '../helpers/process-cluster.ts';
import type { FaultCluster } from './fault-cluster.ts';
import type { ReadConsistency } from './kv-client.ts';
import { Nemesis, type PartOutcome } from './nemesis.ts';
import { describeSchedule, windowMs, type Cycle, type Schedule } from './schedule.ts';
import { Workload } from './workload.ts';

export interface FaultRunOptions {
  readonly cluster: FaultCluster;
  readonly schedule: Schedule;
  /** Names this run in keys and artifact files (several runs may share one cluster). */
  readonly label: string;
  readonly clients?: number;
  readonly keysPerCycle?: number;
  /** Client request timeout. */
  readonly timeoutMs?: number;
  readonly readConsistency?: ReadConsistency;
  /** How long the cluster may take to become healthy after a heal (liveness, not safety). */
  readonly healTimeoutMs?: number;
  /** Budget of the linearizability search. */
  readonly checkTimeoutMs?: number;
  readonly artifactsDir?: string;
  /** Name artifacts without a timestamp, replacing the previous run's (for expected violations). */
  readonly overwriteArtifacts?: boolean;
  /** Receives every log line (already prefixed with the run's time). */
  readonly log?: (line: string) => void;
}

export interface OpCounts {
  total: number;
  ok: number;
  fail: number;
  unknown: number;
}

export interface CycleReport {
  readonly cycle: Cycle;
  readonly keys: readonly string[];
  /** Terms started between the fault window's start and the cluster being healthy again. */
  readonly elections: number;
  /** The fault window as it actually ran (from the first part's start to the last heal). */
  readonly faultMs: number;
  /** From the end of the window until the cluster was healthy again. */
  readonly healMs: number;
  /** The whole cycle: quiet, window, heal, recovery. */
  readonly cycleMs: number;
  readonly ops: OpCounts;
  readonly parts: readonly PartOutcome[];
  readonly healNotes: readonly string[];
  readonly failures: readonly CheckFailure[];
  readonly undecided: boolean;
  /** Set when the cluster did not become healthy again; the run stops there. */
  readonly livenessError?: string;
}

export interface FaultRunResult {
  readonly label: string;
  readonly seed: number;
  /** The command that plays the same schedule. */
  readonly rerun: string;
  /** True when the history is linearizable and the cluster recovered after every cycle. */
  readonly ok: boolean;
  readonly linearizable: boolean;
  readonly check: CheckResult;
  readonly cycles: readonly CycleReport[];
  readonly ops: OpCounts;
  readonly finalReads: { readonly read: number; readonly unread: readonly string[] };
  readonly elapsedMs: number;
  readonly livenessError?: string;
  /** Written on a violation, an undecided check or a liveness failure. */
  readonly artifacts?: { readonly history: string; readonly report: string };
  readonly history: History;
  /** Per history entry id: where the request went and what came back (`via r2: 200`). */
  readonly via: ReadonlyMap<number, string>;
}

export async function runFaults(opts: FaultRunOptions): Promise<FaultRunResult> {
  const { cluster, schedule } = opts;
  const recorder = new HistoryRecorder();
  const originMs = performance.now();
  const logLines: string[] = [];
  const log = (line: string) => {
    const stamped = `[${opts.label} +${((performance.now() - originMs) / 1000).toFixed(1)}s] ${line}`;
    logLines.push(stamped);
    opts.log?.(stamped);
  };
  log(`seed ${schedule.seed} (${schedule.rerun}); ${schedule.cycles.length} cycles:\n${describeSchedule(schedule)}`);
  const healTimeoutMs = opts.healTimeoutMs ?? 90_000;
  const nemesis = new Nemesis(cluster, { log });
  const names = new Map([...cluster.ids.map((id) => [cluster.url(id), id] as const), [cluster.gatewayUrl, 'gateway']]);
  const via = new Map<number, string>();
  const workload = new Workload({
    onSent: (entryId, url, answer) => via.set(entryId, `via ${names.get(url) ?? url}: ${answer}`),
    recorder,
    clients: opts.clients ?? 16,
    targets: () => [...cluster.ids.map((id) => cluster.url(id)), cluster.gatewayUrl],
    seed: schedule.seed,
    timeoutMs: opts.timeoutMs ?? 3_000,
    ...(opts.readConsistency ? { readConsistency: opts.readConsistency } : {}),
  });

  await cluster.waitHealthy(healTimeoutMs);
  const cycleRuns: { cycle: Cycle; keys: string[]; elections: number; faultMs: number; healMs: number; cycleMs: number; parts: PartOutcome[]; healNotes: string[]; livenessError?: string }[] = [];
  let livenessError: string | undefined;
  workload.start();
  try {
    for (const cycle of schedule.cycles) {
      const cycleStart = performance.now();
      const keys = Array.from({ length: opts.keysPerCycle ?? 5 }, (_, i) => `${opts.label}.c${cycle.index}.k${i}`);
      workload.setKeys(keys);
      log(`cycle ${cycle.index} ${cycle.kind}: keys ${keys[0]}..; quiet for ${cycle.quietMs} ms`);
      await sleep(cycle.quietMs);

      const termBefore = await maxTerm(cluster);
      const windowStart = performance.now();
      const parts = await Promise.all(
        cycle.parts.map(async (part) => {
          await sleepUntil(windowStart + part.atMs);
          const { outcome, heal } = await nemesis.inject(part);
          await sleepUntil(windowStart + part.atMs + part.durationMs);
          await heal();
          return outcome;
        }),
      );
      const healNotes = await nemesis.healAll();
      const windowEnd = performance.now();
      let cycleLiveness: string | undefined;
      try {
        await cluster.waitHealthy(healTimeoutMs);
      } catch (error) {
        cycleLiveness = error instanceof Error ? error.message : String(error);
        log(`LIVENESS: ${cycleLiveness.split('\n')[0]}`);
      }
      if (cycleLiveness === undefined) {
        for (const outcome of parts) {
          if (outcome.part.kind !== 'wipe' && outcome.part.kind !== 'membership') continue;
          try {
            outcome.notes.push(await nemesis.verifyCaughtUp(outcome.part.target, healTimeoutMs));
          } catch (error) {
            cycleLiveness = error instanceof Error ? error.message : String(error);
            log(`LIVENESS: ${cycleLiveness}`);
          }
        }
      }
      const healMs = performance.now() - windowEnd;
      const termAfter = await maxTerm(cluster);
      log(
        `cycle ${cycle.index}: fault window ${Math.round(windowEnd - windowStart)} ms (planned ${windowMs(cycle)}), ` +
          `healthy ${Math.round(healMs)} ms after heal; term ${termBefore} -> ${termAfter}`,
      );
      if (cycleLiveness === undefined) await sleep(cycle.recoverMs);
      cycleRuns.push({
        cycle,
        keys,
        elections: Math.max(0, termAfter - termBefore),
        faultMs: windowEnd - windowStart,
        healMs,
        cycleMs: performance.now() - cycleStart,
        parts,
        healNotes,
        ...(cycleLiveness !== undefined ? { livenessError: cycleLiveness } : {}),
      });
      if (cycleLiveness !== undefined) {
        livenessError = `cycle ${cycle.index} (${cycle.kind}): ${cycleLiveness}`;
        break;
      }
    }
  } catch (error) {
    // A nemesis step that throws ends the run; the history so far is still checked.
    livenessError = `the run stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    log(`ERROR: ${livenessError}`);
    await nemesis.healAll().catch(() => []);
  }
  await workload.stop();
  const finalReads = livenessError
    ? { read: 0, unread: [...workload.keys] }
    : await workload.finalReads(() => cluster.gatewayUrl, Date.now() + 60_000);
  log(`load stopped; final reads of ${finalReads.read} keys${finalReads.unread.length > 0 ? `, ${finalReads.unread.length} unanswered` : ''}`);

  const history = recorder.history();
  const checkStart = performance.now();
  const check = checkHistory(history, { timeoutMs: opts.checkTimeoutMs ?? 120_000 });
  log(
    `checked ${check.checkedOps} operations in ${check.partitions} partitions in ${Math.round(performance.now() - checkStart)} ms: ` +
      (check.ok ? 'linearizable' : check.failures.length > 0 ? `${check.failures.length} partition(s) NOT linearizable` : 'undecided (search budget ran out)'),
  );

  const cycles: CycleReport[] = cycleRuns.map((run) => {
    const keySet = new Set(run.keys);
    const inCycle = history.filter((entry) => 'key' in entry.op && keySet.has(entry.op.key));
    return {
      cycle: run.cycle,
      keys: run.keys,
      elections: run.elections,
      faultMs: run.faultMs,
      healMs: run.healMs,
      cycleMs: run.cycleMs,
      ops: countOps(inCycle),
      parts: run.parts,
      healNotes: run.healNotes,
      failures: check.failures.filter((failure) => failure.keys.some((key) => keySet.has(key))),
      undecided: (check.unknownKeys ?? []).some((keys) => keys.some((key) => keySet.has(key))),
      ...(run.livenessError !== undefined ? { livenessError: run.livenessError } : {}),
    };
  });

  const linearizable = check.ok;
  const result: FaultRunResult = {
    label: opts.label,
    seed: schedule.seed,
    rerun: schedule.rerun,
    ok: linearizable && livenessError === undefined,
    linearizable,
    check,
    cycles,
    ops: countOps(history),
    finalReads,
    elapsedMs: performance.now() - originMs,
    ...(livenessError !== undefined ? { livenessError } : {}),
    history,
    via,
  };
  if (result.ok) return result;

  const artifacts = await writeArtifacts(opts.artifactsDir ?? 'test-artifacts', opts.overwriteArtifacts ?? false, result, logLines, cluster);
  console.error(describeFailure({ ...result, artifacts }));
  return { ...result, artifacts };
}

export function countOps(entries: History): OpCounts {
  const counts: OpCounts = { total: entries.length, ok: 0, fail: 0, unknown: 0 };
  for (const entry of entries) counts[entry.outcome.type]++;
  return counts;
}

/** The seed, what failed, the minimal counterexamples and where the artifacts are. */
export function describeFailure(result: FaultRunResult): string {
  const lines = [`FAULT RUN ${result.label} FAILED — seed ${result.seed} (same schedule: ${result.rerun})`];
  if (result.livenessError) lines.push(`liveness: ${result.livenessError.split('\n')[0]}`);
  for (const failure of result.check.failures) {
    const cycle = result.cycles.find((c) => c.keys.some((key) => failure.keys.includes(key)));
    lines.push(
      `NOT LINEARIZABLE: keys ${failure.keys.join(',')}${cycle ? ` (cycle ${cycle.cycle.index}, ${cycle.cycle.kind}: ${cycle.parts.map((p) => p.notes.join('; ')).join(' | ')})` : ''}`,
      `minimal counterexample${failure.minimal ? '' : ' (shrinking cut short)'}:`,
      annotate(failure.counterexample, failure.operations, result.via),
    );
  }
  if (result.check.unknown) lines.push(`undecided partitions: ${(result.check.unknownKeys ?? []).map((keys) => keys.join(',')).join(' ')}`);
  if (result.artifacts) lines.push(`history: ${result.artifacts.history}`, `report (schedule, nemesis log, replica output): ${result.artifacts.report}`);
  return lines.join('\n');
}

async function writeArtifacts(
  dir: string,
  overwrite: boolean,
  result: FaultRunResult,
  logLines: readonly string[],
  cluster: FaultCluster,
): Promise<{ history: string; report: string }> {
  mkdirSync(dir, { recursive: true });
  const stamp = overwrite ? '' : `-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const base = join(dir, `faults-${result.label}-seed${result.seed}${stamp}`);
  const history = `${base}.history.json`;
  const report = `${base}.report.txt`;
  await writeHistory(history, result.history);
  writeFileSync(`${base}.via.json`, JSON.stringify(Object.fromEntries(result.via)));
  writeFileSync(
    report,
    [
      describeFailure({ ...result, artifacts: { history, report } }),
      '',
      '=== nemesis log (times match the history: ms since the run started) ===',
      ...logLines,
      '',
      cluster.describeTails(8_000),
      `--- gateway output (tail)\n${cluster.gatewayOutput().slice(-4_000)}`,
    ].join('\n'),
  );
  return { history, report };
}

/** Appends where each operation went to the lines of a rendered counterexample (same order). */
function annotate(rendered: string, operations: readonly HistoryEntry[], via: ReadonlyMap<number, string>): string {
  const sorted = [...operations].sort((a, b) => a.call - b.call || a.id - b.id);
  const lines = rendered.split('\n');
  if (lines.length !== sorted.length) return rendered;
  const width = Math.max(...lines.map((line) => line.length));
  return lines.map((line, i) => `${line.padEnd(width)}   ${via.get(sorted[i]!.id) ?? ''}`.trimEnd()).join('\n');
}

/** The highest term any serving replica reports (-1 when none answers). */
async function maxTerm(cluster: FaultCluster): Promise<number> {
  return Math.max(-1, ...[...(await cluster.views())].map(([, view]) => view.term));
}

function sleepUntil(atMs: number): Promise<void> {
  return sleep(Math.max(0, atMs - performance.now()));
}
