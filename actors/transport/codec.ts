// Wire codec for consensus messages: msgpack arrays, never maps, so field names never travel.
//
// Frame layout (one msgpack array):
//   [WIRE_VERSION, cluster, group, typeCode, from, to, term, lamport, ...body]
// where `body` lists the type's own fields in the order of BODY_FIELDS below. Fields are only ever
// appended, so replicas of different versions can talk: a receiver ignores body fields past the ones it
// knows, and a type's trailing fields from OPTIONAL_AFTER on may be absent (a sender that predates them). Append entries travel as
// `[count, block]` where `block` packs every entry (entry-block.ts); their indexes are implied
// (`prevIndex + 1 + i`), which is exactly the Append contract, so a decoded Append always has consecutive
// indexes. SnapshotMeta travels as `[index, term, lamport, voters, learners]`.
//
// `decodeMessage` never throws: anything that is not a well-formed frame of a known type comes back as
// `{ ok: false }` with a reason. Decoded byte fields (entry data, snapshot chunks) are views into one
// private copy of the input, so the caller may reuse its buffer.

import { PlainDecoder, PlainEncoder } from '../codec/plain-msgpack.ts';
import { EntryType } from '../raft/types.ts';
import type { ClusterConfig, Entry, ForwardedProposal, Message, MessageType, SnapshotMeta } from '../raft/types.ts';
import { decodeEntryBlock, encodeEntryBlock } from './entry-block.ts';
import { isSubjectSafeName } from './subjects.ts';

export const WIRE_VERSION = 1;

/** Bounds a decoded frame must respect; the encoder's callers must stay within them too. */
export const WIRE_LIMITS = {
  /** Entries in one Append. */
  maxEntries: 100_000,
  /** Proposals in one Forward (three frame elements each, within the decoder's array bound). */
  maxProposals: 256,
  /** Voters, and separately learners, in a SnapshotMeta. */
  maxMembers: 1_000,
  /** ReadIndex context, in UTF-16 code units. */
  maxContextLength: 1_024,
  /** Entry data or snapshot chunk, in bytes (nats-server's max_payload in dev.conf). */
  maxBytes: 8 * 1024 * 1024,
} as const;

/** Which cluster and Raft group a frame belongs to. Empty strings mean "unscoped". */
export interface WireScope {
  readonly cluster: string;
  readonly group: string;
}
export const UNSCOPED: WireScope = { cluster: '', group: '' };

/** Stable on the wire: never renumber, only append. */
export const TYPE_CODES = {
  PreVote: 1,
  PreVoteResponse: 2,
  Vote: 3,
  VoteResponse: 4,
  Append: 5,
  AppendResponse: 6,
  Heartbeat: 7,
  HeartbeatResponse: 8,
  InstallSnapshot: 9,
  InstallSnapshotResponse: 10,
  TimeoutNow: 11,
  ReadIndex: 12,
  ReadIndexResponse: 13,
  Forward: 14,
  ForwardResponse: 15,
  Probe: 16,
  ProbeResponse: 17,
} as const satisfies Record<MessageType, number>;

const TYPE_BY_CODE = new Map<number, MessageType>(
  Object.entries(TYPE_CODES).map(([type, code]) => [code, type as MessageType]),
);

type FieldKind = 'uint' | 'bool' | 'context' | 'bytes' | 'entries' | 'meta' | 'proposals';
type BodyField<M> = readonly [Exclude<keyof M, 'type' | 'from' | 'to' | 'term' | 'lamport'>, FieldKind];
type BodyFields = { readonly [T in MessageType]: readonly BodyField<Extract<Message, { type: T }>>[] };

