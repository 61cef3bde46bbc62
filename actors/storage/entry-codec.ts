// Binary encodings of Entry, HardState and Snapshot shared by every storage backend.
// All integers are little-endian. Indexes, terms, Lamport clocks and lengths are non-negative safe
// integers (53 bits) stored in 8 bytes; decoding rejects anything above 2^53 - 1.
//
// Entry:     index u64 | term u64 | lamport u64 | type u8 | dataLength u32 | data
// HardState: version u8 | term u64 | commit u64 | hasVote u8 | voteLength u32 | vote (UTF-8)
// Snapshot:  version u8 | index u64 | term u64 | lamport u64 | voters | learners | dataLength u64 | data
//            where voters and learners are count u32 then (length u32 | UTF-8) per node id.

import { EntryType, type Entry, type HardState, type Snapshot, type SnapshotMeta } from '../raft/types.ts';

/** Raised when bytes do not hold a well-formed encoding. Backends map it to StorageCorruptionError. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
}

export const ENTRY_HEADER_BYTES = 29;
const HARD_STATE_VERSION = 2;
const SNAPSHOT_VERSION = 1;
const TWO_POW_32 = 0x1_0000_0000;
const MAX_HIGH_WORD = 0x1f_ffff;
const ENTRY_TYPES: ReadonlySet<number> = new Set(Object.values(EntryType));

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function writeSafeInteger(view: DataView, offset: number, value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
  }
  view.setUint32(offset, value % TWO_POW_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

function readSafeInteger(view: DataView, offset: number, what: string): number {
  const high = view.getUint32(offset + 4, true);
  if (high > MAX_HIGH_WORD) throw new CodecError(`${what} exceeds 2^53 - 1`);
  return high * TWO_POW_32 + view.getUint32(offset, true);
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// --- Entry -----------------------------------------------------------------------------------------

export function encodedEntryBytes(entry: Entry): number {
  return ENTRY_HEADER_BYTES + entry.data.byteLength;
}

/** Writes `entry` at `target[offset]`; returns the number of bytes written. */
export function encodeEntryInto(target: Uint8Array, offset: number, entry: Entry): number {
  if (!ENTRY_TYPES.has(entry.type)) throw new RangeError(`unknown entry type ${entry.type}`);
  const view = new DataView(target.buffer, target.byteOffset + offset, ENTRY_HEADER_BYTES);
  writeSafeInteger(view, 0, entry.index, 'entry index');
  writeSafeInteger(view, 8, entry.term, 'entry term');
  writeSafeInteger(view, 16, entry.lamport, 'entry lamport');
  view.setUint8(24, entry.type);
  view.setUint32(25, entry.data.byteLength, true);
  target.set(entry.data, offset + ENTRY_HEADER_BYTES);
  return ENTRY_HEADER_BYTES + entry.data.byteLength;
}

export function encodeEntry(entry: Entry): Uint8Array {
  const bytes = new Uint8Array(encodedEntryBytes(entry));
  encodeEntryInto(bytes, 0, entry);
  return bytes;
}

/** Decodes exactly `bytes` (no trailing bytes allowed). The entry's data is a copy. */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (bytes.byteLength < ENTRY_HEADER_BYTES) {
    throw new CodecError(`entry needs ${ENTRY_HEADER_BYTES} header bytes, got ${bytes.byteLength}`);
  }
  const view = viewOf(bytes);
  const type = view.getUint8(24);
  if (!ENTRY_TYPES.has(type)) throw new CodecError(`unknown entry type ${type}`);
  const dataLength = view.getUint32(25, true);
  if (ENTRY_HEADER_BYTES + dataLength !== bytes.byteLength) {
    throw new CodecError(`entry data length ${dataLength} does not match ${bytes.byteLength} payload bytes`);
  }
  return {
    index: readSafeInteger(view, 0, 'entry index'),
    term: readSafeInteger(view, 8, 'entry term'),
    lamport: readSafeInteger(view, 16, 'entry lamport'),
    type: type as EntryType,
    // A plain copy even when `bytes` is a subclass whose slice() aliases (Node's Buffer).
    data: new Uint8Array(bytes.subarray(ENTRY_HEADER_BYTES)),
  };
}

// --- HardState -------------------------------------------------------------------------------------

/** Layout: version u8, term, commit, has-vote u8, vote length u32, lamport ceiling, vote bytes. */
export function encodeHardState(hardState: HardState): Uint8Array {
  const vote = hardState.vote === null ? null : utf8Encoder.encode(hardState.vote);
  const bytes = new Uint8Array(HARD_STATE_FIXED_BYTES + (vote?.byteLength ?? 0));
  const view = viewOf(bytes);
  view.setUint8(0, HARD_STATE_VERSION);
  writeSafeInteger(view, 1, hardState.term, 'hard state term');
  writeSafeInteger(view, 9, hardState.commit, 'hard state commit');
  view.setUint8(17, vote === null ? 0 : 1);
  view.setUint32(18, vote?.byteLength ?? 0, true);
  writeSafeInteger(view, 22, hardState.lamportCeiling ?? 0, 'hard state lamport ceiling');
  if (vote !== null) bytes.set(vote, HARD_STATE_FIXED_BYTES);
  return bytes;
}

