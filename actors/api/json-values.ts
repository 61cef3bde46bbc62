// Bytes in JSON. A field named `value` travels as UTF-8 text when the bytes are valid UTF-8, else as
// base64 with `"encoding":"base64"` beside it (CONTRACT §3, list items). Other byte fields are base64.
// Used by the HTTP functions and by JSON requests on NATS API subjects.

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The bytes as text when they are valid UTF-8, else null. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Decodes standard base64; null when `text` is not base64. */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
  try {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** Replaces bytes with their JSON form, recursively. */
export function bytesToJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return toBase64(value);
  if (Array.isArray(value)) return value.map(bytesToJson);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'value' && v instanceof Uint8Array) {
      const text = utf8OrNull(v);
      if (text !== null) out.value = text;
      else {
        out.value = toBase64(v);
        out.encoding = 'base64';
      }
    } else {
      out[k] = bytesToJson(v);
    }
  }
  return out;
}

/**
 * Turns `value` strings of a JSON request into bytes, recursively: UTF-8, or base64 when the same
 * object says `"encoding":"base64"`. Returns an error message for a bad base64 value.
 */
export function jsonToBytes(value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = jsonToBytes(item);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (value === null || typeof value !== 'object') return { ok: true, value };
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'encoding') continue;
    if (k === 'value' && typeof v === 'string') {
      if (obj.encoding === 'base64') {
        const bytes = fromBase64(v);
        if (!bytes) return { ok: false, error: '"value" is not valid base64' };
        out.value = bytes;
      } else {
        out.value = encoder.encode(v);
      }
      continue;
    }
    const r = jsonToBytes(v);
    if (!r.ok) return r;
    out[k] = r.value;
  }
  if (obj.encoding !== undefined && obj.encoding !== 'base64' && obj.encoding !== 'utf8') {
    return { ok: false, error: '"encoding" must be "utf8" or "base64"' };
  }
  return { ok: true, value: out };
}
