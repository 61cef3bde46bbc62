// Key rules and key order for the KV machine. Keys are 1–1024 bytes of UTF-8 and may contain '/'.
// Order is by Unicode code point, which equals the order of the keys' UTF-8 bytes (etcd's order).

import { isWellFormedUtf16, utf8ByteLength } from '../codec.ts';

export const MAX_KEY_BYTES = 1024;

/** Returns null when `key` is a valid key, else why not. */
export function keyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return 'key must be a string';
  const bytes = utf8ByteLength(key);
  if (bytes < 1 || bytes > MAX_KEY_BYTES) return `key must be 1-${MAX_KEY_BYTES} bytes of UTF-8 (got ${bytes})`;
  if (!isWellFormedUtf16(key)) return 'key is not valid UTF-8';
  return null;
}

/** Code-point order: surrogate pairs (U+10000 and up) sort after U+E000..U+FFFF, as in UTF-8. */
export function compareKeys(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}
