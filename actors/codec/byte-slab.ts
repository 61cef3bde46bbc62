// Small byte arrays carved out of shared ArrayBuffers. Creating a Uint8Array of more than 64 bytes
// makes V8 allocate a separate backing store, which costs about ten times as much as a view into an
// existing buffer; on the per-operation paths (entry envelopes, API replies, NATS header blocks) that
// was a visible share of the CPU.
//
// Contract: a slab lives as long as any view into it, so use one only for bytes that die young
// (published, then dropped), die together with their neighbours (log entries, released in index
// order), or arrive all at once and may pin at most what they took then (a restored KV state's values,
// kv/snapshot.ts). One long-lived view pins at most `slabBytes`. Views are zeroed when handed out and never
// handed out twice; consumers must respect `byteOffset` (every Atlas consumer does).

export class ByteSlab {
  private buffer: ArrayBuffer;
  private used = 0;

  /** Arrays longer than `maxBytes` get their own buffer, as `new Uint8Array(length)` would. */
  constructor(
    private readonly slabBytes = 16 * 1024,
    private readonly maxBytes = 1024,
  ) {
    this.buffer = new ArrayBuffer(slabBytes);
  }

  /** A zeroed array of `length` bytes. */
  alloc(length: number): Uint8Array {
    if (length > this.maxBytes) return new Uint8Array(length);
    if (this.used + length > this.slabBytes) {
      this.buffer = new ArrayBuffer(this.slabBytes);
      this.used = 0;
    }
    const bytes = new Uint8Array(this.buffer, this.used, length);
    // Views start 8-byte aligned, so a DataView over one is no slower than over its own buffer.
    this.used += (length + 7) & ~7;
    return bytes;
  }

  /** A copy of `source`, in the slab. */
  copy(source: Uint8Array): Uint8Array {
    const bytes = this.alloc(source.byteLength);
    bytes.set(source);
    return bytes;
  }
}
