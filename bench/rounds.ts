// Rounds: with `--rounds N`, every cell (target × op × clients) runs N times, the targets taking turns
// within each cell (the order rotating by round), and the report keeps one record per cell, the
// round with the median throughput. Systems measured one after another on a shared VM can land in
// different speed phases of the host; turns a few seconds apart, repeated, keep the ratio between two
// systems from being decided by when each one happened to run. Targets pair the rounds instead
// (targets.ts): Atlas's round i against the baseline's round i.

import type { RunRecord } from './report-types.ts';

/**
 * The record of the median round by throughput (the lower median for an even count), with every
 * round's throughput beside it in round order. Needs at least one record, all of one cell.
 */
export function medianRound(rounds: readonly RunRecord[]): RunRecord {
  if (rounds.length === 0) throw new Error('medianRound needs at least one round');
  if (rounds.length === 1) return rounds[0]!;
  const sorted = [...rounds].sort((a, b) => a.throughputPerSecond - b.throughputPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return { ...median, roundThroughputs: rounds.map((r) => r.throughputPerSecond) };
}

/** The order the targets take their turns in round `round` (0-based): rotated by one per round. */
export function turnOrder<T>(targets: readonly T[], round: number): T[] {
  if (targets.length === 0) return [];
  const shift = round % targets.length;
  return [...targets.slice(shift), ...targets.slice(0, shift)];
}
