// A replica that starts with nothing on disk cannot tell a new cluster from a lost disk. If it lost
// its disk, it may have voted in some term before, for a candidate that still counts that vote; voting
// again in that term could elect a second leader for it. So a blank replica neither votes nor
// campaigns until every other voter has told it its current term (a Probe answered with the Probe's
// nonce, so the answer was sent after this replica started). Every term it could have voted in is at
// most the largest of those answers: the candidate it voted for has had at least that term ever since.
// It then takes that term and records an abstention for it, and from there on behaves as usual.
//
// Until then its hard state carries BLANK_VOTE, so a restart before the end is blank again. The price
// is availability: a blank replica waits for every voter, so while one is down it adds no vote.

import type { NodeId } from './types.ts';

/** Persisted as the vote while a replica is blank: not a node id (ids are [A-Za-z0-9_-]). */
export const BLANK_VOTE = '<blank>';
/** Persisted as the vote for the term a replica ends its blank start in: it votes for nobody there. */
export const ABSTAINED_VOTE = '<abstained>';

export class BlankStart {
  private readonly answered = new Map<NodeId, number>();

  constructor(
    /** Echoed by Probe answers; tells them from answers to an earlier run's probes. */
    readonly nonce: number,
  ) {}

  /** Records `from`'s term if `nonce` is this run's. */
  answer(from: NodeId, nonce: number, term: number): void {
    if (nonce !== this.nonce) return;
    this.answered.set(from, Math.max(term, this.answered.get(from) ?? 0));
  }

  /** The voters (other than `self`) that have not answered yet. */
  missing(voters: readonly NodeId[], self: NodeId): NodeId[] {
    return voters.filter((id) => id !== self && !this.answered.has(id));
  }

  /** The largest term any of `voters` answered (0 when none did). */
  highestTerm(voters: readonly NodeId[]): number {
    let highest = 0;
    for (const id of voters) highest = Math.max(highest, this.answered.get(id) ?? 0);
    return highest;
  }
}

/** Whether restored state is that of a replica with nothing on disk, or one whose blank start did not end. */
export function startsBlank(vote: NodeId | null, term: number, lastIndex: number, hasSnapshot: boolean): boolean {
  return vote === BLANK_VOTE || (term === 0 && vote === null && lastIndex === 0 && !hasSnapshot);
}