/** Per type, the fields after the envelope, in wire order. Stable on the wire: only append. */
const BODY_FIELDS: BodyFields = {
  PreVote: [['lastLogIndex', 'uint'], ['lastLogTerm', 'uint']],
  PreVoteResponse: [['reject', 'bool']],
  Vote: [['lastLogIndex', 'uint'], ['lastLogTerm', 'uint'], ['transfer', 'bool']],
  VoteResponse: [['reject', 'bool']],
  Append: [['prevIndex', 'uint'], ['prevTerm', 'uint'], ['commit', 'uint'], ['entries', 'entries']],
  AppendResponse: [['reject', 'bool'], ['index', 'uint'], ['hintIndex', 'uint'], ['hintTerm', 'uint']],
  Heartbeat: [['commit', 'uint'], ['readSeq', 'uint']],
  HeartbeatResponse: [['readSeq', 'uint'], ['lastIndex', 'uint'], ['commit', 'uint'], ['applied', 'uint']],
  InstallSnapshot: [['meta', 'meta'], ['offset', 'uint'], ['chunk', 'bytes'], ['done', 'bool']],
  InstallSnapshotResponse: [['snapshotIndex', 'uint'], ['offset', 'uint'], ['reject', 'bool']],
  TimeoutNow: [],
  ReadIndex: [['context', 'context']],
  ReadIndexResponse: [['context', 'context'], ['index', 'uint'], ['reject', 'bool']],
  Forward: [['seq', 'uint'], ['proposals', 'proposals']],
  ForwardResponse: [['seq', 'uint'], ['firstIndex', 'uint'], ['reject', 'bool']],
  Probe: [['nonce', 'uint']],
  ProbeResponse: [['nonce', 'uint']],
};

/**
 * Per type, how many body fields every sender includes; later fields of BODY_FIELDS were appended after
 * the type first shipped, may be absent, and are encoded only up to the first one a message leaves out.
 */
const OPTIONAL_AFTER: Partial<Record<MessageType, number>> = {
  HeartbeatResponse: 2,
};

const ENVELOPE_LENGTH = 8;
const ENTRY_TYPES: readonly number[] = Object.values(EntryType);
/** term, lamport, type and length of an entry with empty data, one byte each. */
const MIN_ENTRY_BYTES = 4;

/** The library's default options, as frames always used: fields in order, undefined as nil. */
const encoder = new PlainEncoder({ sortKeys: false, ignoreUndefined: false });
const decoder = new PlainDecoder({
  maxStrLength: 4 * WIRE_LIMITS.maxContextLength,
  maxBinLength: WIRE_LIMITS.maxBytes,
  maxArrayLength: WIRE_LIMITS.maxMembers,
  maxMapLength: 0,
  maxExtLength: 0,
});

// ---------------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes one message. Throws (an invariant error) only when the message breaks a contract the frame
 * relies on: Append entries must be numbered `prevIndex + 1 + i`. Other bad values are encoded as they
 * are and rejected by the receiving decoder.
 */
export function encodeMessage(message: Message, scope: WireScope = UNSCOPED): Uint8Array {
  const frame: unknown[] = [
    WIRE_VERSION,
    scope.cluster,
    scope.group,
    TYPE_CODES[message.type],
    message.from,
    message.to,
    message.term,
    message.lamport,
  ];
  const fields = BODY_FIELDS[message.type] as readonly (readonly [string, FieldKind])[];
  const values = message as unknown as Readonly<Record<string, unknown>>;
  const required = OPTIONAL_AFTER[message.type] ?? fields.length;
  for (let i = 0; i < fields.length; i++) {
    const [name, kind] = fields[i]!;
    const value = values[name];
    if (i >= required && value === undefined) break;
    if (kind === 'entries') frame.push(encodeEntries(value as readonly Entry[], values.prevIndex as number));
    else if (kind === 'meta') frame.push(encodeMeta(value as SnapshotMeta));
    else if (kind === 'proposals') frame.push(encodeProposals(value as readonly ForwardedProposal[]));
    else frame.push(value);
  }
  return encoder.encode(frame);
}

function encodeEntries(entries: readonly Entry[], prevIndex: number): unknown[] {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.index !== prevIndex + 1 + i) {
      throw new Error(`invariant: Append entry ${i} has index ${entry.index}, expected ${prevIndex + 1 + i}`);
    }
    if (!isUint(entry.term) || !isUint(entry.lamport) || !ENTRY_TYPES.includes(entry.type) || !(entry.data instanceof Uint8Array)) {
      throw new Error(`invariant: Append entry ${entry.index} is not a well-formed Entry`);
    }
  }
  return [entries.length, encodeEntryBlock(entries)];
}

