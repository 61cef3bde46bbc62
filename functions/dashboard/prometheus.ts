// Reading the serving process's /metrics text (Prometheus exposition format 0.0.4) back into numbers:
// plain samples, cumulative histograms, and quantiles over the difference of two histogram readings
// (what `histogram_quantile(q, rate(h[window]))` computes). Web-standard only.

export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One reading of a histogram: `buckets[i]` is the cumulative count at or below `upperBounds[i]`. */
export interface HistogramCounts {
  /** Ascending upper bounds, `Infinity` last. */
  readonly upperBounds: readonly number[];
  readonly buckets: readonly number[];
  readonly count: number;
  readonly sum: number;
}

const SAMPLE_LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/;
const LABEL_PAIR = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of `text`; comments, blank and malformed lines are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const value = parseSampleValue(match[3]!);
    if (value === null) continue;
    samples.push({ name: match[1]!, labels: parseLabels(match[2] ?? ''), value });
  }
  return samples;
}

/** The value of the first series named `name` whose labels include `where`; null when absent. */
export function sampleValue(samples: readonly PromSample[], name: string, where: Readonly<Record<string, string>> = {}): number | null {
  const found = samples.find((s) => s.name === name && hasLabels(s.labels, where));
  return found ? found.value : null;
}

/**
 * The histogram `name` (its `_bucket`, `_sum` and `_count` series) whose labels include `where`; the
 * first such series when several match. Null when it is absent or incomplete.
 */
export function readHistogram(samples: readonly PromSample[], name: string, where: Readonly<Record<string, string>> = {}): HistogramCounts | null {
  const bucketSamples = samples.filter((s) => s.name === `${name}_bucket` && s.labels.le !== undefined && hasLabels(s.labels, where));
  if (bucketSamples.length === 0) return null;
  const series = seriesKey(bucketSamples[0]!.labels);
  const mine = bucketSamples.filter((s) => seriesKey(s.labels) === series);
  const bounds = mine.map((s) => ({ upper: parseSampleValue(s.labels.le!), count: s.value })).filter((b): b is { upper: number; count: number } => b.upper !== null);
  bounds.sort((a, b) => a.upper - b.upper);
  const seriesLabels = withoutLe(bucketSamples[0]!.labels);
  const count = sampleValue(samples, `${name}_count`, seriesLabels);
  const sum = sampleValue(samples, `${name}_sum`, seriesLabels);
  if (count === null || sum === null || bounds.length === 0 || bounds[bounds.length - 1]!.upper !== Infinity) return null;
  return { upperBounds: bounds.map((b) => b.upper), buckets: bounds.map((b) => b.count), count, sum };
}

/**
 * The q-quantile (0 < q < 1) of the observations made between reading `older` and reading `newer`
 * (all observations in `newer` when `older` is null), interpolated linearly inside the bucket it falls
 * in, as Prometheus does. Null when nothing was observed in between, when the layouts differ, or when
 * the counts went down (the process restarted).
 */
export function histogramQuantile(q: number, newer: HistogramCounts, older: HistogramCounts | null): number | null {
  if (older !== null && !sameLayout(newer, older)) return null;
  const buckets = newer.buckets.map((count, i) => count - (older?.buckets[i] ?? 0));
  if (buckets.some((count) => count < 0)) return null;
  const total = buckets[buckets.length - 1]!;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < buckets.length; i++) {
    if (buckets[i]! < rank) continue;
    const upper = newer.upperBounds[i]!;
    const lower = i === 0 ? 0 : newer.upperBounds[i - 1]!;
    if (upper === Infinity) return lower;
    const below = i === 0 ? 0 : buckets[i - 1]!;
    const inBucket = buckets[i]! - below;
    return inBucket === 0 ? upper : lower + (upper - lower) * ((rank - below) / inBucket);
  }
  return newer.upperBounds[newer.upperBounds.length - 2] ?? null;
}

function sameLayout(a: HistogramCounts, b: HistogramCounts): boolean {
  return a.upperBounds.length === b.upperBounds.length && a.upperBounds.every((bound, i) => bound === b.upperBounds[i]);
}

function parseSampleValue(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of text.matchAll(LABEL_PAIR)) {
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function hasLabels(labels: Readonly<Record<string, string>>, where: Readonly<Record<string, string>>): boolean {
  return Object.entries(where).every(([k, v]) => labels[k] === v);
}

function withoutLe(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { le: _le, ...rest } = labels;
  return rest;
}

function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(withoutLe(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
