// The leader announces what it applied on `atlas.<cluster>.events.commit`: one message per event-loop
// turn with each revision's KV events, so gateways can serve watches without polling. Followers stay
// silent; a gateway fills any gap (a leader change) from `watch.history`. The message is published at
// the end of the turn (next-turn.ts), with the replies to the writes it reports, so both leave in one
// socket write.

import type { KvMachine } from '../machines/kv/machine.ts';
import type { WatchEvent } from '../machines/kv/commands.ts';
import type { EventSink } from '../replica/ports.ts';
import type { Replica } from '../replica/replica.ts';
import { deferToTurnEnd } from './next-turn.ts';

export interface CommitRevision {
  readonly revision: number;
  readonly events: readonly WatchEvent[];
}

export interface CommitEvent {
  readonly leader: string;
  readonly term: number;
  readonly appliedIndex: number;
  readonly lamport: number;
  readonly revisions: readonly CommitRevision[];
}

/** Starts publishing; returns the stop function. */
export function publishCommits(replica: Replica, kv: KvMachine, sink: EventSink): () => void {
  let pending: CommitRevision[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const revisions = pending;
    pending = [];
    if (replica.role !== 'leader' || revisions.length === 0) return;
    const event: CommitEvent = {
      leader: replica.id,
      term: replica.term,
      appliedIndex: replica.appliedIndex,
      lamport: replica.lamport,
      revisions,
    };
    sink.publish('commit', event as unknown as Record<string, unknown>);
  };
  return kv.subscribe((notice) => {
    if (notice.type !== 'events' || replica.role !== 'leader') return;
    pending.push({ revision: notice.revision, events: notice.events });
    if (!scheduled) {
      scheduled = true;
      deferToTurnEnd(flush);
    }
  });
}
