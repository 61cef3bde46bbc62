// Safety properties checked while a scenario runs (Raft §5.2, §5.4.3). Each check returns the
// violations it found as printable lines, so a breach shows up in the golden output where it happens.

import type { Entry } from '../../../actors/raft/types.ts';
import type { Replica } from './replica.ts';

export class SafetyMonitor {
  /** The term of every entry applied anywhere, with the first replica that applied it. */
  private readonly appliedTerms = new Map<number, { term: number; by: string }>();
  /** The leader of every term seen so far. */
  private readonly leaders = new Map<number, string>();

  /** Election safety: at most one leader per term. */
  leaderElected(id: string, term: number): string[] {
    const known = this.leaders.get(term);
    if (known === undefined) this.leaders.set(term, id);
    else if (known !== id) return [`SAFETY VIOLATION: ${id} and ${known} both led term ${term}`];
    return [];
  }

  /** State machine safety: no two replicas apply different entries at the same index. */
  applied(id: string, entries: readonly Entry[]): string[] {
    const out: string[] = [];
    for (const e of entries) {
      const first = this.appliedTerms.get(e.index);
      if (!first) this.appliedTerms.set(e.index, { term: e.term, by: id });
      else if (first.term !== e.term) {
        out.push(`SAFETY VIOLATION: ${id} applied ${e.index}/${e.term}, ${first.by} applied ${e.index}/${first.term}`);
      }
    }
    return out;
  }

  /** Every entry a core counts as persisted is in its storage with the same term. */
  durability(replicas: Iterable<Replica>): string[] {
    const out: string[] = [];
    for (const r of replicas) {
      const mismatch = r.durabilityMismatch();
      if (mismatch) out.push(`SAFETY VIOLATION: ${r.id}: ${mismatch}`);
    }
    return out;
  }
}
