import { describe, expect, it } from 'vitest';
import { PeakGauge } from '../../actors/api/peak-gauge.ts';

describe('PeakGauge', () => {
  it('reports the highest value of the current and the previous window', () => {
    let now = 0;
    const gauge = new PeakGauge(1_000, () => now);
    gauge.add(5);
    gauge.add(-4);
    expect(gauge.peak()).toBe(5);
    now = 1_500; // the first window ended: its peak is the previous one now
    gauge.add(1);
    expect(gauge.peak()).toBe(5);
    now = 2_600; // the second window ended with a peak of 2; the 5 is two windows old
    expect(gauge.peak()).toBe(2);
    gauge.add(-2);
    expect(gauge.peak()).toBe(2);
    now = 4_800; // two windows with nothing above 0
    expect(gauge.peak()).toBe(0);
  });

  it('forgets a peak after two idle windows', () => {
    let now = 0;
    const gauge = new PeakGauge(1_000, () => now);
    gauge.add(40);
    gauge.add(-40);
    now = 5_000;
    expect(gauge.peak()).toBe(0);
    gauge.add(3);
    expect(gauge.peak()).toBe(3);
  });
});
