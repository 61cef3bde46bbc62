// The leader announces what it applied on `atlas.<cluster>.events.commit`: one message per event-loop
// turn. While a gateway holds a watch-interest lease (watch-interest.ts) the message lists each
// revision's KV events, so gateways serve watches without polling; otherwise it is a summary of the
// revision range. Followers stay silent; a gateway fills any gap (a summary, a leader change) from
// `watch.history`. The message is published at the end of the turn (next-turn.ts), with the replies
// to the writes it reports, so both leave in one socket write.

import type { KvMachine } from '../machines/kv/machine.ts';
import type { WatchEvent } from '../machines/kv/commands.ts';
import type { EventSink } from '../replica/ports.ts';
import type { Replica } from '../replica/replica.ts';
import { deferToTurnEnd } from './next-turn.ts';
import type { WatchInterest } from './watch-interest.ts';

export interface CommitRevision {
  readonly revision: number;
  readonly events: readonly WatchEvent[];
}

/** One turn's commits: `revisions` in full while watched, else only `fromRevision`..`toRevision`. */
export interface CommitEvent {
  readonly leader: string;
  readonly term: number;
  readonly appliedIndex: number;
  readonly lamport: number;
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly revisions?: readonly CommitRevision[];
}

/** Starts publishing; returns the stop function. */
export function publishCommits(replica: Replica, kv: KvMachine, sink: EventSink, interest: WatchInterest): () => void {
  let pending: CommitRevision[] = [];
  let fromRevision = 0;
  let toRevision = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const revisions = pending;
    const range = { fromRevision, toRevision };
    pending = [];
    fromRevision = 0;
    if (replica.role !== 'leader' || range.fromRevision === 0) return;
    const event: CommitEvent = {
      leader: replica.id,
      term: replica.term,
      appliedIndex: replica.appliedIndex,
      lamport: replica.lamport,
      ...range,
      // All of the turn's revisions or none: a partial list would read as the whole range.
      ...(revisions.length > 0 && revisions[0]!.revision === range.fromRevision ? { revisions } : {}),
    };
    sink.publish('commit', event as unknown as Record<string, unknown>);
  };
  return kv.subscribe((notice) => {
    if (notice.type !== 'events' || replica.role !== 'leader') return;
    if (fromRevision === 0) fromRevision = notice.revision;
    toRevision = notice.revision;
    if (interest.active) pending.push({ revision: notice.revision, events: notice.events });
    else pending = [];
    if (!scheduled) {
      scheduled = true;
      deferToTurnEnd(flush);
    }
  });
}
