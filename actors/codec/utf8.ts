// UTF-8 for the plain msgpack codec, written to give exactly what @msgpack/msgpack 3.x gives
// (utils/utf8.ts there), quirks included:
//   - encoding: a lone surrogate takes 3 bytes; strings of at most 50 code units are encoded by hand,
//     a lone surrogate as its own 3-byte form (ED A0 80 for U+D800), longer ones by TextEncoder,
//     which writes U+FFFD (EF BF BD) instead;
//   - decoding: strings of more than 200 bytes go through a default TextDecoder (invalid bytes become
//     U+FFFD, a leading BOM is dropped); shorter ones (and map keys, through its key cache) through a
//     lenient hand-written decoder that agrees with a strict decoder on valid UTF-8 only.

/** Strings longer than this (in UTF-16 code units) are encoded by TextEncoder in the library. */
const TEXT_ENCODER_MIN_UNITS = 51;
/** Strings longer than this (in bytes) are decoded by TextDecoder in the library. */
const TEXT_DECODER_MIN_BYTES = 201;
/** Up to this many bytes, an ASCII string is built by hand: faster than a TextDecoder call. */
const SHORT_ASCII_MAX_BYTES = 16;

const textEncoder = new TextEncoder();
/** The library's decoder for long strings: replaces invalid bytes, drops a leading BOM. */
const lenientDecoder = new TextDecoder();
/** Valid UTF-8 only, BOM kept: on valid input it agrees with the library's hand-written decoder. */
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 byte length of a string without allocating. Lone surrogates count as 3 bytes. */
export function utf8ByteLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/**
 * Writes `text` into `out` at `offset` as the library does. `out` must have room for
 * `utf8ByteLength(text)` bytes from `offset`; exactly that many are written.
 */
export function writeUtf8(text: string, out: Uint8Array, offset: number, byteLength: number): void {
  if (text.length >= TEXT_ENCODER_MIN_UNITS) {
    textEncoder.encodeInto(text, out.subarray(offset, offset + byteLength));
    return;
  }
  let p = offset;
  for (let i = 0; i < text.length; i++) {
    let unit = text.charCodeAt(i);
    if (unit < 0x80) {
      out[p++] = unit;
      continue;
    }
    if (unit < 0x800) {
      out[p++] = 0xc0 | (unit >> 6);
    } else {
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          unit = ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
          i++;
        }
      }
      if (unit < 0x10000) {
        out[p++] = 0xe0 | (unit >> 12);
      } else {
        out[p++] = 0xf0 | (unit >> 18);
        out[p++] = 0x80 | ((unit >> 12) & 0x3f);
      }
      out[p++] = 0x80 | ((unit >> 6) & 0x3f);
    }
    out[p++] = 0x80 | (unit & 0x3f);
  }
}

/**
 * The string the library decodes from `bytes[start, start + byteLength)` (in bounds), or null when
 * that cannot be known here: bytes of at most 200 that are not valid UTF-8, which the library's
 * lenient decoder turns into something of its own (reading past the string when a sequence is cut).
 */
export function readUtf8(bytes: Uint8Array, start: number, byteLength: number): string | null {
  const end = start + byteLength;
  if (byteLength >= TEXT_DECODER_MIN_BYTES) return lenientDecoder.decode(bytes.subarray(start, end));
  if (byteLength <= SHORT_ASCII_MAX_BYTES) {
    let text = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return strictUtf8(bytes.subarray(start, end));
      text += String.fromCharCode(b);
    }
    return text;
  }
  return strictUtf8(bytes.subarray(start, end));
}

function strictUtf8(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}
