/** Sets of operation indices, and the random words that hash them (Zobrist hashing). */

export class Bitset {
  readonly #words: Uint32Array;

  constructor(size: number) {
    this.#words = new Uint32Array(Math.ceil(size / 32) || 1);
  }

  has(index: number): boolean {
    return (this.#words[index >>> 5]! & (1 << (index & 31))) !== 0;
  }

  set(index: number): void {
    this.#words[index >>> 5]! |= 1 << (index & 31);
  }

  clear(index: number): void {
    this.#words[index >>> 5]! &= ~(1 << (index & 31));
  }

  /** A copy with `index` also set. */
  cloneWith(index: number): Uint32Array {
    const copy = this.#words.slice();
    copy[index >>> 5]! |= 1 << (index & 31);
    return copy;
  }

  /**
   * Whether this set with `index` also set is dominated by `explored`: the same known operations
   * (bits in `known`) and a superset of the others.
   */
  isDominatedWith(explored: Uint32Array, index: number, known: Bitset): boolean {
    const words = this.#words;
    const knownWords = known.#words;
    const withWord = index >>> 5;
    for (let i = 0; i < words.length; i++) {
      const word = i === withWord ? words[i]! | (1 << (index & 31)) : words[i]!;
      const knownBits = knownWords[i]!;
      if ((word & knownBits) !== (explored[i]! & knownBits)) return false;
      if ((explored[i]! & ~knownBits & ~word) !== 0) return false;
    }
    return true;
  }
}

/** Two pseudo-random 32-bit words per operation (xorshift32, fixed seed: runs are reproducible). */
export function zobristTable(size: number): Uint32Array {
  const table = new Uint32Array(2 * size);
  let x = 0x9e3779b9;
  for (let i = 0; i < table.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x >>> 0;
  }
  return table;
}
