// Lamport clock rules of the core: every message carries the sender's clock at send time (each send
// ticks the clock), a receive sets clock = max(local, message) + 1, and an entry carries the
// leader's clock at the moment it was appended.

import { describe, expect, it } from 'vitest';
import { Raft } from '../../actors/raft/raft.ts';
import { seededRng } from '../../actors/raft/rand.ts';
import type { Entry, Message, RestoredState } from '../../actors/raft/types.ts';

const EMPTY: RestoredState = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] };
const encoder = new TextEncoder();

function cluster(ids: string[]): Map<string, Raft> {
  return new Map(
    ids.map((id) => [id, new Raft({ id, rng: seededRng(Number(id)), bootstrap: { voters: ids, learners: [] } }, EMPTY)]),
  );
}

/** Delivers everything until quiet; returns every message in send order and every persisted entry. */
function drain(nodes: Map<string, Raft>): { sent: Message[]; persisted: Entry[] } {
  const sent: Message[] = [];
  const persisted: Entry[] = [];
  for (let round = 0; round < 100; round++) {
    const queue: Message[] = [];
    for (const n of nodes.values()) {
      while (n.hasReady()) {
        const r = n.ready();
        queue.push(...r.messages, ...r.messagesAfterPersist);
        persisted.push(...r.entries);
        n.advance(r);
      }
    }
    if (queue.length === 0) return { sent, persisted };
    sent.push(...queue);
    for (const m of queue) nodes.get(m.to)!.step(m);
  }
  throw new Error('cluster did not settle');
}

/**
 * Ticks `id` until it campaigns, delivering everything after each tick. Every member ticks once first:
 * a new member votes only after its first tick's probes are answered (actors/raft/blank-start.ts).
 */
function elect(nodes: Map<string, Raft>, id: string): Message[] {
  const n = nodes.get(id)!;
  for (const member of nodes.values()) member.tick();
  const sent: Message[] = [...drain(nodes).sent];
  for (let ticks = 0; n.status().role === 'follower'; ticks++) {
    if (ticks > 1_000) throw new Error(`${id} never campaigned`);
    n.tick();
    sent.push(...drain(nodes).sent);
  }
  sent.push(...drain(nodes).sent);
  return sent;
}

describe('Lamport clocks', () => {
  it('stamps every message, and each sender stamps its messages in increasing order', () => {
    const nodes = cluster(['1', '2', '3']);
    const sent = elect(nodes, '1');
    nodes.get('1')!.propose([encoder.encode('a'), encoder.encode('b')]);
    sent.push(...drain(nodes).sent);
    expect(sent.length).toBeGreaterThan(10);
    const last = new Map<string, number>();
    for (const m of sent) {
      expect(m.lamport).toBeGreaterThan(last.get(m.from) ?? 0);
      last.set(m.from, m.lamport);
    }
  });

  it('never sends a message stamped at or below a clock value the sender already showed', () => {
    const nodes = cluster(['1', '2', '3']);
    elect(nodes, '1');
    for (const n of nodes.values()) {
      const before = n.lamport;
      n.readIndex('r');
      n.tick();
      n.tick();
      if (!n.hasReady()) continue;
      const r = n.ready();
      for (const m of [...r.messages, ...r.messagesAfterPersist]) expect(m.lamport).toBeGreaterThan(before);
      n.advance(r);
    }
  });

  it('on receive sets the clock to max(local, message) + 1', () => {
    const nodes = cluster(['1', '2', '3']);
    elect(nodes, '1');
    const follower = nodes.get('2')!;
    const term = follower.status().term;
    // A pre-vote answer a follower ignores: only the clock rule applies, nothing is sent.
    const ignored = (lamport: number): Message => ({ type: 'PreVoteResponse', from: '3', to: '2', term, lamport, reject: true });

    const ahead = follower.lamport + 100;
    follower.step(ignored(ahead));
    expect(follower.lamport).toBe(ahead + 1);

    const before = follower.lamport;
    follower.step(ignored(3));
    expect(follower.lamport).toBe(before + 1);
  });

  it('stamps each entry with the leader clock at append, increasing within a batch', () => {
    const nodes = cluster(['1', '2', '3']);
    elect(nodes, '1');
    const leader = nodes.get('1')!;
    const before = leader.lamport;
    const first = leader.propose([encoder.encode('a'), encoder.encode('b'), encoder.encode('c')]);
    const clockAfterPropose = leader.lamport;
    const { persisted } = drain(nodes);
    const leaderEntries = persisted.filter((e) => e.index >= first).slice(0, 3);
    expect(leaderEntries.map((e) => e.lamport)).toEqual([before + 1, before + 2, before + 3]);
    expect(clockAfterPropose).toBe(before + 3);
  });

  it('followers keep the leader stamps and end with clocks past them', () => {
    const nodes = cluster(['1', '2', '3']);
    elect(nodes, '1');
    const leader = nodes.get('1')!;
    const first = leader.propose([encoder.encode('x')]);
    const { persisted } = drain(nodes);
    const copies = persisted.filter((e) => e.index === first);
    expect(copies).toHaveLength(3);
    expect(new Set(copies.map((e) => e.lamport)).size).toBe(1);
    for (const id of ['2', '3']) expect(nodes.get(id)!.lamport).toBeGreaterThan(copies[0]!.lamport);
  });

  it('observeLamport applies the receive rule to an outside clock', () => {
    const [n] = cluster(['1']).values();
    const clock = n!.lamport;
    expect(n!.observeLamport(clock + 50)).toBe(clock + 51);
    expect(n!.observeLamport(0)).toBe(clock + 52);
  });

  it('a restarted replica resumes at least at the clock of the entries it holds', () => {
    const stored = {
      hardState: { term: 3, vote: '1', commit: 0 },
      snapshot: null,
      entries: [
        { index: 1, term: 3, lamport: 40, type: 0, data: new Uint8Array(0) },
        { index: 2, term: 3, lamport: 57, type: 1, data: encoder.encode('a') },
      ],
    } satisfies RestoredState;
    const n = new Raft({ id: '1', rng: seededRng(1), bootstrap: { voters: ['1', '2', '3'], learners: [] } }, stored);
    expect(n.lamport).toBeGreaterThanOrEqual(57);
  });

  it('never goes backwards across a restart: the persisted ceiling bounds every time handed out', () => {
    const node = new Raft({ id: '1', rng: seededRng(1), bootstrap: { voters: ['1'], learners: [] } }, EMPTY);
    let persisted = EMPTY.hardState;
    let exposed = 0;
    for (let i = 0; i < 70_000; i++) {
      exposed = node.observeLamport(0);
      if (i % 5_000 === 0 && node.hasReady()) {
        const ready = node.ready();
        if (ready.hardState) persisted = ready.hardState;
        node.advance(ready);
      }
    }
    // Crash without persisting the latest Ready: the restart must still resume above every exposed time.
    const restarted = new Raft({ id: '1', rng: seededRng(2), bootstrap: { voters: ['1'], learners: [] } }, { hardState: persisted, snapshot: null, entries: [] });
    expect(persisted.lamportCeiling).toBeGreaterThan(0);
    expect(restarted.lamport).toBeGreaterThanOrEqual(exposed);
  });
});
