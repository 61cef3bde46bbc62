// The fault schedule is a pure function of its options: the same seed replays the same faults.

import { describe, expect, it } from 'vitest';
import { describeSchedule, FAULT_KINDS, planSchedule, windowMs } from './schedule.ts';

const replicas = ['r1', 'r2', 'r3'];

describe('planSchedule', () => {
  it('gives the same schedule for the same seed, and another one for another seed', () => {
    const a = planSchedule({ seed: 7, lengthMs: 10 * 60_000, replicas });
    const b = planSchedule({ seed: 7, lengthMs: 10 * 60_000, replicas });
    const c = planSchedule({ seed: 8, lengthMs: 10 * 60_000, replicas });
    expect(b).toEqual(a);
    expect(describeSchedule(b)).toBe(describeSchedule(a));
    expect(describeSchedule(c)).not.toBe(describeSchedule(a));
  });

  it('plans at least the requested length, and every kind once per round by default', () => {
    const schedule = planSchedule({ seed: 1, lengthMs: 5 * 60_000, replicas });
    const planned = schedule.cycles.reduce((sum, cycle) => sum + cycle.quietMs + windowMs(cycle) + cycle.recoverMs, 0);
    expect(planned).toBeGreaterThanOrEqual(5 * 60_000);
    const firstRound = schedule.cycles.slice(0, FAULT_KINDS.length).map((cycle) => cycle.kind);
    expect([...firstRound].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('plans exactly `cycles` cycles of the given kinds, scaled', () => {
    const full = planSchedule({ seed: 3, lengthMs: 0, cycles: 4, kinds: ['bridge'], replicas });
    const short = planSchedule({ seed: 3, lengthMs: 0, cycles: 4, kinds: ['bridge'], replicas, scale: 0.5 });
    expect(full.cycles.map((cycle) => cycle.kind)).toEqual(['bridge', 'bridge', 'bridge', 'bridge']);
    for (const [i, cycle] of short.cycles.entries()) expect(Math.abs(windowMs(cycle) - windowMs(full.cycles[i]!) / 2)).toBeLessThanOrEqual(1);
  });

  it('mixes two or three faults in a mixed cycle, with at most one membership change', () => {
    const schedule = planSchedule({ seed: 11, lengthMs: 0, cycles: 200, kinds: ['mixed'], replicas });
    for (const cycle of schedule.cycles) {
      expect(cycle.parts.length).toBeGreaterThanOrEqual(2);
      expect(cycle.parts.length).toBeLessThanOrEqual(3);
      expect(cycle.parts.filter((part) => part.kind === 'membership').length).toBeLessThanOrEqual(1);
      expect(cycle.parts.some((part) => part.kind === 'wipe')).toBe(false);
    }
  });
});
