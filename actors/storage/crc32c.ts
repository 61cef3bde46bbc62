// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven with slicing-by-8.
// The checksum of every record, hard state and snapshot Atlas writes to disk.

const POLYNOMIAL = 0x82f63b78;

/** TABLES[k][b]: CRC contribution of byte b followed by k zero bytes. */
const TABLES: readonly Uint32Array[] = buildTables();

function buildTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const first = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLYNOMIAL : crc >>> 1;
    first[byte] = crc >>> 0;
  }
  tables.push(first);
  for (let k = 1; k < 8; k++) {
    const previous = tables[k - 1]!;
    const table = new Uint32Array(256);
    for (let byte = 0; byte < 256; byte++) {
      const value = previous[byte]!;
      table[byte] = ((value >>> 8) ^ first[value & 0xff]!) >>> 0;
    }
    tables.push(table);
  }
  return tables;
}

/**
 * CRC32C of `bytes[start, end)` as an unsigned 32-bit integer.
 * Incremental: `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`.
 */
export function crc32c(bytes: Uint8Array, previous = 0, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = ~previous >>> 0;
  let i = start;
  const blockEnd = end - ((end - start) & 7);
  while (i < blockEnd) {
    const low =
      crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t7[low & 0xff]! ^
      t6[(low >>> 8) & 0xff]! ^
      t5[(low >>> 16) & 0xff]! ^
      t4[low >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) {
    crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
