// Seeded generators for the plain msgpack codec tests: random plain values (hitting every format
// boundary), random msgpack byte strings in any format (including ones the encoder never writes, and
// invalid ones), mutations of valid encodings, and a strict structural comparison.

import type { Rng } from '../../actors/raft/rand.ts';

export const UINT_BOUNDARIES = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff, 0x1_0000_0000, 2 ** 53 - 1];
export const NEGATIVE_BOUNDARIES = [-1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53 - 1)];
/** Byte lengths around every str/bin header change and the library's 50-unit / 200-byte thresholds. */
export const LENGTHS = [0, 1, 15, 16, 31, 32, 50, 51, 200, 201, 255, 256, 65535, 65536];
/** Random lengths: a boundary one time in four (the 64 KiB ones rarely), else short. */
function randomLength(rng: Rng, shortBelow: number): number {
  if (rng.nextInt(4) !== 0) return rng.nextInt(shortBelow);
  const length = pick(rng, LENGTHS);
  return length < 0x1_0000 || rng.nextInt(25) === 0 ? length : 256;
}
/** Container sizes around every header change; the large ones are drawn only occasionally. */
const SMALL_SIZES = [0, 1, 2, 3, 15, 16, 17];
const LARGE_SIZES = [255, 256, 65535, 65536];

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.nextInt(items.length)]!;

export function randomNumber(rng: Rng): number {
  switch (rng.nextInt(8)) {
    case 0:
      return pick(rng, UINT_BOUNDARIES) + pick(rng, [-1, 0, 0, 1]);
    case 1:
      return pick(rng, NEGATIVE_BOUNDARIES) + pick(rng, [-1, 0, 0, 1]);
    case 2:
      return pick(rng, [-0, NaN, Infinity, -Infinity, 0.5, -0.5, 1e-300, 5e-324, Number.MAX_VALUE, 2 ** 53, -(2 ** 53), 2 ** 64, 1.1]);
    case 3:
      return (rng.next() - 0.5) * 10 ** rng.nextInt(20);
    case 4:
      return Math.fround(rng.next() * 1000);
    default:
      return Math.floor((rng.next() - 0.5) * 2 ** (1 + rng.nextInt(54)));
  }
}

/** One code point's worth of UTF-16 of the given class, or a lone surrogate. */
function randomChar(rng: Rng): string {
  switch (rng.nextInt(10)) {
    case 0:
      return String.fromCharCode(0x80 + rng.nextInt(0x780)); // 2 bytes
    case 1:
      return String.fromCharCode(0x800 + rng.nextInt(0xd000)); // 3 bytes, below the surrogates
    case 2:
      return pick(rng, ['\uffff', '\ufffe', '\ufeff', '\ufffd', '\u0800', '\u07ff', '\ue000']);
    case 3:
      return String.fromCodePoint(0x10000 + rng.nextInt(0x100000)); // 4 bytes
    case 4:
      return pick(rng, ['\ud800', '\udbff', '\udc00', '\udfff']); // lone surrogate
    default:
      return String.fromCharCode(rng.nextInt(0x80));
  }
}

function charBytes(char: string): number {
  const unit = char.charCodeAt(0);
  if (char.length === 2) return 4;
  return unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
}

/** A string of exactly `byteLength` UTF-8 bytes (lone surrogates count 3), of the kind `kind`. */
function stringOfBytes(rng: Rng, byteLength: number, kind: 'ascii' | 'mixed'): string {
  const parts: string[] = [];
  if (kind === 'mixed' && byteLength >= 3 && rng.nextInt(8) === 0) {
    parts.push('\ufeff'); // a leading BOM: the library keeps it in short strings, drops it in long ones
    byteLength -= 3;
  }
  let afterHighSurrogate = false;
  while (byteLength > 0) {
    let char = kind === 'ascii' ? String.fromCharCode(rng.nextInt(0x80)) : randomChar(rng);
    if (charBytes(char) > byteLength) char = 'a';
    // Keep a lone high surrogate from pairing with a following low one.
    const unit = char.charCodeAt(0);
    if (afterHighSurrogate && unit >= 0xdc00 && unit <= 0xdfff) char = 'b';
    afterHighSurrogate = char.length === 1 && unit >= 0xd800 && unit <= 0xdbff;
    parts.push(char);
    byteLength -= charBytes(char);
  }
  return parts.join('');
}

export function randomString(rng: Rng): string {
  const byteLength = randomLength(rng, 24);
  return stringOfBytes(rng, byteLength, rng.nextInt(3) === 0 ? 'ascii' : 'mixed');
}

function randomKey(rng: Rng): string {
  if (rng.nextInt(6) === 0) return pick(rng, ['', '1', '10', '2', 'constructor', 'toString', 'hasOwnProperty', 'a', 'A', 'é', 'z\u{1f600}']);
  return randomString(rng);
}

function randomBinary(rng: Rng): Uint8Array {
  const length = randomLength(rng, 40);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = rng.nextInt(256);
  return bytes;
}

