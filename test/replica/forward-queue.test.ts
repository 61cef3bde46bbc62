import { describe, expect, it } from 'vitest';
import { NotLeaderError } from '../../actors/raft/errors.ts';
import type { ForwardedProposal, ForwardResponse } from '../../actors/raft/types.ts';
import { ForwardQueue, type QueuedProposal } from '../../actors/replica/forward-queue.ts';
import { OutcomeUnknownError } from '../../actors/replica/waiters.ts';
import { WIRE_LIMITS } from '../../actors/transport/codec.ts';

interface Sent {
  readonly leader: string;
  readonly seq: number;
  readonly proposals: readonly ForwardedProposal[];
}

type Settled = { placed: [number, number] } | { failed: Error } | null;

function harness() {
  const sent: Sent[] = [];
  const queue = new ForwardQueue((leader, seq, proposals) => sent.push({ leader, seq, proposals }));
  const results: Settled[] = [];
  const add = (key: string): number => {
    const slot = results.push(null) - 1;
    const item: QueuedProposal = {
      proposal: { machine: 'kv', command: new TextEncoder().encode(key), idempotencyKey: '' },
      placed: (index, term) => (results[slot] = { placed: [index, term] }),
      failed: (error) => (results[slot] = { failed: error }),
    };
    queue.add(item);
    return slot;
  };
  const answer = (seq: number, from: string, firstIndex: number, reject = false): ForwardResponse => ({
    type: 'ForwardResponse', from, to: 'r2', term: 3, lamport: 1, seq, firstIndex, reject,
  });
  return { queue, sent, results, add, answer };
}

describe('ForwardQueue', () => {
  it('sends one Forward per bounded batch and places each proposal at its index', () => {
    const h = harness();
    const count = WIRE_LIMITS.maxProposals + 3;
    for (let i = 0; i < count; i++) h.add(`k${i}`);
    h.queue.flush('r1', 0);
    expect(h.sent.map((s) => s.proposals.length)).toEqual([WIRE_LIMITS.maxProposals, 3]);
    expect(h.sent.every((s) => s.leader === 'r1')).toBe(true);
    expect(h.results.every((r) => r === null)).toBe(true);
    h.queue.settle(h.answer(h.sent[1]!.seq, 'r1', 1_000));
    h.queue.settle(h.answer(h.sent[0]!.seq, 'r1', 10));
    expect(h.results[0]).toEqual({ placed: [10, 3] });
    expect(h.results[WIRE_LIMITS.maxProposals - 1]).toEqual({ placed: [10 + WIRE_LIMITS.maxProposals - 1, 3] });
    expect(h.results[WIRE_LIMITS.maxProposals]).toEqual({ placed: [1_000, 3] });
    expect(h.queue.inFlightCount).toBe(0);
  });

  it('fails a refused Forward as never appended, and ignores answers from anyone but its leader', () => {
    const h = harness();
    h.add('a');
    h.add('b');
    h.queue.flush('r1', 0);
    h.queue.settle(h.answer(h.sent[0]!.seq, 'r3', 5));
    expect(h.results).toEqual([null, null]);
    h.queue.settle(h.answer(h.sent[0]!.seq, 'r1', 0, true));
    for (const r of h.results) expect(r && 'failed' in r && r.failed).toBeInstanceOf(NotLeaderError);
  });

  it('fails queued proposals as never appended when no leader is known', () => {
    const h = harness();
    h.add('a');
    h.queue.flush(null, 0);
    expect(h.sent).toEqual([]);
    expect(h.results[0] && 'failed' in h.results[0] && h.results[0].failed).toBeInstanceOf(NotLeaderError);
  });

  it('on close fails queued proposals as never appended and sent ones as unknown', () => {
    const h = harness();
    h.add('sent');
    h.queue.flush('r1', 0);
    h.add('queued');
    h.queue.close('replica stopped');
    expect(h.results[0] && 'failed' in h.results[0] && h.results[0].failed).toBeInstanceOf(OutcomeUnknownError);
    expect(h.results[1] && 'failed' in h.results[1] && h.results[1].failed).toBeInstanceOf(NotLeaderError);
    expect(h.sent).toHaveLength(1);
    expect(h.queue.inFlightCount).toBe(0);
  });

  it('gives unanswered Forwards an unknown outcome when the leader changes or after the timeout', () => {
    const h = harness();
    h.add('a');
    h.queue.flush('r1', 0);
    h.queue.abandon('the leader changed');
    expect(h.results[0] && 'failed' in h.results[0] && h.results[0].failed).toBeInstanceOf(OutcomeUnknownError);

    h.add('b');
    h.queue.flush('r1', 1_000);
    h.queue.expire(5_000, 10_000);
    expect(h.results[1]).toBeNull();
    h.queue.expire(11_000, 10_000);
    expect(h.results[1] && 'failed' in h.results[1] && h.results[1].failed).toBeInstanceOf(OutcomeUnknownError);
    // A late answer to an expired Forward changes nothing.
    h.queue.settle(h.answer(h.sent[1]!.seq, 'r1', 7));
    expect(h.results[1] && 'failed' in h.results[1]).toBe(true);
  });
});
