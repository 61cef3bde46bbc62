// One well-formed sample of every consensus message type, plus a seeded PRNG for fuzzing.

import { EntryType } from '../../actors/raft/types.ts';
import type { Append, Entry, Message } from '../../actors/raft/types.ts';

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function entriesFrom(prevIndex: number, count: number, dataBytes: number, term = 7): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    index: prevIndex + 1 + i,
    term,
    lamport: 5_000 + i,
    type: EntryType.Command,
    data: new Uint8Array(dataBytes).map((_, j) => (i * 31 + j) & 0xff),
  }));
}

export function appendWith(entries: readonly Entry[], prevIndex: number, overrides: Partial<Append> = {}): Append {
  return { type: 'Append', from: 'r1', to: 'r2', term: 7, lamport: 6_000, prevIndex, prevTerm: 6, commit: prevIndex, entries, ...overrides };
}

export const SAMPLE_MESSAGES: readonly Message[] = [
  { type: 'PreVote', from: 'r1', to: 'r2', term: 3, lamport: 10, lastLogIndex: 42, lastLogTerm: 2 },
  { type: 'PreVoteResponse', from: 'r2', to: 'r1', term: 3, lamport: 11, reject: true },
  { type: 'Vote', from: 'r1', to: 'r3', term: 4, lamport: 12, lastLogIndex: 42, lastLogTerm: 2, transfer: true },
  { type: 'VoteResponse', from: 'r3', to: 'r1', term: 4, lamport: 13, reject: false },
  appendWith(
    [
      { index: 101, term: 6, lamport: 50, type: EntryType.Noop, data: new Uint8Array(0) },
      { index: 102, term: 7, lamport: 51, type: EntryType.Config, data: bytes(1, 2, 3) },
      { index: 103, term: 7, lamport: 2 ** 40, type: EntryType.Command, data: new Uint8Array(300).fill(0xab) },
    ],
    100,
  ),
  appendWith([], 0, { prevTerm: 0, commit: 0 }),
  { type: 'AppendResponse', from: 'r2', to: 'r1', term: 7, lamport: 61, reject: true, index: 100, hintIndex: 90, hintTerm: 5 },
  { type: 'Heartbeat', from: 'r1', to: 'r2', term: 7, lamport: 62, commit: 103, readSeq: 9 },
  { type: 'HeartbeatResponse', from: 'r2', to: 'r1', term: 7, lamport: 63, readSeq: 9, lastIndex: 103 },
  { type: 'HeartbeatResponse', from: 'r3', to: 'r1', term: 7, lamport: 64, readSeq: 9, lastIndex: 103, commit: 101, applied: 100 },
  {
    type: 'InstallSnapshot',
    from: 'r1',
    to: 'r4',
    term: 7,
    lamport: 64,
    meta: { index: 1_000, term: 6, lamport: 900, config: { voters: ['r1', 'r2', 'r3'], learners: ['r4'] } },
    offset: 65_536,
    chunk: new Uint8Array(1024).fill(7),
    done: false,
  },
  { type: 'InstallSnapshotResponse', from: 'r4', to: 'r1', term: 7, lamport: 65, snapshotIndex: 1_000, offset: 66_560, reject: false },
  { type: 'TimeoutNow', from: 'r1', to: 'r2', term: 7, lamport: 66 },
  { type: 'ReadIndex', from: 'r2', to: 'r1', term: 7, lamport: 67, context: 'read-Ω-17' },
  { type: 'ReadIndexResponse', from: 'r1', to: 'r2', term: 7, lamport: 68, context: 'read-Ω-17', index: 103, reject: false },
  {
    type: 'Forward',
    from: 'r2',
    to: 'r1',
    term: 7,
    lamport: 69,
    seq: 12,
    proposals: [
      { machine: 'kv', command: new Uint8Array([0x82, 1, 2, 3]), idempotencyKey: '' },
      { machine: 'chat', command: new Uint8Array(300).fill(9), idempotencyKey: 'retry-Ω-1' },
    ],
  },
  { type: 'ForwardResponse', from: 'r1', to: 'r2', term: 7, lamport: 70, seq: 12, firstIndex: 104, reject: false },
  { type: 'Probe', from: 'r3', to: 'r1', term: 0, lamport: 71, nonce: 2_147_483_646 },
  { type: 'ProbeResponse', from: 'r1', to: 'r3', term: 7, lamport: 72, nonce: 2_147_483_646 },
  { type: 'Heartbeat', from: 'r_9-x', to: 'R-1', term: Number.MAX_SAFE_INTEGER, lamport: Number.MAX_SAFE_INTEGER, commit: 0, readSeq: 0 },
];

/** Deterministic xorshift32; a failing fuzz case is reproduced by its seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

export function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}
