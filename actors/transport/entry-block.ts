// The entries of one Append packed into a single byte block, so the msgpack frame carries one `bin`
// instead of one array per entry (msgpack's per-value cost dominated encoding otherwise).
//
// Layout, repeated once per entry, in log order:
//   varint term | varint lamport | u8 entryType | varint dataLength | dataLength bytes
// Varints are unsigned LEB128 of safe integers (at most 8 bytes). Indexes are not stored: entry i is
// at `prevIndex + 1 + i`, the Append contract.

import { EntryType } from '../raft/types.ts';
import type { Entry } from '../raft/types.ts';

const MAX_VARINT_BYTES = 8;
const ENTRY_TYPES: readonly number[] = Object.values(EntryType);

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[pos++] = value;
  return pos;
}

/** Packs `entries`. Precondition (checked by the caller): every number is a non-negative safe integer. */
export function encodeEntryBlock(entries: readonly Entry[]): Uint8Array {
  let size = 0;
  for (const entry of entries) {
    const length = entry.data.length;
    size += varintSize(entry.term) + varintSize(entry.lamport) + 1 + varintSize(length) + length;
  }
  const out = new Uint8Array(size);
  let pos = 0;
  for (const entry of entries) {
    pos = writeVarint(out, pos, entry.term);
    pos = writeVarint(out, pos, entry.lamport);
    out[pos++] = entry.type;
    pos = writeVarint(out, pos, entry.data.length);
    out.set(entry.data, pos);
    pos += entry.data.length;
  }
  return out;
}

/** Unpacks exactly `count` entries filling `block`; returns a reason string when it is malformed. */
export function decodeEntryBlock(block: Uint8Array, count: number, prevIndex: number): Entry[] | string {
  const entries = new Array<Entry>(count);
  let pos = 0;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (pos >= block.length) return -1;
      const byte = block[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return Number.isSafeInteger(value) && (i === 0 || byte !== 0) ? value : -1;
      scale *= 0x80;
    }
    return -1;
  };
  for (let i = 0; i < count; i++) {
    const term = readVarint();
    const lamport = readVarint();
    if (term < 0 || lamport < 0) return `entry ${i} has a malformed term or lamport`;
    if (pos >= block.length) return `entry ${i} is truncated`;
    const type = block[pos++]!;
    if (!ENTRY_TYPES.includes(type)) return `entry ${i} has unknown entry type ${type}`;
    const length = readVarint();
    if (length < 0 || length > block.length - pos) return `entry ${i} has a malformed data length`;
    const data = block.subarray(pos, pos + length);
    pos += length;
    entries[i] = { index: prevIndex + 1 + i, term, lamport, type: type as EntryType, data };
  }
  if (pos !== block.length) return `entry block has ${block.length - pos} trailing bytes`;
  return entries;
}
