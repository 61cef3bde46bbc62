// A msgpack codec for plain data that gives exactly what @msgpack/msgpack 3.x gives, faster.
//
// Plain data: null, undefined, booleans, numbers, strings, Uint8Array, arrays (Array.prototype) and
// plain objects (prototype Object.prototype or null), nested at most MAX_DEPTH deep. The fast paths
// below handle only that; for anything else they hand the WHOLE value (or input) to the library, whose
// answer, bytes or error, is then the answer. So equality with the library holds by construction:
//   new PlainEncoder(o).encode(v)  ≡  new Encoder(o).encode(v)   for o = { sortKeys, ignoreUndefined }
//   new PlainDecoder(l).decode(b)  ≡  new Decoder({ ...l, keyDecoder: null }).decode(b)
// for l = the five max*Length limits, assuming nobody registers extensions on the library's default
// ExtensionCodec (Atlas does not). `keyDecoder: null` turns off the library's shared key cache, whose
// only effect besides speed is to make decoding depend on history: a key of at most 16 bytes that
// ends in a cut UTF-8 sequence decodes to whatever the same bytes decoded to earlier (the library
// reads past the key's end, so the result depended on the bytes after it then). Without the cache,
// and here, the result is a function of the input alone, as replicas need it to be; wherever the
// cache would not matter (every valid UTF-8 key) the two agree.
// Uses web-standard APIs only.

import { Decoder, Encoder } from '@msgpack/msgpack';
import { KeyCache, MAX_CACHED_KEY_BYTES } from './key-cache.ts';
import { readUtf8, utf8ByteLength, writeUtf8 } from './utf8.ts';

/** Nesting the fast paths handle; deeper values go to the library (whose encoder throws past 100). */
const MAX_DEPTH = 100;
const UINT32_MAX = 0xffff_ffff;
const TWO_POW_32 = 0x1_0000_0000;

export interface PlainEncodeOptions {
  /** Map keys in `Object.keys(o).sort()` order, else in `Object.keys` order. */
  readonly sortKeys: boolean;
  /** Map entries whose value is undefined are left out, else written as nil. */
  readonly ignoreUndefined: boolean;
}

/**
 * Encodes values into one reusable buffer that grows as needed (and never shrinks); `encode` returns a
 * fresh copy the caller owns. Not shared across option sets: one instance per option set.
 */
export class PlainEncoder {
  private bytes = new Uint8Array(2048);
  private view = new DataView(this.bytes.buffer);
  private pos = 0;
  /** True while an encode is running: a getter that encodes again must not share the buffer. */
  private busy = false;
  private readonly library: Encoder;

  constructor(private readonly options: PlainEncodeOptions) {
    this.library = new Encoder({ sortKeys: options.sortKeys, ignoreUndefined: options.ignoreUndefined });
  }

  encode(value: unknown): Uint8Array {
    if (this.busy) return this.library.encode(value);
    const view = this.encodeView(value);
    return view === null ? this.library.encode(value) : view.slice();
  }

  /**
   * The same bytes as `encode`, as a view into this encoder's buffer, valid only until its next call
   * (no copy); null when the value needs the library (then call `encode`).
   */
  encodeView(value: unknown): Uint8Array | null {
    if (this.busy) return null;
    this.busy = true;
    try {
      this.pos = 0;
      return this.write(value, 1) ? this.bytes.subarray(0, this.pos) : null;
    } finally {
      this.busy = false;
    }
  }

  /** Appends `value`; false (with the buffer in any state) when it is not plain data. */
  private write(value: unknown, depth: number): boolean {
    if (depth > MAX_DEPTH) return false; // the library throws here, whatever the value
    if (value === null || value === undefined) {
      this.byte(0xc0);
      return true;
    }
    switch (typeof value) {
      case 'boolean':
        this.byte(value ? 0xc3 : 0xc2);
        return true;
      case 'number':
        this.number(value);
        return true;
      case 'string':
        this.string(value);
        return true;
      case 'object':
        if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype && this.array(value, depth);
        if (ArrayBuffer.isView(value)) return value instanceof Uint8Array && this.binary(value);
        return this.map(value, depth);
      default:
        return false;
    }
  }

