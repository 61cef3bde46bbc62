// The hash chain over the committed log. Every committed entry, whatever its type, has
//   hash(i) = SHA-256( canonical(entry i) || hash(i - 1) ),   hash(0) = 32 zero bytes,
// where canonical(entry) = index u64 | term u64 | lamport u64 | type u8 | dataLength u32 | data
// (integers little-endian; the same bytes as a log record's payload). Committed entries are identical
// on every replica, so every replica computes the same chain, and `parent` of entry i is hash(i - 1).

import type { Entry } from '../raft/types.ts';
import { SHA256_BYTES, Sha256 } from './sha256.ts';

export const HASH_BYTES = SHA256_BYTES;
export const CANONICAL_HEADER_BYTES = 29;

/** The last entry a chain has hashed. `hash` is never mutated once handed out. */
export interface ChainHead {
  readonly index: number;
  readonly hash: Uint8Array;
}

export const GENESIS_HEAD: ChainHead = { index: 0, hash: new Uint8Array(HASH_BYTES) };

const TWO_POW_32 = 0x1_0000_0000;

/**
 * SHA-256 of one whole message, synchronously, written to `out[offset..offset + 32)`. A host may
 * supply its native digest (the Node host does); without one the chain uses sha256.ts, which gives
 * the same bytes everywhere (workerd included).
 */
export type Sha256Digest = (message: Uint8Array, out: Uint8Array, offset: number) => void;

/**
 * Computes entry hashes; one instance reuses its buffers across calls (not reentrant, no awaits inside).
 */
export class EntryHasher {
  private readonly sha = new Sha256();
  /** The canonical header, then (with a native digest) the data and the parent hash after it. */
  private message = new Uint8Array(CANONICAL_HEADER_BYTES + 512);
  private view = new DataView(this.message.buffer);

  constructor(private readonly digest: Sha256Digest | null = null) {}

  /** hash(entry) given its parent's hash, written to `out[offset]`. */
  hashInto(entry: Entry, parent: Uint8Array, out: Uint8Array, offset = 0): void {
    const data = entry.data;
    if (this.digest !== null) {
      // One contiguous message, so the native digest is one call: copying ~200 bytes costs far less
      // than the per-call overhead of three updates.
      const length = CANONICAL_HEADER_BYTES + data.byteLength + HASH_BYTES;
      if (length > this.message.byteLength) this.grow(length);
      this.writeHeader(entry);
      this.message.set(data, CANONICAL_HEADER_BYTES);
      this.message.set(parent, CANONICAL_HEADER_BYTES + data.byteLength);
      this.digest(this.message.subarray(0, length), out, offset);
      return;
    }
    this.writeHeader(entry);
    this.sha.reset().update(this.message, 0, CANONICAL_HEADER_BYTES).update(data).update(parent).digestInto(out, offset);
  }

  hash(entry: Entry, parent: Uint8Array): Uint8Array {
    const out = new Uint8Array(HASH_BYTES);
    this.hashInto(entry, parent, out);
    return out;
  }

  private writeHeader(entry: Entry): void {
    const view = this.view;
    writeUint64(view, 0, entry.index);
    writeUint64(view, 8, entry.term);
    writeUint64(view, 16, entry.lamport);
    view.setUint8(24, entry.type);
    view.setUint32(25, entry.data.byteLength, true);
  }

  private grow(length: number): void {
    this.message = new Uint8Array(length * 2);
    this.view = new DataView(this.message.buffer);
  }
}

function writeUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % TWO_POW_32, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

/**
 * The chain as one replica extends it entry by entry. It remembers the hashes of entries in
 * (baseIndex, head.index], packed 32 bytes each; `forgetBelow` drops older ones (after compaction).
 */
export class HashChain {
  private readonly hasher: EntryHasher;
  /** Hash of entry `baseIndex`, the one before the first remembered slot. */
  private base: ChainHead = GENESIS_HEAD;
  /** Slot k (k >= 0) holds the hash of entry baseIndex + 1 + k at bytes[start + 32k, +32). */
  private bytes = new Uint8Array(HASH_BYTES * 1024);
  private start = 0;
  private count = 0;

  /** `digest`: the host's native SHA-256, if any (see Sha256Digest). */
  constructor(digest: Sha256Digest | null = null) {
    this.hasher = new EntryHasher(digest);
  }

  get head(): ChainHead {
    if (this.count === 0) return this.base;
    return { index: this.base.index + this.count, hash: this.slot(this.count - 1).slice() };
  }

  get headIndex(): number {
    return this.base.index + this.count;
  }

  /** Lowest index whose hash is still remembered (its hash is the base; entries after it have slots). */
  get baseIndex(): number {
    return this.base.index;
  }

  /** Restarts the chain at `head`, forgetting everything else. */
  reset(head: ChainHead): void {
    this.base = { index: head.index, hash: head.hash.slice() };
    this.start = 0;
    this.count = 0;
  }

  /** Hashes the next entry. Its index must follow the head. Returns a view valid until the next call. */
  append(entry: Entry): Uint8Array {
    const expected = this.headIndex + 1;
    if (entry.index !== expected) throw new Error(`invariant: ledger chain expected entry ${expected}, got ${entry.index}`);
    this.reserveSlot();
    const parent = this.count === 0 ? this.base.hash : this.slot(this.count - 1);
    const offset = this.start + this.count * HASH_BYTES;
    this.hasher.hashInto(entry, parent, this.bytes, offset);
    this.count++;
    return this.bytes.subarray(offset, offset + HASH_BYTES);
  }

  /** The hash of entry `index`, or null when it is not remembered (a copy). */
  hashAt(index: number): Uint8Array | null {
    if (index === this.base.index) return this.base.hash.slice();
    const k = index - this.base.index - 1;
    if (k < 0 || k >= this.count) return null;
    return this.slot(k).slice();
  }

  /** Forgets the hashes of entries below `index` (clamped to the remembered range). */
  forgetBelow(index: number): void {
    const drop = Math.min(index, this.headIndex) - this.base.index;
    if (drop <= 0) return;
    const hash = this.slot(drop - 1).slice();
    this.base = { index: this.base.index + drop, hash };
    this.start += drop * HASH_BYTES;
    this.count -= drop;
  }

  private slot(k: number): Uint8Array {
    const offset = this.start + k * HASH_BYTES;
    return this.bytes.subarray(offset, offset + HASH_BYTES);
  }

  private reserveSlot(): void {
    const end = this.start + (this.count + 1) * HASH_BYTES;
    if (end <= this.bytes.byteLength) return;
    const used = this.count * HASH_BYTES;
    // Move the remembered slots to the front; grow only when they fill more than half the buffer.
    if (used + HASH_BYTES > this.bytes.byteLength / 2) {
      const grown = new Uint8Array(this.bytes.byteLength * 2);
      grown.set(this.bytes.subarray(this.start, this.start + used), 0);
      this.bytes = grown;
    } else {
      this.bytes.copyWithin(0, this.start, this.start + used);
    }
    this.start = 0;
  }
}