/** Proposals travel flat: `[machine, command, idempotencyKey, machine, command, ...]`. */
function encodeProposals(proposals: readonly ForwardedProposal[]): unknown[] {
  if (proposals.length > WIRE_LIMITS.maxProposals) {
    throw new Error(`invariant: a Forward carries at most ${WIRE_LIMITS.maxProposals} proposals, got ${proposals.length}`);
  }
  const flat: unknown[] = [];
  for (const p of proposals) flat.push(p.machine, p.command, p.idempotencyKey);
  return flat;
}

function encodeMeta(meta: SnapshotMeta): unknown[] {
  return [meta.index, meta.term, meta.lamport, meta.config.voters, meta.config.learners];
}

// ---------------------------------------------------------------------------------------------------
// Decoding

export type DecodeFailureCode = 'malformed' | 'unknown_type';

export type DecodeResult =
  | { readonly ok: true; readonly message: Message; readonly scope: WireScope }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly reason: string };

/** Internal: carries a rejection out of nested validation; never escapes decodeMessage. */
class Rejection {
  constructor(
    readonly code: DecodeFailureCode,
    readonly reason: string,
  ) {}
}

function reject(reason: string, code: DecodeFailureCode = 'malformed'): never {
  throw new Rejection(code, reason);
}

/** Decodes and validates one frame. Never throws. */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, ...decodeFrame(bytes) };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, code: error.code, reason: error.reason };
    return { ok: false, code: 'malformed', reason: `not a msgpack frame: ${describeError(error)}` };
  }
}

function decodeFrame(bytes: Uint8Array): { message: Message; scope: WireScope } {
  if (!(bytes instanceof Uint8Array)) reject('input is not a Uint8Array');
  if (bytes.length === 0) reject('empty frame');
  // A fresh plain copy: `slice` on a Node Buffer would return a view, not a copy.
  const frame: unknown = decoder.decode(new Uint8Array(bytes));
  if (!Array.isArray(frame)) reject('frame is not an array');
  if (frame.length < ENVELOPE_LENGTH) reject(`frame has ${frame.length} elements, expected at least ${ENVELOPE_LENGTH}`);
  if (frame[0] !== WIRE_VERSION) reject(`unsupported wire version ${String(frame[0])}`);
  const scope: WireScope = { cluster: scopeName(frame[1], 'cluster'), group: scopeName(frame[2], 'group') };
  const code = frame[3];
  const type = typeof code === 'number' ? TYPE_BY_CODE.get(code) : undefined;
  if (type === undefined) reject(`unknown message type code ${String(code)}`, 'unknown_type');
  const fields = BODY_FIELDS[type] as readonly (readonly [string, FieldKind])[];
  const required = OPTIONAL_AFTER[type] ?? fields.length;
  if (frame.length < ENVELOPE_LENGTH + required) {
    reject(`${type} frame has ${frame.length} elements, expected at least ${ENVELOPE_LENGTH + required}`);
  }
  const message: Record<string, unknown> = {
    type,
    from: nodeId(frame[4], 'from'),
    to: nodeId(frame[5], 'to'),
    term: uint(frame[6], 'term'),
    lamport: uint(frame[7], 'lamport'),
  };
  // Fields this version does not know (appended by a newer sender) are ignored.
  const present = Math.min(fields.length, frame.length - ENVELOPE_LENGTH);
  for (let i = 0; i < present; i++) {
    const [name, kind] = fields[i]!;
    message[name] = decodeField(kind, frame[ENVELOPE_LENGTH + i], name, message);
  }
  return { message: message as unknown as Message, scope };
}

function decodeField(kind: FieldKind, value: unknown, name: string, message: Record<string, unknown>): unknown {
  switch (kind) {
    case 'uint':
      return uint(value, name);
    case 'bool':
      if (typeof value !== 'boolean') reject(`${name} is not a boolean`);
      return value;
    case 'context':
      if (typeof value !== 'string' || value.length > WIRE_LIMITS.maxContextLength) {
        reject(`${name} is not a string of at most ${WIRE_LIMITS.maxContextLength} characters`);
      }
      return value;
    case 'bytes':
      return bytesField(value, name);
    case 'entries':
      return entries(value, message.prevIndex as number, message.prevTerm as number, message.term as number);
    case 'meta':
      return snapshotMeta(value, message.term as number);
    case 'proposals':
      return proposals(value);
  }
}

