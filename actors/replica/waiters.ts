// Promises the replica settles as the log moves: proposals (by index and term), ReadIndex requests
// (by context) and apply progress (by index).

import type { ApplyOutcome } from '../machines/host.ts';
import type { Entry } from '../raft/types.ts';

/** The entry a proposal got was replaced by another leader's entry: it was not applied. */
export class ProposalLostError extends Error {
  override readonly name = 'ProposalLostError';
}

/** What happened to a proposal cannot be known here (e.g. it was covered by an installed snapshot). */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
}

interface ProposalWaiter {
  readonly term: number;
  resolve(value: { entry: Entry; outcome: ApplyOutcome | undefined }): void;
  reject(error: Error): void;
}

export class ProposalWaiters {
  private readonly waiting = new Map<number, ProposalWaiter>();

  /**
   * Resolves once the entry at `index` is applied, if it still has `term`; rejects otherwise. A waiter
   * already at `index` (a forwarded proposal of an older term, on a replica that now leads and reuses
   * the index) was replaced and is rejected.
   */
  wait(index: number, term: number): Promise<{ entry: Entry; outcome: ApplyOutcome | undefined }> {
    const replaced = this.waiting.get(index);
    if (replaced !== undefined && replaced.term !== term) {
      replaced.reject(new ProposalLostError(`the entry at index ${index} was replaced by a newer leader`));
    }
    return new Promise((resolve, reject) => this.waiting.set(index, { term, resolve, reject }));
  }

  /** Settles the proposal at `entry.index`, if any: applied when the terms agree, lost otherwise. */
  resolve(entry: Entry, outcome: ApplyOutcome | undefined): void {
    if (this.waiting.size === 0) return;
    const waiter = this.waiting.get(entry.index);
    if (!waiter) return;
    this.waiting.delete(entry.index);
    if (waiter.term === entry.term) waiter.resolve({ entry, outcome });
    else waiter.reject(new ProposalLostError(`the entry at index ${entry.index} was replaced by a newer leader`));
  }

  /** Rejects every proposal at or below `index` (used when a snapshot skips over them). */
  failUpTo(index: number, error: Error): void {
    for (const [i, waiter] of this.waiting) {
      if (i <= index) {
        this.waiting.delete(i);
        waiter.reject(error);
      }
    }
  }

  failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  get size(): number {
    return this.waiting.size;
  }
}

interface ReadWaiter {
  resolve(index: number): void;
  reject(error: Error): void;
}

export class ReadWaiters {
  private readonly waiting = new Map<string, ReadWaiter>();

  wait(context: string): Promise<number> {
    return new Promise((resolve, reject) => this.waiting.set(context, { resolve, reject }));
  }

  resolve(context: string, index: number): void {
    const waiter = this.waiting.get(context);
    if (!waiter) return;
    this.waiting.delete(context);
    waiter.resolve(index);
  }

  reject(context: string, error: Error): void {
    const waiter = this.waiting.get(context);
    if (!waiter) return;
    this.waiting.delete(context);
    waiter.reject(error);
  }

  failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  get size(): number {
    return this.waiting.size;
  }
}

/** Waiters on the applied index, kept sorted by the index they wait for. */
export class ApplyWaiters {
  current = 0;
  private waiting: { index: number; resolve(): void; reject(error: Error): void }[] = [];

  wait(index: number): Promise<void> {
    if (index <= this.current) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entry = { index, resolve, reject };
      let i = this.waiting.length;
      while (i > 0 && this.waiting[i - 1]!.index > index) i--;
      this.waiting.splice(i, 0, entry);
    });
  }

  advance(index: number): void {
    if (index <= this.current) return;
    this.current = index;
    let n = 0;
    while (n < this.waiting.length && this.waiting[n]!.index <= index) this.waiting[n++]!.resolve();
    if (n > 0) this.waiting.splice(0, n);
  }

  failAll(error: Error): void {
    for (const w of this.waiting) w.reject(error);
    this.waiting = [];
  }

  get size(): number {
    return this.waiting.length;
  }
}
