// The KV machine's live keys that have a TTL, ordered by deadline (expiresAtMs, then key), so the
// leader's periodic `expired` query reads only the keys that are due instead of every key with a TTL.

import { compareKeys } from './keys.ts';
import { SortedChunks } from './sorted-chunks.ts';

/** A key's deadline in the index. */
export interface Deadline {
  readonly expiresAtMs: number;
  readonly key: string;
}

function compareDeadlines(a: Deadline, b: Deadline): number {
  return a.expiresAtMs - b.expiresAtMs || compareKeys(a.key, b.key);
}

export class ExpiryIndex extends SortedChunks<Deadline> {
  constructor() {
    super(compareDeadlines);
  }

  /** Calls `visit` with each deadline at or before `nowMs`, soonest first, until it returns false. */
  walkDue(nowMs: number, visit: (deadline: Deadline) => boolean): void {
    this.walk((deadline) => deadline.expiresAtMs <= nowMs && visit(deadline));
  }
}