const HARD_STATE_FIXED_BYTES = 30;

export function decodeHardState(bytes: Uint8Array): HardState {
  if (bytes.byteLength < HARD_STATE_FIXED_BYTES) throw new CodecError(`hard state needs ${HARD_STATE_FIXED_BYTES} bytes, got ${bytes.byteLength}`);
  const view = viewOf(bytes);
  const version = view.getUint8(0);
  if (version !== HARD_STATE_VERSION) throw new CodecError(`unknown hard state version ${version}`);
  const hasVote = view.getUint8(17);
  const voteLength = view.getUint32(18, true);
  if (hasVote > 1 || (hasVote === 0 && voteLength !== 0) || HARD_STATE_FIXED_BYTES + voteLength !== bytes.byteLength) {
    throw new CodecError('malformed hard state vote');
  }
  const lamportCeiling = readSafeInteger(view, 22, 'hard state lamport ceiling');
  return {
    term: readSafeInteger(view, 1, 'hard state term'),
    commit: readSafeInteger(view, 9, 'hard state commit'),
    vote: hasVote === 1 ? decodeUtf8(bytes.subarray(HARD_STATE_FIXED_BYTES)) : null,
    // Absent and 0 mean the same (no ceiling yet); keep the absent form.
    ...(lamportCeiling > 0 ? { lamportCeiling } : {}),
  };
}

// --- Snapshot --------------------------------------------------------------------------------------

/**
 * Everything of the snapshot's encoding except the trailing state-machine bytes: the full encoding is
 * `concat(encodeSnapshotHeader(s), s.data)`. Lets a backend write large snapshots without copying.
 */
export function encodeSnapshotHeader(snapshot: Snapshot): Uint8Array {
  const { meta } = snapshot;
  const voters = meta.config.voters.map((id) => utf8Encoder.encode(id));
  const learners = meta.config.learners.map((id) => utf8Encoder.encode(id));
  const idBytes = [...voters, ...learners].reduce((sum, id) => sum + 4 + id.byteLength, 0);
  const bytes = new Uint8Array(25 + 4 + 4 + idBytes + 8);
  const view = viewOf(bytes);
  view.setUint8(0, SNAPSHOT_VERSION);
  writeSafeInteger(view, 1, meta.index, 'snapshot index');
  writeSafeInteger(view, 9, meta.term, 'snapshot term');
  writeSafeInteger(view, 17, meta.lamport, 'snapshot lamport');
  let offset = 25;
  for (const ids of [voters, learners]) {
    view.setUint32(offset, ids.length, true);
    offset += 4;
    for (const id of ids) {
      view.setUint32(offset, id.byteLength, true);
      bytes.set(id, offset + 4);
      offset += 4 + id.byteLength;
    }
  }
  writeSafeInteger(view, offset, snapshot.data.byteLength, 'snapshot data length');
  return bytes;
}

export function encodedSnapshotBytes(snapshot: Snapshot): number {
  return encodeSnapshotHeader(snapshot).byteLength + snapshot.data.byteLength;
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const header = encodeSnapshotHeader(snapshot);
  const bytes = new Uint8Array(header.byteLength + snapshot.data.byteLength);
  bytes.set(header, 0);
  bytes.set(snapshot.data, header.byteLength);
  return bytes;
}

/** Decodes exactly `bytes`. The snapshot's data is a view into `bytes`, not a copy. */
export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const view = viewOf(bytes);
  const need = (offset: number, count: number): void => {
    if (offset + count > bytes.byteLength) throw new CodecError(`snapshot truncated at byte ${offset}`);
  };
  need(0, 25);
  const version = view.getUint8(0);
  if (version !== SNAPSHOT_VERSION) throw new CodecError(`unknown snapshot version ${version}`);
  let offset = 25;
  const readIds = (): string[] => {
    need(offset, 4);
    const count = view.getUint32(offset, true);
    offset += 4;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      need(offset, 4);
      const length = view.getUint32(offset, true);
      need(offset + 4, length);
      ids.push(decodeUtf8(bytes.subarray(offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    return ids;
  };
  const voters = readIds();
  const learners = readIds();
  need(offset, 8);
  const dataLength = readSafeInteger(view, offset, 'snapshot data length');
  offset += 8;
  if (offset + dataLength !== bytes.byteLength) {
    throw new CodecError(`snapshot data length ${dataLength} does not match ${bytes.byteLength - offset} bytes`);
  }
  const meta: SnapshotMeta = {
    index: readSafeInteger(view, 1, 'snapshot index'),
    term: readSafeInteger(view, 9, 'snapshot term'),
    lamport: readSafeInteger(view, 17, 'snapshot lamport'),
    config: { voters, learners },
  };
  return { meta, data: bytes.subarray(offset) };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new CodecError('invalid UTF-8 in node id');
  }
}
