// The plain msgpack codec against @msgpack/msgpack itself: same bytes out of the encoder, same values
// (or the same error) out of the decoder, for random plain values, random encodings in every format,
// garbage and non-plain values. Failures name the seed and case; PLAIN_MSGPACK_SEED=<seed> replays them.

import { Decoder, Encoder, ExtData } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { PlainDecoder, PlainEncoder } from '../../actors/codec/plain-msgpack.ts';
import type { PlainDecodeLimits, PlainEncodeOptions } from '../../actors/codec/plain-msgpack.ts';
import { seededRng } from '../../actors/raft/rand.ts';
import type { Rng } from '../../actors/raft/rand.ts';
import { LENGTHS, difference, firstByteDifference, mutate, randomEncoding, randomPlain } from './msgpack-generators.ts';

const SEED = Number(process.env.PLAIN_MSGPACK_SEED ?? 0x5eed);

/** Runs `count` cases, case i with its own generator; a failure says how to replay it. */
function forEachCase(name: string, count: number, body: (rng: Rng, i: number) => void): void {
  for (let i = 0; i < count; i++) {
    const caseSeed = (Math.imul(SEED ^ name.length, 0x9e3779b1) + i * 0x85ebca6b) >>> 0;
    try {
      body(seededRng(caseSeed), i);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${name}: case ${i} failed (PLAIN_MSGPACK_SEED=${SEED}, case seed ${caseSeed}): ${message}`, { cause: error });
    }
  }
}

type Outcome = { readonly value: unknown } | { readonly error: unknown };

function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    return { error };
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.constructor.name}(${error.name}): ${error.message}` : `non-Error ${String(error)}`;
}

/** Throws unless both returned the same plain data or both threw the same kind of error, same message. */
function assertSameOutcome(actual: Outcome, expected: Outcome): void {
  if ('error' in expected) {
    if (!('error' in actual)) throw new Error(`library threw ${describeError(expected.error)}, plain returned a value`);
    if (describeError(actual.error) !== describeError(expected.error)) {
      throw new Error(`errors differ: ${describeError(actual.error)} vs ${describeError(expected.error)}`);
    }
    return;
  }
  if ('error' in actual) throw new Error(`plain threw ${describeError(actual.error)}, library returned a value`);
  const found = difference(actual.value, expected.value);
  if (found) throw new Error(`decoded values differ at ${found}`);
}

function assertSameBytes(actual: Outcome, expected: Outcome): void {
  if ('value' in actual && 'value' in expected) {
    const found = firstByteDifference(actual.value as Uint8Array, expected.value as Uint8Array);
    if (found) throw new Error(`encodings differ at ${found}`);
    return;
  }
  assertSameOutcome(actual, expected);
}

const ENCODE_OPTIONS: readonly PlainEncodeOptions[] = [
  { sortKeys: true, ignoreUndefined: true },
  { sortKeys: false, ignoreUndefined: true },
  { sortKeys: false, ignoreUndefined: false },
  { sortKeys: true, ignoreUndefined: false },
];
const encoderPairs = ENCODE_OPTIONS.map((options) => ({ options, plain: new PlainEncoder(options), library: new Encoder(options) }));

const LIMIT_SETS: readonly PlainDecodeLimits[] = [
  {},
  { maxStrLength: 256, maxBinLength: 256, maxArrayLength: 256, maxMapLength: 256, maxExtLength: 256 },
  { maxStrLength: 4096, maxBinLength: 8 * 1024 * 1024, maxArrayLength: 1000, maxMapLength: 0, maxExtLength: 0 },
  { maxStrLength: 31, maxBinLength: 16, maxArrayLength: 15, maxMapLength: 16, maxExtLength: 1 },
];
/** The reference: the library without its key cache, the one source of history-dependence (see plain-msgpack.ts). */
const decoderPairs = LIMIT_SETS.map((limits) => ({ limits, plain: new PlainDecoder(limits), library: new Decoder({ ...limits, keyDecoder: null }) }));
/** The library as Atlas used it before: same limits, key cache on. */
const cachedLibraryDecoders = LIMIT_SETS.map((limits) => new Decoder(limits));

/** Runs `check`, prefixing what it throws with `context`. */
function within(context: () => string, check: () => void): void {
  try {
    check();
  } catch (error) {
    throw new Error(`${context()}: ${(error as Error).message}`);
  }
}

function assertEncodesAsLibrary(value: unknown): void {
  for (const { options, plain, library } of encoderPairs) {
    within(
      () => `${Object.prototype.toString.call(value)} with ${JSON.stringify(options)}`,
      () => assertSameBytes(outcome(() => plain.encode(value)), outcome(() => library.encode(value))),
    );
  }
}

function assertDecodesAsLibrary(bytes: Uint8Array): void {
  for (const { limits, plain, library } of decoderPairs) {
    within(
      () => `limits ${JSON.stringify(limits)}, input ${hex(bytes)}`,
      () => assertSameOutcome(outcome(() => plain.decode(bytes)), outcome(() => library.decode(bytes))),
    );
  }
}

function hex(bytes: Uint8Array): string {
  const shown = Array.from(bytes.subarray(0, 48), (b) => b.toString(16).padStart(2, '0')).join('');
  return bytes.length > 48 ? `${shown}…(${bytes.length} bytes)` : shown;
}

describe('the comparison helpers can fail', () => {
  it('tell apart values the library would tell apart', () => {
    expect(difference(0, -0)).not.toBeNull();
    expect(difference(NaN, NaN)).toBeNull();
    expect(difference({ a: 1, b: 2 }, { b: 2, a: 1 })).not.toBeNull();
    expect(difference([1, [2]], [1, [3]])).not.toBeNull();
    expect(difference(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).not.toBeNull();
    expect(difference(Buffer.from([1]), Uint8Array.of(1))).not.toBeNull();
    expect(firstByteDifference(Uint8Array.of(1, 2), Uint8Array.of(1))).not.toBeNull();
    expect(() => assertSameOutcome({ value: 1 }, { error: new RangeError('x') })).toThrow();
    expect(() => assertSameOutcome({ error: new RangeError('x') }, { error: new RangeError('y') })).toThrow();
  });
});

describe('PlainEncoder', () => {
  it('writes the library bytes for random plain values, for every option set', () => {
    forEachCase('encode', 3000, (rng) => assertEncodesAsLibrary(randomPlain(rng)));
  });

  it('writes the library bytes at every integer, string, binary and container boundary', () => {
    const values: unknown[] = [];
    for (let n = -(2 ** 33); n <= 2 ** 33; n = n === 0 ? 1 : n < 0 ? Math.ceil(n / 2) : n * 2) values.push(n, n - 1, n + 1, -n);
    values.push(-0, NaN, Infinity, -Infinity, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 0.1, -1.5, 5e-324);
    for (const length of LENGTHS) {
      values.push('a'.repeat(length), 'é'.repeat(length >> 1), '€'.repeat(Math.ceil(length / 3)), '😀'.repeat(length >> 2));
      values.push(`\ud800${'a'.repeat(length)}`, `${'a'.repeat(length)}\udc00`, `\ufeff${'x'.repeat(length)}`);
      values.push(new Uint8Array(length).fill(7));
    }
    // Lone surrogates either side of the library's 50-unit switch from its own encoder to TextEncoder.
    for (const units of [49, 50, 51, 52]) values.push(`\ud800${'a'.repeat(units - 1)}`, `${'é'.repeat(units - 1)}\udfff`);
    for (const size of [0, 15, 16, 255, 256, 65535, 65536]) {
      values.push(Array.from({ length: size }, (_, i) => i % 200));
      values.push(Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${size - i}`, i % 3 === 0 ? undefined : i])));
    }
    for (const value of values) assertEncodesAsLibrary(value);
  });

  it('falls back to the library for anything that is not plain data, throws included', () => {
    class Point {
      x = 1;
    }
    const nested = (levels: number, leaf: unknown): unknown => {
      let value = leaf;
      for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { v: value };
      return value;
    };
    const withSymbolKey = { a: 1, [Symbol('k')]: 2 };
    const arrayWithProps = Object.assign([1, 2], { extra: 3 });
    const values: unknown[] = [
      new Date(0),
      new Date(1_700_000_000_123),
      new Date(-1),
      new Date(NaN),
      new Map([[1, 2]]),
      new Set([1]),
      10n,
      new ExtData(5, Uint8Array.of(1, 2)),
      new Int16Array([1, -2]),
      new Float64Array([1.5]),
      new Uint8ClampedArray([255]),
      new ArrayBuffer(4),
      new DataView(new ArrayBuffer(3)),
      new Point(),
      () => 1,
      Symbol('s'),
      new Error('boom'),
      /re/,
      new Number(1),
      new String('s'),
      Object.create({ inherited: 1 }),
      new (class extends Array {})(),
      Buffer.from([1, 2, 3]),
      new (class extends Uint8Array {})(3),
      withSymbolKey,
      arrayWithProps,
      [1, , 3], // eslint-disable-line no-sparse-arrays
      { a: [new Point()] },
      { a: { b: 10n } },
      [1, 'x', new Map()],
      { date: new Date(5), ok: true },
      nested(99, 1),
      nested(100, 1),
      nested(100, null),
      nested(101, 'deep'),
      nested(150, {}),
      { a: undefined, b: [undefined], c: { d: undefined } },
    ];
    for (const value of values) assertEncodesAsLibrary(value);
  });

  it('returns a fresh copy the caller owns', () => {
    const encoder = new PlainEncoder({ sortKeys: true, ignoreUndefined: true });
    const first = encoder.encode({ a: 'x'.repeat(100) });
    const copy = first.slice();
    const second = encoder.encode({ a: 'y'.repeat(5000) });
    expect(first).toEqual(copy);
    expect(first.byteOffset).toBe(0);
    expect(first.buffer.byteLength).toBe(first.byteLength);
    expect(second.buffer).not.toBe(first.buffer);
  });

  it('gives encode\'s bytes as a view of its own buffer from encodeView, and null where encode needs the library', () => {
    const encoder = new PlainEncoder({ sortKeys: true, ignoreUndefined: true });
    forEachCase('encodeView', 500, (rng) => {
      const value = randomPlain(rng);
      const expected = new PlainEncoder({ sortKeys: true, ignoreUndefined: true }).encode(value);
      const view = encoder.encodeView(value);
      expect(view).not.toBeNull();
      expect(Buffer.from(view!).equals(Buffer.from(expected))).toBe(true);
    });
    const view = encoder.encodeView({ a: 1 })!;
    encoder.encodeView({ b: 'overwritten' });
    expect(view.buffer).toBe(encoder.encodeView({ c: 2 })!.buffer);
    expect(encoder.encodeView(new Date(0))).toBeNull();
    expect(encoder.encodeView({ a: 10n })).toBeNull();
  });

  it('encodes a value whose getter encodes again as the library does', () => {
    const plain = new PlainEncoder({ sortKeys: true, ignoreUndefined: true });
    const library = new Encoder({ sortKeys: true, ignoreUndefined: true });
    const reentrant = (encoder: { encode(v: unknown): Uint8Array }) => ({
      get inner() {
        return encoder.encode({ z: 1, a: [2, 3] });
      },
      b: 'x',
    });
    expect(plain.encode(reentrant(plain))).toEqual(library.encode(reentrant(library)));
  });
});

describe('PlainDecoder', () => {
  it('decodes what the library decodes, for encodings of random plain values', () => {
    forEachCase('decode', 2000, (rng) => {
      const value = randomPlain(rng);
      const { library } = encoderPairs[rng.nextInt(encoderPairs.length)]!;
      const bytes = library.encode(value);
      assertDecodesAsLibrary(bytes);
      // The encoder never cuts a UTF-8 sequence, so here the cached library decoder agrees too.
      decoderPairs.forEach(({ plain }, i) => {
        assertSameOutcome(outcome(() => plain.decode(bytes)), outcome(() => cachedLibraryDecoders[i]!.decode(bytes)));
      });
      // And vitest's deep equality, for good measure (on the smaller values: it is slow on large ones).
      if (bytes.length < 4096) expect(decoderPairs[0]!.plain.decode(bytes)).toEqual(cachedLibraryDecoders[0]!.decode(bytes));
    });
  });

  it('decodes random encodings in every format (non-minimal ints, float32, str8 for short text, invalid UTF-8, ext, odd keys)', () => {
    forEachCase('formats', 5000, (rng) => assertDecodesAsLibrary(randomEncoding(rng)));
  });

  it('throws iff the library throws, with its message, on mutated encodings', () => {
    forEachCase('mutations', 4000, (rng) => {
      const bytes = rng.nextInt(2) === 0 ? randomEncoding(rng) : encoderPairs[0]!.library.encode(randomPlain(rng, 0, 2));
      assertDecodesAsLibrary(mutate(rng, bytes));
    });
  });

  it('throws iff the library throws, with its message, on random bytes', () => {
    forEachCase('garbage', 4000, (rng) => {
      const bytes = Uint8Array.from({ length: rng.nextInt(40) }, () => rng.nextInt(256));
      assertDecodesAsLibrary(bytes);
    });
  });

  it('handles the named edge cases as the library does', () => {
    const cases: number[][] = [
      [],
      [0xc1],
      [0x91],
      [0xc0, 0xc0],
      [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
      [0xd3, 0x80, 0, 0, 0, 0, 0, 0, 1],
      [0xca, 0x7f, 0xc0, 0, 0],
      [0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 1],
      [0x81, 0x01, 0x02],
      [0x81, 0xc0, 0x02],
      [0x81, 0x91, 0x01, 0x02],
      [0xa3, 0xed, 0xa0, 0x80],
      [0xa2, 0xe2, 0x82, 0xa1],
      [0xa1, 0xe2, 0x82, 0xa1],
      [0xa3, 0xef, 0xbb, 0xbf],
      [0xd9, 0xd2, 0xef, 0xbb, 0xbf, ...new Array(207).fill(0x61)],
      [0xd9, 0xd2, 0xff, ...new Array(209).fill(0x61)],
      [0xd4, 0xff, 0x00],
      [0xd6, 0xff, 0, 0, 0, 1],
      [0xc7, 0x01, 0x05, 0x00],
      [0xdd, 0xff, 0xff, 0xff, 0xff],
      [0xdf, 0xff, 0xff, 0xff, 0xff],
      [0xc6, 0xff, 0xff, 0xff, 0xff],
      [0xdb, 0x00, 0x00, 0x01, 0x00],
    ];
    for (const bytes of cases) assertDecodesAsLibrary(Uint8Array.from(bytes));
    let deep = Uint8Array.of(0x01);
    for (let i = 0; i < 300; i++) deep = Uint8Array.from([0x91, ...deep]);
    assertDecodesAsLibrary(deep);
  });

  it('decodes a key that ends in a cut UTF-8 sequence from the input alone, unlike the cached library decoder', () => {
    // Key 'zz' + E2 82 (a 3-byte sequence cut short): the library reads the byte after the key as
    // the sequence's last byte, so the key depends on the value that follows it.
    const followedBy = (valueByte: number) => Uint8Array.of(0x81, 0xa4, 0x7a, 0x7a, 0xe2, 0x82, valueByte);
    const cached = new Decoder();
    const plain = new PlainDecoder();
    const first = Object.keys(cached.decode(followedBy(0x19)) as object);
    const second = Object.keys(cached.decode(followedBy(0x00)) as object);
    expect(second).toEqual(first); // the library's cache answered with the first input's key
    expect(Object.keys(plain.decode(followedBy(0x19)) as object)).toEqual(['zz\u2099']);
    expect(Object.keys(plain.decode(followedBy(0x00)) as object)).toEqual(['zz\u2080']);
  });

  it('returns binaries as views into the input, of the input class, as the library does', () => {
    const bytes = new Encoder().encode({ a: Uint8Array.of(1, 2, 3), b: [Uint8Array.of(4)] });
    const decoded = new PlainDecoder().decode(bytes) as { a: Uint8Array; b: Uint8Array[] };
    expect(decoded.a.buffer).toBe(bytes.buffer);
    expect(decoded.a).toEqual(Uint8Array.of(1, 2, 3));
    const fromBuffer = Buffer.from(bytes);
    const plain = new PlainDecoder().decode(fromBuffer) as { a: Uint8Array };
    const library = new Decoder().decode(fromBuffer) as { a: Uint8Array };
    expect(Object.getPrototypeOf(plain.a)).toBe(Object.getPrototypeOf(library.a));
    expect(plain.a.byteOffset).toBe(library.a.byteOffset);
  });

  it('decodes many distinct and repeated keys correctly (the key cache)', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? `κ${i}` : `k${i}`));
    const map = Object.fromEntries(keys.map((k, i) => [k, i]));
    const bytes = new Encoder().encode(map);
    for (let round = 0; round < 3; round++) assertDecodesAsLibrary(bytes);
    for (let i = 0; i < 2000; i += 97) assertDecodesAsLibrary(new Encoder().encode({ [keys[i]!]: i, [keys[(i * 7) % 2000]!]: 'v' }));
  });
});
