// Decoded map keys, remembered by their bytes. The same few keys arrive in every message; returning
// the string decoded last time skips decoding and, more importantly, hands V8 an already internalized
// string for the property store. Direct-mapped and fixed-size: a hit costs a hash and a compare, a
// collision only evicts, memory stays bounded whatever the input.

import { readUtf8 } from './utf8.ts';

/** Keys longer than this are decoded every time. */
export const MAX_CACHED_KEY_BYTES = 16;
const SLOTS = 256; // a power of two

export class KeyCache {
  /** slotBytes[s] holds the bytes whose decoding is slotStrings[s]; both unset until first stored. */
  private readonly slotBytes: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
  private readonly slotStrings: string[] = new Array<string>(SLOTS).fill('');

  /** Same contract as `readUtf8`, for `byteLength <= MAX_CACHED_KEY_BYTES`. */
  read(bytes: Uint8Array, start: number, byteLength: number): string | null {
    const end = start + byteLength;
    let hash = 0x811c9dc5 ^ byteLength;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & (SLOTS - 1);
    const cached = this.slotBytes[slot];
    if (cached !== undefined && cached.length === byteLength && sameBytes(cached, bytes, start)) return this.slotStrings[slot]!;
    const text = readUtf8(bytes, start, byteLength);
    if (text !== null) {
      this.slotBytes[slot] = bytes.slice(start, end);
      this.slotStrings[slot] = text;
    }
    return text;
  }
}

function sameBytes(cached: Uint8Array, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < cached.length; i++) if (cached[i] !== bytes[start + i]) return false;
  return true;
}
