// SHA-256 (FIPS 180-4), synchronous and incremental, in plain TypeScript. The ledger hashes every
// entry inside the replica's apply loop, which is synchronous; WebCrypto's digest is async only.

export const SHA256_BYTES = 32;

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const TWO_POW_29 = 0x2000_0000;

/**
 * An incremental hasher: `update` any number of times, then `digest` once. `reset` starts over and
 * lets one instance hash many messages without allocating.
 */
export class Sha256 {
  private readonly state = new Int32Array(8);
  /** Bytes of the current, incomplete 64-byte block. */
  private readonly block = new Uint8Array(64);
  private blockBytes = 0;
  private totalBytes = 0;

  constructor() {
    this.reset();
  }

  reset(): this {
    this.state.set(INITIAL_STATE);
    this.blockBytes = 0;
    this.totalBytes = 0;
    return this;
  }

  /** Hashes `bytes[start, end)`. */
  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let offset = start;
    this.totalBytes += end - start;
    if (this.blockBytes > 0) {
      const take = Math.min(64 - this.blockBytes, end - offset);
      copyInto(this.block, this.blockBytes, bytes, offset, take);
      this.blockBytes += take;
      offset += take;
      if (this.blockBytes < 64) return this;
      this.compress(this.block, 0);
      this.blockBytes = 0;
    }
    while (end - offset >= 64) {
      this.compress(bytes, offset);
      offset += 64;
    }
    if (offset < end) {
      copyInto(this.block, 0, bytes, offset, end - offset);
      this.blockBytes = end - offset;
    }
    return this;
  }

  /** Finishes the message and writes the 32-byte digest to `out[offset]`. Call `reset` before reuse. */
  digestInto(out: Uint8Array, offset = 0): Uint8Array {
    const block = this.block;
    const total = this.totalBytes;
    block[this.blockBytes++] = 0x80;
    if (this.blockBytes > 56) {
      block.fill(0, this.blockBytes);
      this.compress(block, 0);
      this.blockBytes = 0;
    }
    block.fill(0, this.blockBytes, 56);
    // The message length in bits, as a big-endian 64-bit integer (lengths up to 2^53 - 1 bytes).
    writeUint32BE(block, 56, Math.floor(total / TWO_POW_29));
    writeUint32BE(block, 60, (total % TWO_POW_29) * 8);
    this.compress(block, 0);
    for (let i = 0; i < 8; i++) writeUint32BE(out, offset + 4 * i, this.state[i]!);
    return out;
  }

  digest(): Uint8Array {
    return this.digestInto(new Uint8Array(SHA256_BYTES));
  }

  private compress(bytes: Uint8Array, offset: number): void {
    compressBlock(this.state, bytes, offset);
  }
}

/** Message schedule scratch, shared: compressBlock runs to completion and is not reentrant. */
const W = new Int32Array(64);

/** One SHA-256 compression of `bytes[offset, offset + 64)` into `s`. */
function compressBlock(s: Int32Array, bytes: Uint8Array, offset: number): void {
  const w = W;
  for (let t = 0; t < 16; t++) {
    const j = offset + 4 * t;
    w[t] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  let e = s[4]!;
  let f = s[5]!;
  let g = s[6]!;
  let h = s[7]!;
  for (let t = 0; t < 64; t++) {
    const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + sum1 + choice + K[t]! + w[t]!) | 0;
    const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (sum0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

/** Copies `length` (< 64) bytes without allocating a view, as `set(subarray)` would. */
function copyInto(target: Uint8Array, at: number, source: Uint8Array, from: number, length: number): void {
  for (let i = 0; i < length; i++) target[at + i] = source[from + i]!;
}

function writeUint32BE(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hasher = new Sha256();
  for (const part of parts) hasher.update(part);
  return hasher.digest();
}
