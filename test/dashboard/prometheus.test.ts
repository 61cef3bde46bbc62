import { describe, expect, it } from 'vitest';
import { Histogram } from '../../actors/replica/metrics.ts';
import { histogramQuantile, parsePrometheusText, readHistogram, sampleValue } from '../../functions/dashboard/prometheus.ts';

const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100];

function rendered(h: Histogram, extra = ''): string {
  return `${extra}${h.render()}\n`;
}

describe('reading /metrics text', () => {
  it('parses labelled samples, escaped label values, +Inf and skips comments and malformed lines', () => {
    const samples = parsePrometheusText(
      [
        '# HELP atlas_term Current Raft term',
        '# TYPE atlas_term gauge',
        'atlas_term{cluster="dev",replica="r2"} 7',
        'atlas_odd{path="a\\"b\\\\c"} 1.5 1700000000000',
        'atlas_bucket{le="+Inf"} 12',
        'not a sample line',
        'atlas_nan NaN',
        '',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'atlas_term', labels: { cluster: 'dev', replica: 'r2' }, value: 7 },
      { name: 'atlas_odd', labels: { path: 'a"b\\c' }, value: 1.5 },
      { name: 'atlas_bucket', labels: { le: '+Inf' }, value: 12 },
    ]);
    expect(sampleValue(samples, 'atlas_term', { replica: 'r2' })).toBe(7);
    expect(sampleValue(samples, 'atlas_term', { replica: 'r1' })).toBeNull();
  });

  it('reads back a replica histogram as rendered by the metrics registry', () => {
    const h = new Histogram('atlas_commit_latency_ms', 'Proposal to apply on the leader', BUCKETS_MS);
    for (const v of [0.5, 1.5, 1.5, 3, 40, 400]) h.observe(v);
    const read = readHistogram(parsePrometheusText(rendered(h)), 'atlas_commit_latency_ms');
    expect(read).toEqual({
      upperBounds: [1, 2, 5, 10, 25, 50, 100, Infinity],
      buckets: [1, 3, 4, 4, 4, 5, 5, 6],
      count: 6,
      sum: 446.5,
    });
    expect(readHistogram(parsePrometheusText(rendered(h)), 'atlas_fsync_latency_ms')).toBeNull();
  });
});

describe('histogram quantiles over a window', () => {
  it('interpolates inside the bucket holding the rank, over the observations between two readings', () => {
    const h = new Histogram('atlas_fsync_latency_ms', 'fsync', BUCKETS_MS);
    for (let i = 0; i < 100; i++) h.observe(80);
    const older = readHistogram(parsePrometheusText(rendered(h)), 'atlas_fsync_latency_ms')!;
    // The window: 50 observations in (2, 5] and 50 in (5, 10].
    for (let i = 0; i < 50; i++) h.observe(4);
    for (let i = 0; i < 50; i++) h.observe(8);
    const newer = readHistogram(parsePrometheusText(rendered(h)), 'atlas_fsync_latency_ms')!;

    expect(histogramQuantile(0.5, newer, older)).toBe(5);
    expect(histogramQuantile(0.25, newer, older)).toBeCloseTo(3.5, 10);
    expect(histogramQuantile(0.99, newer, older)).toBeCloseTo(5 + 5 * (49 / 50), 10);
    // Over everything observed, the old slow observations dominate the tail.
    expect(histogramQuantile(0.99, newer, null)).toBeGreaterThan(50);
  });

  it('gives null for an empty window and for a reset counter, and the top finite bound above it', () => {
    const h = new Histogram('x', 'x', BUCKETS_MS);
    h.observe(3);
    const a = readHistogram(parsePrometheusText(rendered(h)), 'x')!;
    expect(histogramQuantile(0.5, a, a)).toBeNull();
    const restarted = new Histogram('x', 'x', BUCKETS_MS);
    const b = readHistogram(parsePrometheusText(rendered(restarted)), 'x')!;
    expect(histogramQuantile(0.5, b, a)).toBeNull();
    h.observe(5_000);
    const c = readHistogram(parsePrometheusText(rendered(h)), 'x')!;
    expect(histogramQuantile(0.99, c, a)).toBe(100);
  });
});
