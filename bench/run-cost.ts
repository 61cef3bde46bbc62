// What one operation costs during a run: CPU time of the server processes (from /proc/<pid>/stat,
// Linux), CPU time of the load generator itself (this process; it shares the machine's cores with the
// servers) and, for Atlas, Raft messages and log syncs (from each replica's /metrics).
// Counters are sampled before the run (including its warm-up) and after it; the deltas are divided by
// the operations of the whole run, estimated as throughput × (warm-up + measured seconds).

import { readFileSync } from 'node:fs';
import type { ProcessInfo } from './systems/types.ts';

/** Counter name → cumulative value, summed over the system's server processes. */
export type CounterSample = Readonly<Record<string, number>>;

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of `pid` in microseconds, or null when the process is gone. */
export function processCpuMicros(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export async function sampleCounters(processes: readonly ProcessInfo[], extra?: () => Promise<CounterSample>): Promise<CounterSample> {
  let cpuMicros = 0;
  for (const p of processes) cpuMicros += processCpuMicros(p.pid) ?? 0;
  const client = process.cpuUsage();
  return { cpuMicros, clientCpuMicros: client.user + client.system, ...(extra ? await extra() : {}) };
}

/** Per-operation deltas between two samples, named `<counter>PerOp`, rounded to 2 decimals. */
export function perOperation(before: CounterSample, after: CounterSample, operations: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (operations <= 0) return out;
  for (const [name, value] of Object.entries(after)) {
    const start = before[name];
    if (start === undefined) continue;
    out[`${name}PerOp`] = Math.round(((value - start) / operations) * 100) / 100;
  }
  return out;
}

/** Sums the named Prometheus counters of one /metrics text into `into`. */
export function addPrometheusCounters(text: string, names: Readonly<Record<string, string>>, into: Record<string, number>): void {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const metric = line.slice(0, line.search(/[{ ]/));
    const key = names[metric];
    if (key === undefined) continue;
    into[key] = (into[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
}
