// msgpack helpers shared by the envelope, the host and the machines. Decoding never trusts its input:
// lengths are bounded by the input size and anything but plain data is refused, so callers can turn
// every failure into the same deterministic error on every replica.

import { PlainDecoder, PlainEncoder } from '../codec/plain-msgpack.ts';

/** Deepest nesting accepted in decoded commands: far below any JS stack limit, so walks never overflow. */
export const MAX_NESTING_DEPTH = 32;

/** One reusable encoder (its buffer is reused; every result is a fresh copy). */
const canonicalEncoder = new PlainEncoder({ sortKeys: true, ignoreUndefined: true });

/**
 * Canonical encoding: map keys sorted, undefined map values omitted. Equal plain data encodes to equal
 * bytes whatever order its keys were inserted in.
 */
export function encodeCanonical(value: unknown): Uint8Array {
  return canonicalEncoder.encode(value);
}

/** Decodes untrusted bytes. Throws on malformed input; container lengths are bounded by twice the input size. */
export function decodeUntrusted(bytes: Uint8Array): unknown {
  return untrustedDecoder(bytes.byteLength).decode(bytes);
}

/**
 * Reused decoders (building one per call was a visible share of apply), one per power-of-two size
 * class: a decoder for inputs up to `bound` bytes refuses any declared length above `bound`, so every
 * container length stays within twice the input size.
 */
const untrustedDecoders = new Map<number, PlainDecoder>();

function untrustedDecoder(byteLength: number): PlainDecoder {
  let bound = 256;
  while (bound < byteLength) bound *= 2;
  let decoder = untrustedDecoders.get(bound);
  if (!decoder) {
    decoder = new PlainDecoder({ maxStrLength: bound, maxBinLength: bound, maxArrayLength: bound, maxMapLength: bound, maxExtLength: bound });
    untrustedDecoders.set(bound, decoder);
  }
  return decoder;
}

/**
 * Returns null when `value` is plain data (null, booleans, finite or non-finite numbers, strings,
 * Uint8Array, arrays and plain objects) nested at most `maxDepth` deep, else a reason. The reason is
 * part of replicated apply outcomes, so which problem is reported is fixed: depth first, children from
 * last to first (as the stack walk it replaces visited them). Recursion stops at `maxDepth` + 1.
 */
export function plainDataProblem(value: unknown, maxDepth = MAX_NESTING_DEPTH): string | null {
  return problemAt(value, 1, maxDepth);
}

function problemAt(v: unknown, depth: number, maxDepth: number): string | null {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return null;
  if (v instanceof Uint8Array) return null;
  if (typeof v !== 'object') return `unsupported value of type ${typeof v}`;
  if (depth > maxDepth) return `nested deeper than ${maxDepth} levels`;
  if (Array.isArray(v)) {
    for (let i = v.length - 1; i >= 0; i--) {
      const problem = problemAt(v[i], depth + 1, maxDepth);
      if (problem !== null) return problem;
    }
    return null;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return 'unsupported object (extension type)';
  const keys = Object.keys(v);
  for (let i = keys.length - 1; i >= 0; i--) {
    const problem = problemAt((v as Record<string, unknown>)[keys[i]!], depth + 1, maxDepth);
    if (problem !== null) return problem;
  }
  return null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A 53-bit non-cryptographic hash (cyrb53) of `bytes`, seeded by `seed`. Used to tell whether a retry
 * carries the same command as the first attempt; identical on every replica.
 */
export function fingerprint53(bytes: Uint8Array, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** UTF-8 byte length of a string without allocating (lone surrogates count 3), as msgpack writes it. */
export { utf8ByteLength } from '../codec/utf8.ts';

/** True when `text` has no lone surrogate, i.e. it round-trips through UTF-8 unchanged. */
export function isWellFormedUtf16(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff || i + 1 >= text.length) return false;
    const next = text.charCodeAt(i + 1);
    if (next < 0xdc00 || next > 0xdfff) return false;
    i++;
  }
  return true;
}

export function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