  private number(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.ensure(9);
      this.bytes[this.pos] = 0xcb;
      this.view.setFloat64(this.pos + 1, n);
      this.pos += 9;
    } else if (n >= 0) {
      // -0 lands here and is written as 0, as the library does.
      if (n < 0x80) this.byte(n);
      else if (n < 0x100) this.head(0xcc, 1, n);
      else if (n < 0x1_0000) this.head(0xcd, 2, n);
      else if (n < TWO_POW_32) this.head(0xce, 4, n);
      else this.int64(0xcf, n / TWO_POW_32, n);
    } else {
      if (n >= -0x20) this.byte(0xe0 | (n + 0x20));
      else if (n >= -0x80) this.head(0xd0, 1, n);
      else if (n >= -0x8000) this.head(0xd1, 2, n);
      else if (n >= -0x8000_0000) this.head(0xd2, 4, n);
      else this.int64(0xd3, Math.floor(n / TWO_POW_32), n);
    }
  }

  /** The library's int 64 layout: both halves through ToUint32 (the high half truncated). */
  private int64(type: number, high: number, n: number): void {
    this.ensure(9);
    this.bytes[this.pos] = type;
    this.view.setUint32(this.pos + 1, high);
    this.view.setUint32(this.pos + 5, n);
    this.pos += 9;
  }

  private string(text: string): void {
    // Short ASCII strings (most keys) in one pass.
    if (text.length < 32) {
      this.ensure(1 + text.length);
      const bytes = this.bytes;
      let p = this.pos + 1;
      let i = 0;
      for (; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        if (unit >= 0x80) break;
        bytes[p++] = unit;
      }
      if (i === text.length) {
        bytes[this.pos] = 0xa0 + text.length;
        this.pos = p;
        return;
      }
    }
    const byteLength = utf8ByteLength(text);
    if (byteLength < 32) this.byte(0xa0 + byteLength);
    else if (byteLength < 0x100) this.head(0xd9, 1, byteLength);
    else if (byteLength < 0x1_0000) this.head(0xda, 2, byteLength);
    else this.head(0xdb, 4, byteLength); // V8 strings stay far below 2^32 bytes
    this.ensure(byteLength);
    writeUtf8(text, this.bytes, this.pos, byteLength);
    this.pos += byteLength;
  }

  private binary(data: Uint8Array): boolean {
    const size = data.byteLength;
    if (size < 0x100) this.head(0xc4, 1, size);
    else if (size < 0x1_0000) this.head(0xc5, 2, size);
    else if (size < TWO_POW_32) this.head(0xc6, 4, size);
    else return false;
    this.ensure(size);
    this.bytes.set(data, this.pos);
    this.pos += size;
    return true;
  }

  private array(items: readonly unknown[], depth: number): boolean {
    const size = items.length;
    if (size < 16) this.byte(0x90 + size);
    else if (size < 0x1_0000) this.head(0xdc, 2, size);
    else this.head(0xdd, 4, size);
    // Holes read as undefined and become nil, as the library's iteration makes them.
    for (let i = 0; i < size; i++) if (!this.write(items[i], depth + 1)) return false;
    return true;
  }

  private map(object: object, depth: number): boolean {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) return false;
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record);
    if (this.options.sortKeys) sortStrings(keys);
    // Counted first, then written, reading each value twice as the library does.
    let size = keys.length;
    if (this.options.ignoreUndefined) {
      size = 0;
      for (const key of keys) if (record[key] !== undefined) size++;
    }
    if (size < 16) this.byte(0x80 + size);
    else if (size < 0x1_0000) this.head(0xde, 2, size);
    else this.head(0xdf, 4, size);
    for (const key of keys) {
      const value = record[key];
      if (value === undefined && this.options.ignoreUndefined) continue;
      this.string(key);
      if (!this.write(value, depth + 1)) return false;
    }
    return true;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = b;
  }

  /** A type byte followed by `n` as a big-endian integer of `width` bytes (two's complement if < 0). */
  private head(type: number, width: 1 | 2 | 4, n: number): void {
    this.ensure(1 + width);
    const bytes = this.bytes;
    let p = this.pos;
    bytes[p++] = type;
    if (width === 4) {
      bytes[p++] = n >>> 24;
      bytes[p++] = n >>> 16;
    }
    if (width >= 2) bytes[p++] = n >>> 8;
    bytes[p++] = n;
    this.pos = p;
  }

  private ensure(size: number): void {
    const needed = this.pos + size;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(needed * 2);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/**
 * Sorts in place into `Array.prototype.sort()` order (UTF-16 code units, as `<` compares strings).
 * Insertion sort for the few keys of a typical map: several times faster than `sort()` there.
 */
function sortStrings(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
}

/** Bounds on declared lengths, as the library's Decoder options of the same names (default 2^32 - 1). */
export interface PlainDecodeLimits {
  readonly maxStrLength?: number;
  readonly maxBinLength?: number;
  readonly maxArrayLength?: number;
  readonly maxMapLength?: number;
  readonly maxExtLength?: number;
}

function uint32(bytes: Uint8Array, p: number): number {
  return bytes[p]! * 0x100_0000 + ((bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!);
}

/** Returned by the fast path for input it leaves to the library. */
const FALLBACK: unique symbol = Symbol('fallback');
const EMPTY = new Uint8Array(0);
/** Shared by every decoder, as the library shares its key cache. */
const keyCache = new KeyCache();

/**
 * Decodes msgpack into plain data. Binary values are views into the input (`subarray`, as the library
 * returns them): the caller must not reuse the input buffer while it keeps them.
 */
export class PlainDecoder {
  private bytes: Uint8Array = EMPTY;
  private view: DataView | null = null;
  private pos = 0;
  private readonly maxStr: number;
  private readonly maxBin: number;
  private readonly maxArray: number;
  private readonly maxMap: number;
  private readonly library: Decoder;

  constructor(limits: PlainDecodeLimits = {}) {
    this.maxStr = limits.maxStrLength ?? UINT32_MAX;
    this.maxBin = limits.maxBinLength ?? UINT32_MAX;
    this.maxArray = limits.maxArrayLength ?? UINT32_MAX;
    this.maxMap = limits.maxMapLength ?? UINT32_MAX;
    this.library = new Decoder({ ...limits, keyDecoder: null });
  }

  /** The library's result for `input`, or its error (DecodeError, RangeError) thrown. */
  decode(input: Uint8Array): unknown {
    if (!(input instanceof Uint8Array)) return this.library.decode(input);
    this.bytes = input;
    this.view = null;
    this.pos = 0;
    const value = this.read(1);
    const complete = value !== FALLBACK && this.pos === input.length;
    this.bytes = EMPTY; // do not keep the caller's buffer alive
    this.view = null;
    return complete ? value : this.library.decode(input);
  }

  /** One value at `pos`, or FALLBACK for anything the fast path does not handle. */
  private read(depth: number): unknown {
    const bytes = this.bytes;
    if (this.pos >= bytes.length) return FALLBACK;
    const head = bytes[this.pos++]!;
    if (head < 0x80) return head;
    if (head >= 0xe0) return head - 0x100;
    if (head < 0x90) return this.map(head - 0x80, depth);
    if (head < 0xa0) return this.array(head - 0x90, depth);
    if (head < 0xc0) return this.string(head - 0xa0);
    switch (head) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.binary(this.uint(1));
      case 0xc5:
        return this.binary(this.uint(2));
      case 0xc6:
        return this.binary(this.uint(4));
      case 0xca:
        return this.float(4);
      case 0xcb:
        return this.float(8);
      case 0xcc:
        return this.unsigned(1);
      case 0xcd:
        return this.unsigned(2);
      case 0xce:
        return this.unsigned(4);
      case 0xcf:
        return this.unsigned(8);
      case 0xd0:
        return this.signed(1);
      case 0xd1:
        return this.signed(2);
      case 0xd2:
        return this.signed(4);
      case 0xd3:
        return this.signed(8);
      case 0xd9:
        return this.string(this.uint(1));
      case 0xda:
        return this.string(this.uint(2));
      case 0xdb:
        return this.string(this.uint(4));
      case 0xdc:
        return this.array(this.uint(2), depth);
      case 0xdd:
        return this.array(this.uint(4), depth);
      case 0xde:
        return this.map(this.uint(2), depth);
      case 0xdf:
        return this.map(this.uint(4), depth);
      default:
        return FALLBACK; // ext types, and the unused 0xc1
    }
  }

  /** A big-endian unsigned integer of `width` bytes, or -1 when the input ends first. */
  private uint(width: 1 | 2 | 4 | 8): number {
    const bytes = this.bytes;
    const p = this.pos;
    if (p + width > bytes.length) return -1;
    this.pos = p + width;
    switch (width) {
      case 1:
        return bytes[p]!;
      case 2:
        return (bytes[p]! << 8) | bytes[p + 1]!;
      case 4:
        return uint32(bytes, p);
      case 8: // as the library computes it: high * 2^32 + low, exact up to 2^53
        return uint32(bytes, p) * TWO_POW_32 + uint32(bytes, p + 4);
    }
  }

  private unsigned(width: 1 | 2 | 4 | 8): unknown {
    const n = this.uint(width);
    return n < 0 ? FALLBACK : n;
  }

  /** A big-endian two's complement integer of `width` bytes. */
  private signed(width: 1 | 2 | 4 | 8): unknown {
    const bytes = this.bytes;
    const p = this.pos;
    if (p + width > bytes.length) return FALLBACK;
    this.pos = p + width;
    switch (width) {
      case 1:
        return (bytes[p]! << 24) >> 24;
      case 2:
        return (((bytes[p]! << 8) | bytes[p + 1]!) << 16) >> 16;
      case 4:
        return uint32(bytes, p) | 0;
      case 8: // as the library computes it: signed high * 2^32 + unsigned low
        return (uint32(bytes, p) | 0) * TWO_POW_32 + uint32(bytes, p + 4);
    }
  }

  private float(width: 4 | 8): unknown {
    if (this.pos + width > this.bytes.length) return FALLBACK;
    const p = this.pos;
    this.pos += width;
    return width === 4 ? this.dataView().getFloat32(p) : this.dataView().getFloat64(p);
  }

  /** A string of `byteLength` bytes at `pos` (-1: the length itself was cut off). */
  private string(byteLength: number, isKey = false): unknown {
    if (byteLength < 0 || byteLength > this.maxStr || this.pos + byteLength > this.bytes.length) return FALLBACK;
    const text =
      isKey && byteLength <= MAX_CACHED_KEY_BYTES
        ? keyCache.read(this.bytes, this.pos, byteLength)
        : readUtf8(this.bytes, this.pos, byteLength);
    if (text === null) return FALLBACK;
    this.pos += byteLength;
    return text;
  }

  private binary(byteLength: number): unknown {
    if (byteLength < 0 || byteLength > this.maxBin || this.pos + byteLength > this.bytes.length) return FALLBACK;
    const start = this.pos;
    this.pos += byteLength;
    return this.bytes.subarray(start, this.pos);
  }

  private array(size: number, depth: number): unknown {
    // Every element takes at least one byte: a larger count is truncated input (the library's error).
    if (size < 0 || size > this.maxArray || size > this.bytes.length - this.pos || depth >= MAX_DEPTH) return FALLBACK;
    const items: unknown[] = new Array(size);
    for (let i = 0; i < size; i++) {
      const item = this.read(depth + 1);
      if (item === FALLBACK) return FALLBACK;
      items[i] = item;
    }
    return items;
  }

  /** Maps with string keys other than `__proto__` only (the library also takes number keys). */
  private map(size: number, depth: number): unknown {
    if (size < 0 || size > this.maxMap || size * 2 > this.bytes.length - this.pos || depth >= MAX_DEPTH) return FALLBACK;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const key = this.key();
      if (key === FALLBACK || key === '__proto__') return FALLBACK;
      const value = this.read(depth + 1);
      if (value === FALLBACK) return FALLBACK;
      record[key as string] = value;
    }
    return record;
  }

  private key(): unknown {
    if (this.pos >= this.bytes.length) return FALLBACK;
    const head = this.bytes[this.pos++]!;
    if (head >= 0xa0 && head < 0xc0) return this.string(head - 0xa0, true);
    if (head === 0xd9) return this.string(this.uint(1), true);
    if (head === 0xda) return this.string(this.uint(2), true);
    if (head === 0xdb) return this.string(this.uint(4), true);
    return FALLBACK;
  }

  private dataView(): DataView {
    const bytes = this.bytes;
    return (this.view ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
}
