// Strict integer parsing for headers and query parameters: decimal digits only, safe integers.

const DIGITS = /^[0-9]{1,16}$/;

/** The value of `text` when it is a non-negative decimal safe integer, else null. */
export function parseNonNegativeInteger(text: string): number | null {
  const trimmed = text.trim();
  if (!DIGITS.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : null;
}
