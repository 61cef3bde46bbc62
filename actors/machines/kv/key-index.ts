// The KV machine's ordered index of live keys: a sorted list cut into chunks of at most MAX_CHUNK keys.
// Insert and delete cost a binary search over the chunks, one within a chunk, and moving at most
// MAX_CHUNK keys, so they stay cheap at millions of keys (one sorted array moved on average half of
// all keys on every new key: at a million keys an apply of a batch of new keys blocked the replica's
// thread for hundreds of milliseconds, long enough to miss heartbeats and start elections).
// Invariants: every chunk is non-empty and sorted in compareKeys order, the chunks are in order
// (the last key of one is below the first of the next), and no key appears twice.

import { compareKeys } from './keys.ts';

/** Keys per chunk at most; a chunk that grows past it is split in two halves. */
const MAX_CHUNK = 512;

/** A position in the index: chunk `chunk`, key `offset` within it. */
interface Position {
  chunk: number;
  offset: number;
}

export class KeyIndex {
  private readonly chunks: string[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key`, which must not be present (the caller checks membership in its own map). */
  insert(key: string): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      return;
    }
    const chunkAt = this.chunkFor(key);
    const chunk = this.chunks[chunkAt]!;
    chunk.splice(lowerBoundIn(chunk, key, false), 0, key);
    if (chunk.length > MAX_CHUNK) this.chunks.splice(chunkAt + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** Removes `key`; returns false when it was not present. */
  delete(key: string): boolean {
    if (this.chunks.length === 0) return false;
    const chunkAt = this.chunkFor(key);
    const chunk = this.chunks[chunkAt]!;
    const at = lowerBoundIn(chunk, key, false);
    if (chunk[at] !== key) return false;
    chunk.splice(at, 1);
    if (chunk.length === 0) this.chunks.splice(chunkAt, 1);
    this.count--;
    return true;
  }

  /** Appends `key`, which must sort after every key present (restoring from sorted data). */
  append(key: string): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && compareKeys(last[last.length - 1]!, key) >= 0) {
      throw new Error(`invariant: kv key index append out of order ${JSON.stringify(key)}`);
    }
    if (last === undefined || last.length >= MAX_CHUNK) this.chunks.push([key]);
    else last.push(key);
    this.count++;
  }

  /**
   * Calls `visit` with each key at or after `from` (strictly after it when `exclusive`) in order, until
   * `visit` returns false or the keys run out. The index must not change during the walk.
   */
  walkFrom(from: string, exclusive: boolean, visit: (key: string) => boolean): void {
    const start = this.position(from, exclusive);
    for (let c = start.chunk, o = start.offset; c < this.chunks.length; c++, o = 0) {
      const chunk = this.chunks[c]!;
      for (; o < chunk.length; o++) if (!visit(chunk[o]!)) return;
    }
  }

  /** Calls `visit` with every key in order. */
  forEach(visit: (key: string) => void): void {
    for (const chunk of this.chunks) for (const key of chunk) visit(key);
  }

  /** The first position holding a key >= `key` (> `key` when `exclusive`); past the end if none. */
  private position(key: string, exclusive: boolean): Position {
    if (this.chunks.length === 0) return { chunk: 0, offset: 0 };
    const chunk = this.chunkFor(key);
    const offset = lowerBoundIn(this.chunks[chunk]!, key, exclusive);
    return offset < this.chunks[chunk]!.length ? { chunk, offset } : { chunk: chunk + 1, offset: 0 };
  }

  /** The first chunk whose last key is >= `key`, or the last chunk when every key is below it. */
  private chunkFor(key: string): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.chunks[mid]!;
      if (compareKeys(chunk[chunk.length - 1]!, key) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** First offset in sorted `keys` whose key is >= `key` (> `key` when `exclusive`). */
function lowerBoundIn(keys: readonly string[], key: string, exclusive: boolean): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const order = compareKeys(keys[mid]!, key);
    if (order < 0 || (exclusive && order === 0)) low = mid + 1;
    else high = mid;
  }
  return low;
}
