import { describe, expect, it } from 'vitest';
import { ByteSlab } from '../../actors/codec/byte-slab.ts';

describe('ByteSlab', () => {
  it('hands out zeroed, disjoint, 8-byte aligned views until the slab is full, then starts a new one', () => {
    const slab = new ByteSlab(64, 32);
    const a = slab.alloc(5);
    const b = slab.alloc(16);
    const c = slab.alloc(40); // above maxBytes: its own buffer
    expect(c.buffer).not.toBe(a.buffer);
    expect(c.byteLength).toBe(40);
    const d = slab.alloc(30); // 8 + 16 used, 30 more fits within 64
    const e = slab.alloc(20); // does not fit: a new slab
    expect([a.byteOffset, b.byteOffset, d.byteOffset]).toEqual([0, 8, 24]);
    expect(b.buffer).toBe(a.buffer);
    expect(d.buffer).toBe(a.buffer);
    expect(e.buffer).not.toBe(a.buffer);
    expect(e.byteOffset).toBe(0);
    for (const view of [a, b, c, d, e]) expect(view.every((byte) => byte === 0)).toBe(true);
    a.fill(1);
    b.fill(2);
    d.fill(3);
    expect(a.every((byte) => byte === 1) && b.every((byte) => byte === 2) && d.every((byte) => byte === 3)).toBe(true);
  });

  it('copies bytes exactly, large ones included', () => {
    const slab = new ByteSlab();
    for (const length of [0, 1, 64, 65, 1024, 1025, 20_000]) {
      const source = Uint8Array.from({ length }, (_, i) => (i * 13) & 0xff);
      expect(Buffer.from(slab.copy(source)).equals(Buffer.from(source)), `length ${length}`).toBe(true);
    }
  });
});
