// Encoding of API requests and replies on NATS subjects: JSON when the request is JSON (first
// non-blank byte `{`), msgpack otherwise. Decoding never throws.

import { ByteSlab } from '../codec/byte-slab.ts';
import { PlainDecoder, PlainEncoder } from '../codec/plain-msgpack.ts';
import { bytesToJson, jsonToBytes } from './json-values.ts';

export type WireFormat = 'json' | 'msgpack';

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();
/**
 * Reused across calls; the result is a copy, in a slab (requests and replies are published, then
 * dropped). The library's default options: keys in insertion order, undefined map values written as nil.
 */
const msgpackEncoder = new PlainEncoder({ sortKeys: false, ignoreUndefined: false });
const messageSlab = new ByteSlab();
const encodeMsgpack = (value: unknown): Uint8Array => {
  const view = msgpackEncoder.encodeView(value);
  return view === null ? msgpackEncoder.encode(value) : messageSlab.copy(view);
};

export const MAX_API_REQUEST_BYTES = 8 * 1024 * 1024;

const requestDecoder = new PlainDecoder({ maxStrLength: MAX_API_REQUEST_BYTES });
const replyDecoder = new PlainDecoder();

export function detectFormat(bytes: Uint8Array): WireFormat {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b ? 'json' : 'msgpack';
  }
  return 'json';
}

/** A request body as a plain object, or an error message. An empty body is `{}`. */
export function decodeRequest(bytes: Uint8Array, format: WireFormat): { ok: true; request: Record<string, unknown> } | { ok: false; error: string } {
  if (bytes.byteLength > MAX_API_REQUEST_BYTES) return { ok: false, error: 'request too large' };
  if (bytes.byteLength === 0) return { ok: true, request: {} };
  let parsed: unknown;
  try {
    parsed = format === 'json' ? JSON.parse(textDecoder.decode(bytes)) : requestDecoder.decode(bytes);
  } catch (error) {
    return { ok: false, error: `malformed ${format} body: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: 'the request body must be an object' };
  }
  if (format === 'msgpack') return { ok: true, request: parsed as Record<string, unknown> };
  const converted = jsonToBytes(parsed);
  if (!converted.ok) return { ok: false, error: converted.error };
  return { ok: true, request: converted.value as Record<string, unknown> };
}

export function encodeReply(reply: unknown, format: WireFormat): Uint8Array {
  if (format === 'json') return textEncoder.encode(JSON.stringify(bytesToJson(reply)));
  return encodeMsgpack(reply);
}

export function encodeRequest(request: Record<string, unknown>): Uint8Array {
  return encodeMsgpack(request);
}

export function decodeReply(bytes: Uint8Array): unknown {
  return replyDecoder.decode(bytes);
}
