// The leader's outbox: empty Appends wait briefly and give way to a later Append to the same replica.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommitNoticeCoalescer } from '../../actors/replica/commit-notice-coalescer.ts';
import type { Message } from '../../actors/raft/types.ts';

const base = { from: 'n1', term: 3, lamport: 1 } as const;
const entry = { index: 8, term: 3, lamport: 1, type: 1, data: new Uint8Array([1]) };
const emptyAppend = (to: string, commit: number) => ({ ...base, type: 'Append', to, prevIndex: 7, prevTerm: 3, entries: [], commit }) as unknown as Message;
const fullAppend = (to: string, commit: number) => ({ ...base, type: 'Append', to, prevIndex: 7, prevTerm: 3, entries: [entry], commit }) as unknown as Message;
const heartbeat = (to: string) => ({ ...base, type: 'Heartbeat', to, commit: 7, readSeq: 0 }) as unknown as Message;

describe('CommitNoticeCoalescer', () => {
  let sent: Message[][];
  let outbox: CommitNoticeCoalescer;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    outbox = new CommitNoticeCoalescer((messages) => sent.push([...messages]), 5);
  });
  afterEach(() => vi.useRealTimers());

  it('sends everything else at once and an empty Append only after the wait', () => {
    outbox.send([heartbeat('n2'), emptyAppend('n2', 7), heartbeat('n3')]);
    expect(sent).toEqual([[heartbeat('n2'), heartbeat('n3')]]);
    vi.advanceTimersByTime(4);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([[heartbeat('n2'), heartbeat('n3')], [emptyAppend('n2', 7)]]);
  });

  it('drops a held empty Append when an Append to the same replica follows, and keeps the others', () => {
    outbox.send([emptyAppend('n2', 7), emptyAppend('n3', 7)]);
    outbox.send([fullAppend('n2', 7)]);
    vi.advanceTimersByTime(5);
    expect(sent).toEqual([[fullAppend('n2', 7)], [emptyAppend('n3', 7)]]);
  });

  it('releases the held notice for a follower together with its ReadIndexResponse', () => {
    const readReply = { ...base, type: 'ReadIndexResponse', to: 'n2', index: 8, context: 'r1' } as unknown as Message;
    outbox.send([emptyAppend('n2', 8), emptyAppend('n3', 8)]);
    outbox.send([heartbeat('n3'), readReply]);
    expect(sent).toEqual([[heartbeat('n3'), emptyAppend('n2', 8), readReply]]);
    vi.advanceTimersByTime(5);
    expect(sent[1]).toEqual([emptyAppend('n3', 8)]);
  });

  it('sends a notice its follower waits for at once, in order, replacing the one it held', () => {
    const urgentOutbox = new CommitNoticeCoalescer((messages) => sent.push([...messages]), 5, (notice) => notice.to === 'n2' && notice.commit >= 9);
    urgentOutbox.send([emptyAppend('n2', 8), emptyAppend('n3', 8)]);
    expect(sent).toEqual([]);
    urgentOutbox.send([heartbeat('n3'), emptyAppend('n2', 9), heartbeat('n2')]);
    expect(sent).toEqual([[heartbeat('n3'), emptyAppend('n2', 9), heartbeat('n2')]]);
    vi.advanceTimersByTime(5);
    expect(sent[1]).toEqual([emptyAppend('n3', 8)]);
    expect(sent).toHaveLength(2);
  });

  it('keeps only the newest notice per replica, and sends nothing after close', () => {
    outbox.send([emptyAppend('n2', 7)]);
    outbox.send([emptyAppend('n2', 8)]);
    vi.advanceTimersByTime(5);
    expect(sent).toEqual([[emptyAppend('n2', 8)]]);
    outbox.send([emptyAppend('n3', 9)]);
    outbox.close();
    vi.advanceTimersByTime(10);
    outbox.send([heartbeat('n2')]);
    expect(sent).toEqual([[emptyAppend('n2', 8)]]);
  });
});