function containerSize(rng: Rng, depth: number): number {
  if (depth === 0 && rng.nextInt(60) === 0) return pick(rng, LARGE_SIZES);
  return rng.nextInt(3) === 0 ? pick(rng, SMALL_SIZES) : rng.nextInt(6);
}

/** A random plain value (undefined included, in maps and arrays), nested at most `maxDepth` deep. */
export function randomPlain(rng: Rng, depth = 0, maxDepth = 4): unknown {
  const choice = rng.nextInt(depth >= maxDepth ? 7 : 10);
  switch (choice) {
    case 0:
      return pick(rng, [null, true, false, undefined]);
    case 1:
    case 2:
      return randomNumber(rng);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
    case 6:
      return rng.nextInt(3) === 0 ? randomBinary(rng) : randomNumber(rng);
    case 7: {
      const size = containerSize(rng, depth);
      const big = size > 300; // big containers hold small scalars, so cases stay fast
      const items: unknown[] = [];
      for (let i = 0; i < size; i++) items.push(big ? rng.nextInt(300) - 40 : randomPlain(rng, depth + 1, maxDepth));
      if (!big && size > 2 && rng.nextInt(10) === 0) delete items[rng.nextInt(size)]; // a hole
      return items;
    }
    default: {
      const size = containerSize(rng, depth);
      const big = size > 300;
      const map: Record<string, unknown> = rng.nextInt(10) === 0 ? Object.create(null) : {};
      for (let i = 0; i < size; i++) {
        const key = big ? `k${i}` : randomKey(rng);
        map[key] = big ? i : rng.nextInt(8) === 0 ? undefined : randomPlain(rng, depth + 1, maxDepth);
      }
      return map;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Raw msgpack, any format

/** Appends `n` as a big-endian integer of `width` bytes (two's complement, any sign; high bits dropped). */
function pushInt(out: number[], n: number, width: number): void {
  if (!Number.isFinite(n)) n = 0;
  for (let i = width - 1; i >= 0; i--) out.push(Number(BigInt.asUintN(8, BigInt(Math.trunc(n)) >> BigInt(8 * i))));
}

function pushRandomBytes(rng: Rng, out: number[], count: number): void {
  for (let i = 0; i < count; i++) out.push(rng.nextInt(256));
}

/** A header of `family` for a length, in the smallest format or (sometimes) a larger one. */
function pushLength(rng: Rng, out: number[], length: number, fix: number | null, fixMax: number, formats: readonly [number, number][]): void {
  if (fix !== null && length <= fixMax && rng.nextInt(3) !== 0) {
    out.push(fix + length);
    return;
  }
  const usable = formats.filter(([, width]) => length < 2 ** (8 * width));
  const [type, width] = pick(rng, usable);
  out.push(type);
  pushInt(out, length, width);
}

const STR_FORMATS = [[0xd9, 1], [0xda, 2], [0xdb, 4]] as const satisfies readonly [number, number][];
const BIN_FORMATS = [[0xc4, 1], [0xc5, 2], [0xc6, 4]] as const satisfies readonly [number, number][];
const ARRAY_FORMATS = [[0xdc, 2], [0xdd, 4]] as const satisfies readonly [number, number][];
const MAP_FORMATS = [[0xde, 2], [0xdf, 4]] as const satisfies readonly [number, number][];
const textEncoder = new TextEncoder();

function pushString(rng: Rng, out: number[], key: boolean): void {
  let bytes: Uint8Array;
  const kind = rng.nextInt(10);
  if (kind === 0) bytes = Uint8Array.from({ length: rng.nextInt(key ? 20 : 240) }, () => rng.nextInt(256)); // likely invalid UTF-8
  else if (kind === 1) bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...textEncoder.encode(randomString(rng))]); // leading BOM
  else if (kind === 2) bytes = Uint8Array.from(pick(rng, [[0xed, 0xa0, 0x80], [0xc0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xff]])); // invalid
  else if (key && kind === 3) bytes = textEncoder.encode('__proto__');
  else bytes = textEncoder.encode(key ? randomKey(rng) : randomString(rng));
  pushLength(rng, out, bytes.length, 0xa0, 31, STR_FORMATS);
  out.push(...bytes);
}

/** Appends one msgpack value in a random format; mostly valid, sometimes not (ext, 0xc1, odd keys). */
export function pushRandomEncoding(rng: Rng, out: number[], depth = 0): void {
  const kind = rng.nextInt(depth >= 4 ? 9 : 12);
  switch (kind) {
    case 0:
      out.push(pick(rng, [0xc0, 0xc2, 0xc3, rng.nextInt(0x80), 0xe0 + rng.nextInt(0x20)]));
      return;
    case 1: {
      const [type, width] = pick(rng, [[0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8], [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8]] as const);
      out.push(type);
      if (rng.nextInt(2) === 0) pushRandomBytes(rng, out, width);
      else pushInt(out, randomNumber(rng), width);
      return;
    }
    case 2:
      out.push(0xca);
      pushRandomBytes(rng, out, 4);
      return;
    case 3:
      out.push(0xcb);
      pushRandomBytes(rng, out, 8);
      return;
    case 4:
    case 5:
      pushString(rng, out, false);
      return;
    case 6: {
      const bin = randomBinary(rng);
      pushLength(rng, out, bin.length, null, 0, BIN_FORMATS);
      out.push(...bin);
      return;
    }
    case 7:
      if (rng.nextInt(4) === 0) {
        // ext: fixext 1/2/4/8/16 or ext 8, any type (-1 is the timestamp the library decodes to a Date)
        const size = pick(rng, [1, 2, 4, 8, 12, 16]);
        if (size === 12) out.push(0xc7, 12);
        else out.push({ 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[size]!);
        out.push(pick(rng, [0xff, 0x00, 0x05, 0x80]));
        pushRandomBytes(rng, out, size);
      } else out.push(0xc0);
      return;
    case 8:
      out.push(rng.nextInt(50) === 0 ? 0xc1 : 0xc3);
      return;
    case 9: {
      const size = containerSize(rng, 1);
      pushLength(rng, out, size, 0x90, 15, ARRAY_FORMATS);
      for (let i = 0; i < size; i++) pushRandomEncoding(rng, out, depth + 1);
      return;
    }
    default: {
      const size = containerSize(rng, 1);
      pushLength(rng, out, size, 0x80, 15, MAP_FORMATS);
      for (let i = 0; i < size; i++) {
        if (rng.nextInt(12) === 0) pushRandomEncoding(rng, out, 4); // a key of any type
        else pushString(rng, out, true);
        pushRandomEncoding(rng, out, depth + 1);
      }
    }
  }
}

export function randomEncoding(rng: Rng): Uint8Array {
  const out: number[] = [];
  pushRandomEncoding(rng, out);
  return Uint8Array.from(out);
}

/** `bytes` flipped, cut, extended or spliced at random places. */
export function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  const edits = 1 + rng.nextInt(3);
  for (let e = 0; e < edits; e++) {
    const at = rng.nextInt(out.length + 1);
    switch (rng.nextInt(5)) {
      case 0:
        out[at] = rng.nextInt(256);
        break;
      case 1:
        out.length = at; // truncated
        break;
      case 2:
        out.push(...Array.from({ length: 1 + rng.nextInt(3) }, () => rng.nextInt(256))); // trailing bytes
        break;
      case 3:
        out.splice(at, 0, rng.nextInt(256));
        break;
      default:
        out.splice(at, 1);
    }
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------------------------
// Comparison

/**
 * Where `actual` and `expected` differ, or null when they are the same plain data: same types and
 * prototypes, numbers by Object.is (so -0 and NaN count), keys in the same order, holes as holes, and
 * binaries of the same class and contents.
 */
export function difference(actual: unknown, expected: unknown, path = '$'): string | null {
  if (typeof actual !== 'object' || actual === null || typeof expected !== 'object' || expected === null) {
    return Object.is(actual, expected) ? null : `${path}: ${describe(actual)} !== ${describe(expected)}`;
  }
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return `${path}: prototypes differ`;
  if (actual instanceof Date) return Object.is(actual.getTime(), (expected as Date).getTime()) ? null : `${path}: dates differ`;
  if (actual instanceof Uint8Array) {
    const other = expected as Uint8Array;
    if (actual.length !== other.length) return `${path}: binary lengths ${actual.length} !== ${other.length}`;
    for (let i = 0; i < actual.length; i++) if (actual[i] !== other[i]) return `${path}[${i}]: byte ${actual[i]} !== ${other[i]}`;
    return null;
  }
  const keysA = Reflect.ownKeys(actual);
  const keysE = Reflect.ownKeys(expected);
  if (keysA.join('\u0000') !== keysE.join('\u0000')) return `${path}: keys ${describe(keysA)} !== ${describe(keysE)}`;
  for (const key of keysA) {
    const found = difference((actual as Record<PropertyKey, unknown>)[key], (expected as Record<PropertyKey, unknown>)[key], `${path}.${String(key)}`);
    if (found) return found;
  }
  return null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value);
  if (Array.isArray(value) && value.length > 10) return `[${value.slice(0, 10).map(String).join(',')},…(${value.length})]`;
  return Object.is(value, -0) ? '-0' : String(value);
}

export function firstByteDifference(actual: Uint8Array, expected: Uint8Array): string | null {
  const length = Math.min(actual.length, expected.length);
  for (let i = 0; i < length; i++) {
    if (actual[i] !== expected[i]) return `byte ${i}: 0x${actual[i]!.toString(16)} !== 0x${expected[i]!.toString(16)}`;
  }
  return actual.length === expected.length ? null : `lengths ${actual.length} !== ${expected.length}`;
}
