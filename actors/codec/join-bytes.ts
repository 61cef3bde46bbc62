// Byte arrays joined end to end.

/** `pieces` one after another in one new array; `total` is their summed length when the caller knows it. */
export function joinBytes(pieces: readonly Uint8Array[], total?: number): Uint8Array {
  let length = total ?? 0;
  if (total === undefined) for (const piece of pieces) length += piece.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}
