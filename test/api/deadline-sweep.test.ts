// DeadlineSweep: deadlines for many operations from one interval that runs only while one is pending.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineSweep, SWEEP_MS } from '../../actors/api/deadline-sweep.ts';
import { DeadlineError } from '../../actors/api/errors.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('DeadlineSweep', () => {
  it('passes results and errors through before the deadline, and forgets them', async () => {
    const sweep = new DeadlineSweep();
    await expect(sweep.bound(Promise.resolve(7), Date.now() + 1_000, 'op')).resolves.toBe(7);
    await expect(sweep.bound(Promise.reject(new Error('boom')), Date.now() + 1_000, 'op')).rejects.toThrow('boom');
    expect(sweep.size).toBe(0);
  });

  it('rejects with DeadlineError once the deadline has passed, at most one sweep late', async () => {
    vi.useFakeTimers();
    const sweep = new DeadlineSweep();
    const never = new Promise<number>(() => {});
    const start = Date.now();
    const late = sweep.bound(never, start + 100, 'the write');
    const later = sweep.bound(never, start + 1_000, 'the read');
    const outcome = late.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(100 + SWEEP_MS);
    const error = await outcome;
    expect(error).toBeInstanceOf(DeadlineError);
    expect((error as Error).message).toMatch(/^the write timed out after \d+ ms$/);
    expect(sweep.size).toBe(1);
    later.catch(() => {});
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sweep.size).toBe(0);
  });

  it('keeps its interval only while a deadline is pending', async () => {
    vi.useFakeTimers();
    const sweep = new DeadlineSweep();
    expect(vi.getTimerCount()).toBe(0);
    let resolve!: (v: number) => void;
    const bounded = sweep.bound(new Promise<number>((r) => (resolve = r)), Date.now() + 500, 'op');
    expect(vi.getTimerCount()).toBe(1);
    resolve(1);
    await bounded;
    await vi.advanceTimersByTimeAsync(SWEEP_MS);
    expect(vi.getTimerCount()).toBe(0);
  });
});
