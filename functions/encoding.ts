// Values on the wire: bytes travel as UTF-8 text when they are valid UTF-8, else as base64 with
// `"encoding":"base64"` beside them. Web-standard only (runs in workerd too).

import { ApiError, ApiErrorCode } from '../actors/api/errors.ts';

export type ValueEncoding = 'base64';

export interface EncodedValue {
  readonly value: string;
  readonly encoding?: ValueEncoding;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/** Text when the bytes are valid UTF-8 (a leading BOM is kept), base64 otherwise. */
export function encodeValue(bytes: Uint8Array): EncodedValue {
  try {
    return { value: strictUtf8.decode(bytes) };
  } catch {
    return { value: bytesToBase64(bytes), encoding: 'base64' };
  }
}

/**
 * Bytes of a JSON value field: a string, UTF-8 text unless `encoding` is "base64" ("utf-8" may be
 * named explicitly). `where` names the field in the 400 message.
 */
export function decodeValue(value: unknown, encoding: unknown, where: string): Uint8Array {
  if (typeof value !== 'string') {
    throw new ApiError(ApiErrorCode.BadRequest, `${where}.value must be a string (UTF-8 text, or base64 with "encoding":"base64")`);
  }
  if (encoding === undefined || encoding === null || encoding === 'utf-8' || encoding === 'utf8') return utf8.encode(value);
  if (encoding !== 'base64') throw new ApiError(ApiErrorCode.BadRequest, `${where}.encoding must be "base64" or "utf-8"`);
  const bytes = base64ToBytes(value);
  if (!bytes) throw new ApiError(ApiErrorCode.BadRequest, `${where}.value is not valid base64`);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

/** Standard base64 (padding optional); null when `text` is not base64. */
export function base64ToBytes(text: string): Uint8Array | null {
  if (!BASE64_PATTERN.test(text) || text.length % 4 === 1) return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** JSON.stringify replacer for machine results: bytes become base64 strings. */
export function bytesAsBase64(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? bytesToBase64(value) : value;
}
