// Deadlines for many concurrent operations without a timer each: one interval, running only while
// some deadline is pending, rejects every operation whose deadline has passed with DeadlineError. A
// deadline fires up to SWEEP_MS late. (A timer per operation cost about 0.5 us to set and clear, and
// every write carried two.)

import { DeadlineError } from './errors.ts';

export const SWEEP_MS = 20;

interface Pending {
  readonly at: number;
  readonly startedAt: number;
  readonly what: string;
  readonly reject: (error: unknown) => void;
}

export class DeadlineSweep {
  private readonly pending = new Set<Pending>();
  private timer: ReturnType<typeof setInterval> | null = null;

  /** Settles as `promise` does, or rejects with DeadlineError once `at` (epoch ms) has passed. */
  bound<T>(promise: Promise<T>, at: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { at, startedAt: Date.now(), what, reject };
      this.pending.add(entry);
      if (this.timer === null) this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      promise.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  /** Operations still waiting (for tests). */
  get size(): number {
    return this.pending.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.pending) {
      if (entry.at > now) continue;
      this.pending.delete(entry);
      entry.reject(new DeadlineError(`${entry.what} timed out after ${now - entry.startedAt} ms`));
    }
    if (this.pending.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
