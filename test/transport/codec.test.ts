import { encode as msgpackEncode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { TYPE_CODES, WIRE_VERSION, decodeMessage, encodeMessage } from '../../actors/transport/codec.ts';
import type { DecodeResult } from '../../actors/transport/codec.ts';
import { encodeEntryBlock } from '../../actors/transport/entry-block.ts';
import { MESSAGE_TYPES, EntryType } from '../../actors/raft/types.ts';
import type { Message } from '../../actors/raft/types.ts';
import { SAMPLE_MESSAGES, appendWith, bytes, entriesFrom, prng, randomBytes } from './fixtures.ts';

const scope = { cluster: 'dev', group: 'g0' };

function decodeOk(frame: Uint8Array): { message: Message; scope: { cluster: string; group: string } } {
  const result = decodeMessage(frame);
  if (!result.ok) throw new Error(`expected a valid frame, got: ${result.reason}`);
  return result;
}

function expectRejected(result: DecodeResult, code: 'malformed' | 'unknown_type', reason?: RegExp): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe(code);
  if (reason) expect(result.reason).toMatch(reason);
}

/** A raw frame: the envelope of a Heartbeat from r1 to r2 followed by `body`. */
function rawFrame(typeCode: number, body: unknown[], envelope: Partial<Record<'version' | 'from' | 'to' | 'term' | 'lamport', unknown>> = {}): Uint8Array {
  return msgpackEncode([
    envelope.version ?? WIRE_VERSION,
    'dev',
    'g0',
    typeCode,
    envelope.from ?? 'r1',
    envelope.to ?? 'r2',
    envelope.term ?? 7,
    envelope.lamport ?? 1,
    ...body,
  ]);
}

