import { describe, expect, it } from 'vitest';
import type { Append, Forward, SoftState } from '../../actors/raft/types.ts';
import { ForwardAcceptor } from '../../actors/replica/forward-acceptor.ts';

const forward = (from: string, seq: number, term: number, count: number): Forward => ({
  type: 'Forward', from, to: 'r1', term, lamport: 1, seq,
  proposals: Array.from({ length: count }, (_, i) => ({ machine: 'kv', command: new Uint8Array([i]), idempotencyKey: '' })),
});
const notice = (to: string, commit: number): Append => ({ type: 'Append', from: 'r1', to, term: 3, lamport: 1, prevIndex: commit, prevTerm: 3, entries: [], commit });

function harness(soft: SoftState, propose: (data: readonly Uint8Array[]) => number = () => 10) {
  const answers: { to: string; term: number; seq: number; firstIndex: number; reject: boolean }[] = [];
  const proposed: number[] = [];
  const warnings: string[] = [];
  let clock = 100;
  const acceptor = new ForwardAcceptor({
    soft: () => soft,
    nextLogTimeMs: () => ++clock,
    encode: (p, logTimeMs) => new Uint8Array([...p.command, logTimeMs & 0xff]),
    propose: (data) => {
      proposed.push(data.length);
      return propose(data);
    },
    answer: (to, term, seq, firstIndex, reject) => answers.push({ to, term, seq, firstIndex, reject }),
    warn: (line) => warnings.push(line),
  });
  return { acceptor, answers, proposed, warnings };
}

const LEADER: SoftState = { role: 'leader', leader: 'r1', term: 3 };

describe('ForwardAcceptor', () => {
  it('appends a Forward of its own term and answers where it landed', () => {
    const h = harness(LEADER);
    expect(h.acceptor.accept(forward('r2', 7, 3, 4))).toBe(4);
    expect(h.proposed).toEqual([4]);
    expect(h.answers).toEqual([{ to: 'r2', term: 3, seq: 7, firstIndex: 10, reject: false }]);
  });

  it('refuses without appending when it does not lead that term, or the log refuses', () => {
    const follower = harness({ role: 'follower', leader: 'r3', term: 3 });
    expect(follower.acceptor.accept(forward('r2', 1, 3, 2))).toBe(0);
    const stale = harness(LEADER);
    expect(stale.acceptor.accept(forward('r2', 2, 2, 2))).toBe(0);
    const transferring = harness(LEADER, () => {
      throw new Error('leadership is being transferred');
    });
    expect(transferring.acceptor.accept(forward('r2', 3, 3, 2))).toBe(0);
    for (const h of [follower, stale, transferring]) expect(h.answers.map((a) => a.reject)).toEqual([true]);
    expect(follower.proposed).toEqual([]);
    expect(stale.proposed).toEqual([]);
    expect(transferring.warnings[0]).toContain('refused a forwarded batch from r2');
  });

  it('rethrows a broken invariant instead of answering', () => {
    const h = harness(LEADER, () => {
      throw new Error('invariant: log went backwards');
    });
    expect(() => h.acceptor.accept(forward('r2', 1, 3, 1))).toThrow(/invariant/);
    expect(h.answers).toEqual([]);
  });

  it('marks commit notices urgent until they cover every entry a follower forwarded', () => {
    let next = 10;
    const h = harness(LEADER, (data) => {
      const first = next;
      next += data.length;
      return first;
    });
    h.acceptor.accept(forward('r2', 1, 3, 3)); // 10..12
    h.acceptor.accept(forward('r2', 2, 3, 2)); // 13..14
    expect(h.acceptor.isAwaited(notice('r3', 14))).toBe(false);
    expect(h.acceptor.isAwaited(notice('r2', 9))).toBe(false);
    expect(h.acceptor.isAwaited(notice('r2', 11))).toBe(true);
    expect(h.acceptor.isAwaited(notice('r2', 11))).toBe(false);
    expect(h.acceptor.isAwaited(notice('r2', 14))).toBe(true);
    expect(h.acceptor.isAwaited(notice('r2', 15))).toBe(false);
    h.acceptor.accept(forward('r2', 3, 3, 1)); // 15
    h.acceptor.clear();
    expect(h.acceptor.isAwaited(notice('r2', 15))).toBe(false);
  });
});