function proposals(value: unknown): ForwardedProposal[] {
  if (!Array.isArray(value) || value.length % 3 !== 0) reject('proposals is not a flat list of triples');
  if (value.length / 3 > WIRE_LIMITS.maxProposals) reject(`more than ${WIRE_LIMITS.maxProposals} proposals`);
  const result: ForwardedProposal[] = [];
  for (let i = 0; i < value.length; i += 3) {
    const machine = value[i];
    const key = value[i + 2];
    if (typeof machine !== 'string' || machine.length === 0 || machine.length > 64) reject('proposal machine is not a name');
    if (typeof key !== 'string' || key.length > WIRE_LIMITS.maxContextLength) reject('proposal idempotency key is not a string');
    result.push({ machine, command: bytesField(value[i + 1], 'proposal command'), idempotencyKey: key });
  }
  return result;
}

/**
 * Entries at `prevIndex + 1 + i`. Beyond types, checks what every correct leader's log satisfies:
 * terms never decrease, start at or above `prevTerm`, never exceed the sender's term; Noop data is empty.
 */
function entries(value: unknown, prevIndex: number, prevTerm: number, senderTerm: number): Entry[] {
  if (!Array.isArray(value) || value.length !== 2) reject('entries is not a [count, block] pair');
  const count = uint(value[0], 'entry count');
  const block = bytesField(value[1], 'entry block');
  if (count > WIRE_LIMITS.maxEntries) reject(`more than ${WIRE_LIMITS.maxEntries} entries`);
  if (count * MIN_ENTRY_BYTES > block.length) reject(`entry block too short for ${count} entries`);
  if (!Number.isSafeInteger(prevIndex + count)) reject('entry index overflows');
  const result = decodeEntryBlock(block, count, prevIndex);
  if (typeof result === 'string') reject(result);
  let lastTerm = prevTerm;
  for (let i = 0; i < count; i++) {
    const { term, type, data } = result[i]!;
    if (term < lastTerm) reject(`entry ${i} term ${term} is below the preceding term ${lastTerm}`);
    if (term > senderTerm) reject(`entry ${i} term ${term} is above the sender's term ${senderTerm}`);
    if (type === EntryType.Noop && data.length !== 0) reject(`entry ${i} is a Noop with data`);
    lastTerm = term;
  }
  return result;
}

function snapshotMeta(value: unknown, senderTerm: number): SnapshotMeta {
  if (!Array.isArray(value) || value.length !== 5) reject('meta is not a 5-tuple');
  const index = uint(value[0], 'meta.index');
  const term = uint(value[1], 'meta.term');
  if (term > senderTerm) reject(`meta.term ${term} is above the sender's term ${senderTerm}`);
  const lamport = uint(value[2], 'meta.lamport');
  const config: ClusterConfig = { voters: members(value[3], 'meta.voters'), learners: members(value[4], 'meta.learners') };
  return { index, term, lamport, config };
}

function members(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.length > WIRE_LIMITS.maxMembers) {
    reject(`${name} is not an array of at most ${WIRE_LIMITS.maxMembers} ids`);
  }
  const seen = new Set<string>();
  for (const id of value) {
    seen.add(nodeId(id, name));
  }
  if (seen.size !== value.length) reject(`${name} has duplicate ids`);
  return value as string[];
}

function isUint(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function uint(value: unknown, name: string): number {
  if (!isUint(value)) {
    reject(`${name} is not a non-negative safe integer`);
  }
  return value;
}

function nodeId(value: unknown, name: string): string {
  if (!isSubjectSafeName(value)) reject(`${name} is not a valid replica id`);
  return value;
}

function scopeName(value: unknown, name: string): string {
  if (value !== '' && !isSubjectSafeName(value)) reject(`${name} is not a valid name`);
  return value as string;
}

function bytesField(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) reject(`${name} is not binary`);
  return value;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
