// An ordered set under a caller's total order: a sorted list cut into chunks of at most MAX_CHUNK items.
// Insert and delete cost a binary search over the chunks, one within a chunk, and moving at most
// MAX_CHUNK items, so they stay cheap at millions of items (one sorted array moved on average half of
// all items on every insert: at a million keys an apply of a batch of new keys blocked the replica's
// thread for hundreds of milliseconds, long enough to miss heartbeats and start elections).
// Invariants: every chunk is non-empty and sorted by `compare`, the chunks are in order (the last item
// of one is below the first of the next), and no two items compare equal.

/** Items per chunk at most; a chunk that grows past it is split in two halves. */
const MAX_CHUNK = 512;

/** A position in the list: chunk `chunk`, item `offset` within it. */
interface Position {
  chunk: number;
  offset: number;
}

export class SortedChunks<T> {
  private readonly chunks: T[][] = [];
  private count = 0;

  /** `compare` is a total order: negative, zero (the same item) or positive, like Array.sort's. */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  /** Adds `item`, which must not be present (the caller checks membership in its own map). */
  insert(item: T): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([item]);
      return;
    }
    const chunkAt = this.chunkFor(item);
    const chunk = this.chunks[chunkAt]!;
    chunk.splice(this.lowerBoundIn(chunk, item, false), 0, item);
    if (chunk.length > MAX_CHUNK) this.chunks.splice(chunkAt + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** Removes the item that compares equal to `item`; returns false when there is none. */
  delete(item: T): boolean {
    if (this.chunks.length === 0) return false;
    const chunkAt = this.chunkFor(item);
    const chunk = this.chunks[chunkAt]!;
    const at = this.lowerBoundIn(chunk, item, false);
    if (at === chunk.length || this.compare(chunk[at]!, item) !== 0) return false;
    chunk.splice(at, 1);
    if (chunk.length === 0) this.chunks.splice(chunkAt, 1);
    this.count--;
    return true;
  }

  /** Appends `item`, which must sort after every item present (restoring from sorted data). */
  append(item: T): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last !== undefined && this.compare(last[last.length - 1]!, item) >= 0) {
      throw new Error(`invariant: sorted list append out of order ${JSON.stringify(item)}`);
    }
    if (last === undefined || last.length >= MAX_CHUNK) this.chunks.push([item]);
    else last.push(item);
    this.count++;
  }

  /**
   * Calls `visit` with each item at or after `from` (strictly after it when `exclusive`) in order, until
   * `visit` returns false or the items run out. The list must not change during the walk.
   */
  walkFrom(from: T, exclusive: boolean, visit: (item: T) => boolean): void {
    const start = this.position(from, exclusive);
    this.walkAt(start.chunk, start.offset, visit);
  }

  /** Calls `visit` with each item from the first in order, until `visit` returns false or the items run out. */
  walk(visit: (item: T) => boolean): void {
    this.walkAt(0, 0, visit);
  }

  /** A copy of the items in order, as chunks (their arrays are the copy's own). */
  copyChunks(): T[][] {
    return this.chunks.map((chunk) => chunk.slice());
  }

  /** Calls `visit` with every item in order. */
  forEach(visit: (item: T) => void): void {
    for (const chunk of this.chunks) for (const item of chunk) visit(item);
  }

  private walkAt(chunkAt: number, offset: number, visit: (item: T) => boolean): void {
    for (let c = chunkAt, o = offset; c < this.chunks.length; c++, o = 0) {
      const chunk = this.chunks[c]!;
      for (; o < chunk.length; o++) if (!visit(chunk[o]!)) return;
    }
  }

  /** The first position holding an item >= `item` (> `item` when `exclusive`); past the end if none. */
  private position(item: T, exclusive: boolean): Position {
    if (this.chunks.length === 0) return { chunk: 0, offset: 0 };
    const chunk = this.chunkFor(item);
    const offset = this.lowerBoundIn(this.chunks[chunk]!, item, exclusive);
    return offset < this.chunks[chunk]!.length ? { chunk, offset } : { chunk: chunk + 1, offset: 0 };
  }

  /** The first chunk whose last item is >= `item`, or the last chunk when every item is below it. */
  private chunkFor(item: T): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.chunks[mid]!;
      if (this.compare(chunk[chunk.length - 1]!, item) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** First offset in sorted `items` whose item is >= `item` (> `item` when `exclusive`). */
  private lowerBoundIn(items: readonly T[], item: T, exclusive: boolean): number {
    let low = 0;
    let high = items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const order = this.compare(items[mid]!, item);
      if (order < 0 || (exclusive && order === 0)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
