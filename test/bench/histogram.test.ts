import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, bucketIndexOf, bucketRangeOf, LatencyHistogram, MAX_TRACKABLE_US } from '../../bench/histogram.ts';
import { seededRng } from '../../bench/rng.ts';

describe('histogram buckets', () => {
  it('counts values below 256 µs exactly', () => {
    for (let v = 0; v < 256; v++) {
      expect(bucketIndexOf(v)).toBe(v);
      expect(bucketRangeOf(v)).toEqual({ lowUs: v, highUs: v });
    }
  });

  it('puts every value in a bucket that contains it and is at most 1/128 wide', () => {
    const rng = seededRng(7);
    const samples = [256, 257, 511, 512, 513, 1023, 1024, 65_535, 65_536, 1_000_000, MAX_TRACKABLE_US];
    for (let i = 0; i < 5_000; i++) samples.push(Math.floor(2 ** (8 + rng() * 24)));
    for (const v of samples) {
      const index = bucketIndexOf(v);
      expect(index).toBeLessThan(BUCKET_COUNT);
      const { lowUs, highUs } = bucketRangeOf(index);
      expect(lowUs).toBeLessThanOrEqual(v);
      expect(highUs).toBeGreaterThanOrEqual(v);
      expect((highUs - lowUs + 1) / lowUs).toBeLessThanOrEqual(1 / 128);
    }
  });

  it('has consecutive, non-overlapping buckets', () => {
    for (let i = 1; i < BUCKET_COUNT; i++) expect(bucketRangeOf(i).lowUs).toBe(bucketRangeOf(i - 1).highUs + 1);
    expect(bucketRangeOf(BUCKET_COUNT - 1).highUs).toBe(MAX_TRACKABLE_US);
  });

  it('clamps negative and huge values instead of failing', () => {
    expect(bucketIndexOf(-5)).toBe(0);
    expect(bucketIndexOf(1e15)).toBe(BUCKET_COUNT - 1);
  });
});

describe('LatencyHistogram percentiles', () => {
  it('is all zeros when empty', () => {
    const h = new LatencyHistogram();
    expect(h.percentileUs(50)).toBe(0);
    expect(h.summaryMs()).toEqual({ count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 });
  });

  it('gives exact percentiles for small values', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 200; v++) h.record(v);
    expect(h.percentileUs(50)).toBe(100);
    expect(h.percentileUs(99)).toBe(198);
    expect(h.percentileUs(99.9)).toBe(200);
    expect(h.percentileUs(100)).toBe(200);
    expect(h.percentileUs(0)).toBe(1);
  });

  it('reports percentiles of a uniform distribution within 1 % and never below the true value', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v);
    for (const [p, truth] of [[50, 50_000], [90, 90_000], [99, 99_000], [99.9, 99_900]] as const) {
      const got = h.percentileUs(p);
      expect(got).toBeGreaterThanOrEqual(truth);
      expect(got / truth).toBeLessThanOrEqual(1.01);
    }
    expect(h.percentileUs(100)).toBe(100_000);
  });

  it('finds a rare slow tail at p99.9 but not at p99', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 9_980; i++) h.record(1_000);
    for (let i = 0; i < 20; i++) h.record(250_000);
    expect(h.percentileUs(99)).toBeLessThan(1_010);
    expect(h.percentileUs(99.9)).toBeGreaterThanOrEqual(250_000);
    expect(h.percentileUs(99.9)).toBe(250_000); // capped at the largest recorded value
  });

  it('summarises in milliseconds with mean, min and max', () => {
    const h = new LatencyHistogram();
    h.record(1_000);
    h.record(3_000);
    const s = h.summaryMs();
    expect(s.count).toBe(2);
    expect(s.minMs).toBe(1);
    expect(s.maxMs).toBe(3);
    expect(s.meanMs).toBe(2);
    expect(s.p50Ms).toBeGreaterThanOrEqual(1);
    expect(s.p50Ms).toBeLessThan(1.01);
  });

  it('merges into the same result as recording everything in one histogram', () => {
    const rng = seededRng(3);
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 0; i < 10_000; i++) {
      const v = Math.floor(rng() * 1_000_000);
      (i % 3 === 0 ? a : b).record(v);
      all.record(v);
    }
    a.merge(b);
    expect(a.summaryMs()).toEqual(all.summaryMs());
  });
});
