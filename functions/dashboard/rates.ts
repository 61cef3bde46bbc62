// Turns successive readings of cumulative counters (commit index, proposals, latency histograms) into
// the points the dashboard plots: per-second rates and latency quantiles over a sliding window.

import { histogramQuantile, type HistogramCounts } from './prometheus.ts';

/** One reading of the cumulative counters; null where the serving process does not report one. */
export interface CounterSample {
  readonly atMs: number;
  /** The cluster's commit index as the leader reports it (monotonic across leaders). */
  readonly commitIndex: number | null;
  /** Proposals appended by the serving replica while leader (atlas_proposals_total). */
  readonly proposalsTotal: number | null;
  readonly commitLatencyMs: HistogramCounts | null;
  readonly fsyncLatencyMs: HistogramCounts | null;
}

/** One plotted point; null means "no data in this window" (drawn as a gap). */
export interface SeriesPoint {
  readonly atMs: number;
  readonly committedPerSec: number | null;
  readonly proposalsPerSec: number | null;
  readonly commitP50Ms: number | null;
  readonly commitP99Ms: number | null;
  readonly fsyncP50Ms: number | null;
  readonly fsyncP99Ms: number | null;
}

export const DEFAULT_RATE_WINDOW_MS = 5_000;

/**
 * A sliding window of readings. Each `add` returns the point for the window ending at that reading,
 * measured against the oldest reading still inside the window. Readings must arrive in time order.
 */
export class RateWindow {
  private readonly samples: CounterSample[] = [];

  constructor(readonly windowMs: number = DEFAULT_RATE_WINDOW_MS) {}

  add(sample: CounterSample): SeriesPoint {
    this.samples.push(sample);
    while (this.samples.length > 2 && this.samples[1]!.atMs <= sample.atMs - this.windowMs) this.samples.shift();
    const base = this.samples[0]!;
    if (base === sample) return emptyPoint(sample.atMs);
    const seconds = (sample.atMs - base.atMs) / 1000;
    return {
      atMs: sample.atMs,
      committedPerSec: perSecond(sample.commitIndex, base.commitIndex, seconds),
      proposalsPerSec: perSecond(sample.proposalsTotal, base.proposalsTotal, seconds),
      commitP50Ms: quantile(0.5, sample.commitLatencyMs, base.commitLatencyMs),
      commitP99Ms: quantile(0.99, sample.commitLatencyMs, base.commitLatencyMs),
      fsyncP50Ms: quantile(0.5, sample.fsyncLatencyMs, base.fsyncLatencyMs),
      fsyncP99Ms: quantile(0.99, sample.fsyncLatencyMs, base.fsyncLatencyMs),
    };
  }
}

export function emptyPoint(atMs: number): SeriesPoint {
  return { atMs, committedPerSec: null, proposalsPerSec: null, commitP50Ms: null, commitP99Ms: null, fsyncP50Ms: null, fsyncP99Ms: null };
}

/** A counter that went down was reset (a restarted process): no rate for this window. */
function perSecond(now: number | null, then: number | null, seconds: number): number | null {
  if (now === null || then === null || seconds <= 0 || now < then) return null;
  return (now - then) / seconds;
}

function quantile(q: number, now: HistogramCounts | null, then: HistogramCounts | null): number | null {
  if (now === null || then === null) return null;
  return histogramQuantile(q, now, then);
}
