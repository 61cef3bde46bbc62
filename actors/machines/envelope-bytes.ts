// The bytes of a command envelope, written field by field: exactly what encodeCanonical gives for
//   { v: 1, machine, logTimeMs, idempotencyKey?, command }
// (a msgpack map with its keys in sorted order: command, idempotencyKey, logTimeMs, machine, v), in one
// allocation and without building, sorting or walking an object. The caller validates the fields
// first (envelope.ts); this only lays them out.

import { ByteSlab } from '../codec/byte-slab.ts';
import { utf8ByteLength, writeUtf8 } from '../codec/utf8.ts';

/** Envelopes become log entries, which are released together, in index order. */
const entrySlab = new ByteSlab();

/** fixstr headers and bytes of the five keys, in canonical (sorted) order. */
const KEY_COMMAND = asciiKey('command');
const KEY_IDEMPOTENCY_KEY = asciiKey('idempotencyKey');
const KEY_LOG_TIME_MS = asciiKey('logTimeMs');
const KEY_MACHINE = asciiKey('machine');
const KEY_V = asciiKey('v');

const TWO_POW_32 = 0x1_0000_0000;

/**
 * canonical({ v: version, machine, logTimeMs, idempotencyKey, command }) with `command` as bin. Needs
 * version < 128, logTimeMs a non-negative safe integer, command shorter than 2^32 bytes.
 */
export function writeEnvelopeBytes(
  version: number,
  machine: string,
  logTimeMs: number,
  idempotencyKey: string | undefined,
  command: Uint8Array,
): Uint8Array {
  const machineBytes = utf8ByteLength(machine);
  const keyBytes = idempotencyKey === undefined ? 0 : utf8ByteLength(idempotencyKey);
  const size =
    1 +
    KEY_COMMAND.length + binHeaderBytes(command.byteLength) + command.byteLength +
    (idempotencyKey === undefined ? 0 : KEY_IDEMPOTENCY_KEY.length + strHeaderBytes(keyBytes) + keyBytes) +
    KEY_LOG_TIME_MS.length + uintBytes(logTimeMs) +
    KEY_MACHINE.length + strHeaderBytes(machineBytes) + machineBytes +
    KEY_V.length + 1;
  const out = entrySlab.alloc(size);
  let p = 0;
  out[p++] = 0x80 + (idempotencyKey === undefined ? 4 : 5);
  p = put(out, p, KEY_COMMAND);
  p = binHeader(out, p, command.byteLength);
  out.set(command, p);
  p += command.byteLength;
  if (idempotencyKey !== undefined) {
    p = put(out, p, KEY_IDEMPOTENCY_KEY);
    p = str(out, p, idempotencyKey, keyBytes);
  }
  p = put(out, p, KEY_LOG_TIME_MS);
  p = uint(out, p, logTimeMs);
  p = put(out, p, KEY_MACHINE);
  p = str(out, p, machine, machineBytes);
  p = put(out, p, KEY_V);
  out[p++] = version;
  return out;
}

/** Where writeEnvelopeBytes puts a command of `length` bytes: it comes first, after its key and bin header. */
export function envelopeCommandOffset(length: number): number {
  return 1 + KEY_COMMAND.length + binHeaderBytes(length);
}

function asciiKey(key: string): Uint8Array {
  const bytes = new Uint8Array(1 + key.length);
  bytes[0] = 0xa0 + key.length;
  for (let i = 0; i < key.length; i++) bytes[1 + i] = key.charCodeAt(i);
  return bytes;
}

function put(out: Uint8Array, p: number, bytes: Uint8Array): number {
  out.set(bytes, p);
  return p + bytes.length;
}

function binHeaderBytes(length: number): number {
  return length < 0x100 ? 2 : length < 0x1_0000 ? 3 : 5;
}

function strHeaderBytes(length: number): number {
  return length < 32 ? 1 : length < 0x100 ? 2 : length < 0x1_0000 ? 3 : 5;
}

function uintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x1_0000 ? 3 : n < TWO_POW_32 ? 5 : 9;
}

function binHeader(out: Uint8Array, p: number, length: number): number {
  if (length < 0x100) {
    out[p] = 0xc4;
    out[p + 1] = length;
    return p + 2;
  }
  if (length < 0x1_0000) {
    out[p] = 0xc5;
    return be(out, p + 1, length, 2);
  }
  out[p] = 0xc6;
  return be(out, p + 1, length, 4);
}

function str(out: Uint8Array, p: number, text: string, byteLength: number): number {
  if (byteLength < 32) out[p++] = 0xa0 + byteLength;
  else if (byteLength < 0x100) {
    out[p] = 0xd9;
    p = be(out, p + 1, byteLength, 1);
  } else if (byteLength < 0x1_0000) {
    out[p] = 0xda;
    p = be(out, p + 1, byteLength, 2);
  } else {
    out[p] = 0xdb;
    p = be(out, p + 1, byteLength, 4);
  }
  writeUtf8(text, out, p, byteLength);
  return p + byteLength;
}

/** The smallest msgpack unsigned integer form of `n`, as the canonical encoder writes it. */
function uint(out: Uint8Array, p: number, n: number): number {
  if (n < 0x80) {
    out[p] = n;
    return p + 1;
  }
  if (n < 0x100) {
    out[p] = 0xcc;
    return be(out, p + 1, n, 1);
  }
  if (n < 0x1_0000) {
    out[p] = 0xcd;
    return be(out, p + 1, n, 2);
  }
  if (n < TWO_POW_32) {
    out[p] = 0xce;
    return be(out, p + 1, n, 4);
  }
  out[p] = 0xcf;
  be(out, p + 1, Math.floor(n / TWO_POW_32), 4);
  return be(out, p + 5, n % TWO_POW_32, 4);
}

/** `n` (below 2^(8 * width)) big-endian in `width` bytes at `p`; returns the position after it. */
function be(out: Uint8Array, p: number, n: number, width: 1 | 2 | 4): number {
  if (width === 4) {
    out[p++] = n >>> 24;
    out[p++] = n >>> 16;
  }
  if (width >= 2) out[p++] = n >>> 8;
  out[p++] = n;
  return p;
}