describe('codec round trip', () => {
  it('covers every message type in the fixtures', () => {
    expect(new Set(SAMPLE_MESSAGES.map((m) => m.type))).toEqual(new Set(MESSAGE_TYPES));
    expect(Object.keys(TYPE_CODES).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it.each(SAMPLE_MESSAGES.map((m, i) => [`${i} ${m.type}`, m] as const))('round-trips %s', (_, message) => {
    const decoded = decodeOk(encodeMessage(message, scope));
    expect(decoded.message).toEqual(message);
    expect(decoded.scope).toEqual(scope);
  });

  it('reports an unscoped frame with empty cluster and group', () => {
    expect(decodeOk(encodeMessage(SAMPLE_MESSAGES[0]!)).scope).toEqual({ cluster: '', group: '' });
  });

  it('gives decoded bytes their own memory', () => {
    const message = appendWith(entriesFrom(10, 3, 8), 10);
    const frame = encodeMessage(message, scope);
    const decoded = decodeOk(frame).message;
    frame.fill(0);
    expect(decoded).toEqual(message);
  });

  it('decodes a Node Buffer (what the Node client delivers) into plain, owned Uint8Arrays', () => {
    const message = SAMPLE_MESSAGES.find((m) => m.type === 'InstallSnapshot')!;
    const buffer = Buffer.from(encodeMessage(message, scope));
    const decoded = decodeOk(buffer).message;
    buffer.fill(0);
    expect(decoded).toEqual(message);
    expect(decoded.type === 'InstallSnapshot' && decoded.chunk.constructor).toBe(Uint8Array);
  });

  it('encodes entries compactly: under 8 bytes of overhead per 100-byte entry', () => {
    const message = appendWith(entriesFrom(1_000, 100, 100), 1_000);
    const frame = encodeMessage(message, scope);
    expect(frame.length).toBeLessThan(100 * (100 + 8) + 64);
  });

  it('refuses to encode an Append whose entries are not numbered prevIndex + 1 + i', () => {
    const entries = entriesFrom(10, 3, 1);
    expect(() => encodeMessage(appendWith([entries[0]!, entries[2]!], 10))).toThrow(/invariant/);
    expect(() => encodeMessage(appendWith(entries, 11))).toThrow(/invariant/);
    expect(() => encodeMessage(appendWith([{ ...entries[0]!, term: -1 }], 10))).toThrow(/invariant/);
  });
});

describe('codec rejects, never throws', () => {
  it('rejects thousands of random buffers', () => {
    const next = prng(20_241_122);
    for (let i = 0; i < 5_000; i++) {
      const buffer = randomBytes(next, Math.floor(next() * 200));
      // Random bytes that happen to start like a frame exercise the validators, not only msgpack.
      if (i % 2 === 0 && buffer.length > 8) buffer.set([0x9c, WIRE_VERSION, 0xa3, 0x64, 0x65, 0x76, 0xa2, 0x67], 0);
      const result = decodeMessage(buffer);
      expect(result.ok, `buffer ${i}`).toBe(false);
    }
  });

  it('rejects every truncation of every sample', () => {
    for (const message of SAMPLE_MESSAGES) {
      const frame = encodeMessage(message, scope);
      for (let length = 0; length < frame.length; length++) {
        expect(decodeMessage(frame.subarray(0, length)).ok, `${message.type} cut at ${length}`).toBe(false);
      }
    }
  });

  it('decodes bit-flipped frames either as rejected or as a message that re-encodes to itself', () => {
    const next = prng(7);
    let rejected = 0;
    for (let i = 0; i < 2_000; i++) {
      const message = SAMPLE_MESSAGES[i % SAMPLE_MESSAGES.length]!;
      const frame = encodeMessage(message, scope);
      const position = Math.floor(next() * frame.length);
      frame[position] = frame[position]! ^ (1 << Math.floor(next() * 8));
      const result = decodeMessage(frame);
      if (!result.ok) {
        rejected++;
        continue;
      }
      expect(decodeOk(encodeMessage(result.message, result.scope))).toEqual(result);
    }
    expect(rejected).toBeGreaterThan(300);
  });

  it('rejects non-binary input and trailing bytes', () => {
    expect(decodeMessage(new Uint8Array(0)).ok).toBe(false);
    expect(decodeMessage('hello' as unknown as Uint8Array).ok).toBe(false);
    expect(decodeMessage(null as unknown as Uint8Array).ok).toBe(false);
    const frame = encodeMessage(SAMPLE_MESSAGES[0]!, scope);
    const padded = new Uint8Array(frame.length + 1);
    padded.set(frame);
    expect(decodeMessage(padded).ok).toBe(false);
  });

  it('rejects unknown types as unknown_type and unknown versions as malformed', () => {
    expectRejected(decodeMessage(rawFrame(99, [])), 'unknown_type', /type code 99/);
    expectRejected(decodeMessage(rawFrame(0, [])), 'unknown_type');
    expectRejected(decodeMessage(rawFrame('Heartbeat' as unknown as number, [1, 2])), 'unknown_type');
    expectRejected(decodeMessage(rawFrame(TYPE_CODES.Heartbeat, [1, 2], { version: 2 })), 'malformed', /version/);
  });

  it('accepts a hand-built frame, the baseline for the wrong-type cases below', () => {
    expect(decodeOk(rawFrame(TYPE_CODES.Heartbeat, [5, 9])).message).toEqual({
      type: 'Heartbeat', from: 'r1', to: 'r2', term: 7, lamport: 1, commit: 5, readSeq: 9,
    });
  });

  it('ignores body fields it does not know (a newer sender) and accepts absent optional ones (an older one)', () => {
    const base = { from: 'r1', to: 'r2', term: 7, lamport: 1 };
    expect(decodeOk(rawFrame(TYPE_CODES.Heartbeat, [5, 9, 1, 'later'])).message).toEqual({ type: 'Heartbeat', ...base, commit: 5, readSeq: 9 });
    expect(decodeOk(rawFrame(TYPE_CODES.HeartbeatResponse, [9, 40])).message).toEqual({ type: 'HeartbeatResponse', ...base, readSeq: 9, lastIndex: 40 });
    expect(decodeOk(rawFrame(TYPE_CODES.HeartbeatResponse, [9, 40, 38, 37, 'later'])).message).toEqual({
      type: 'HeartbeatResponse', ...base, readSeq: 9, lastIndex: 40, commit: 38, applied: 37,
    });
    // Known optional fields are still checked when present.
    expectRejected(decodeMessage(rawFrame(TYPE_CODES.HeartbeatResponse, [9, 40, -1])), 'malformed', /commit/);
    // A message that leaves its optional fields out is encoded without them, and reads back the same.
    const old = { type: 'HeartbeatResponse', ...base, readSeq: 9, lastIndex: 40 } as const;
    expect(decodeOk(encodeMessage(old, scope)).message).toEqual(old);
  });

  it.each([
    ['a string term', rawFrame(TYPE_CODES.Heartbeat, [5, 9], { term: '7' }), /term/],
    ['a negative lamport', rawFrame(TYPE_CODES.Heartbeat, [5, 9], { lamport: -1 }), /lamport/],
    ['a fractional commit', rawFrame(TYPE_CODES.Heartbeat, [5.5, 9]), /commit/],
    ['an unsafe integer', rawFrame(TYPE_CODES.Heartbeat, [2 ** 60, 9]), /commit/],
    ['a missing field', rawFrame(TYPE_CODES.Heartbeat, [5]), /elements/],
    ['a missing required field of a type with optional ones', rawFrame(TYPE_CODES.HeartbeatResponse, [9]), /elements/],
    ['a number for a boolean', rawFrame(TYPE_CODES.VoteResponse, [1]), /reject/],
    ['a from that is not a subject-safe name', rawFrame(TYPE_CODES.Heartbeat, [5, 9], { from: 'r1.raft.>' }), /from/],
    ['an empty to', rawFrame(TYPE_CODES.Heartbeat, [5, 9], { to: '' }), /to/],
    ['a too long context', rawFrame(TYPE_CODES.ReadIndex, ['x'.repeat(1_025)]), /context|string/i],
    ['a number for a context', rawFrame(TYPE_CODES.ReadIndex, [17]), /context/],
    ['a string for a chunk', rawFrame(TYPE_CODES.InstallSnapshot, [[1, 1, 1, ['r1'], []], 0, 'abc', true]), /chunk/],
    ['a meta with duplicate voters', rawFrame(TYPE_CODES.InstallSnapshot, [[1, 1, 1, ['r1', 'r1'], []], 0, bytes(1), true]), /duplicate/],
    ['a meta with a bad voter', rawFrame(TYPE_CODES.InstallSnapshot, [[1, 1, 1, ['r 1'], []], 0, bytes(1), true]), /voters/],
    ['a meta term above the sender term', rawFrame(TYPE_CODES.InstallSnapshot, [[1, 8, 1, ['r1'], []], 0, bytes(1), true]), /meta.term/],
    ['a map instead of entries', rawFrame(TYPE_CODES.Append, [0, 0, 0, { count: 1 }]), /msgpack/],
    ['an entry count above the block', rawFrame(TYPE_CODES.Append, [0, 0, 0, [3, bytes(7, 1, 1, 0)]]), /short/],
    ['an entry count below the block', rawFrame(TYPE_CODES.Append, [0, 0, 0, [1, bytes(7, 1, 1, 0, 7, 1, 1, 0)]]), /trailing/],
    ['an unknown entry type', rawFrame(TYPE_CODES.Append, [0, 0, 0, [1, bytes(7, 1, 9, 0)]]), /entry type/],
    ['an entry data length past the end', rawFrame(TYPE_CODES.Append, [0, 0, 0, [1, bytes(7, 1, 1, 5, 1, 2)]]), /length/],
    ['an overlong varint', rawFrame(TYPE_CODES.Append, [0, 0, 0, [1, bytes(0x87, 0x00, 1, 1, 0)]]), /term or lamport/],
    ['an entry term above the sender term', rawFrame(TYPE_CODES.Append, [0, 0, 0, [1, encodeEntryBlock([{ index: 1, term: 8, lamport: 1, type: EntryType.Command, data: bytes() }])]]), /above/],
    ['an entry term below prevTerm', rawFrame(TYPE_CODES.Append, [0, 5, 0, [1, encodeEntryBlock([{ index: 1, term: 4, lamport: 1, type: EntryType.Command, data: bytes() }])]]), /below/],
    ['proposals that are not triples', rawFrame(TYPE_CODES.Forward, [1, ['kv', bytes(1)]]), /triples/],
    ['a proposal without a machine', rawFrame(TYPE_CODES.Forward, [1, ['', bytes(1), '']]), /machine/],
    ['a proposal command that is a string', rawFrame(TYPE_CODES.Forward, [1, ['kv', 'abc', '']]), /command/],
    ['a proposal key that is a number', rawFrame(TYPE_CODES.Forward, [1, ['kv', bytes(1), 5]]), /idempotency/],
    ['more proposals than a Forward may carry', rawFrame(TYPE_CODES.Forward, [1, Array.from({ length: 257 }, () => ['kv', bytes(1), '']).flat()]), /proposals/],
    ['a Noop entry with data', rawFrame(TYPE_CODES.Append, [0, 0, 0, [1, encodeEntryBlock([{ index: 1, term: 7, lamport: 1, type: EntryType.Noop, data: bytes(1) }])]]), /Noop/],
  ])('rejects %s', (_, frame, reason) => {
    expectRejected(decodeMessage(frame), 'malformed', reason);
  });

  it('rejects frames that are not arrays or have a bad scope', () => {
    expectRejected(decodeMessage(msgpackEncode({ type: 'Heartbeat' })), 'malformed');
    expectRejected(decodeMessage(msgpackEncode('Heartbeat')), 'malformed', /not an array/);
    expectRejected(decodeMessage(msgpackEncode([WIRE_VERSION, 'a.b', 'g0', TYPE_CODES.TimeoutNow, 'r1', 'r2', 1, 1])), 'malformed', /cluster/);
  });
});

describe('codec speed', () => {
  it('encodes and decodes an Append of 100 entries of 100 bytes quickly', () => {
    const message = appendWith(entriesFrom(1_000, 100, 100), 1_000);
    for (let i = 0; i < 500; i++) decodeMessage(encodeMessage(message, scope));
    let operations = 0;
    const started = performance.now();
    while (performance.now() - started < 1_000) {
      for (let i = 0; i < 100; i++) {
        const result = decodeMessage(encodeMessage(message, scope));
        if (!result.ok) throw new Error(result.reason);
      }
      operations += 100;
    }
    const opsPerSecond = Math.round(operations / ((performance.now() - started) / 1_000));
    console.log(`codec: Append(100 x 100 B) encode+decode ${opsPerSecond} ops/s (${encodeMessage(message, scope).length} B per frame)`);
    // A loose floor for a shared 2-core machine: catches pathological regressions, not drift.
    expect(opsPerSecond).toBeGreaterThan(500);
  });
});
