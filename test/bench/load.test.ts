import { describe, expect, it } from 'vitest';
import { prefill, runClosedLoop } from '../../bench/load.ts';
import { createWorkload, ClientPicker, keyName } from '../../bench/workload.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('runClosedLoop', () => {
  it('keeps `clients` operations in flight and measures their latency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await runClosedLoop({
      clients: 4,
      seconds: 0.5,
      operation: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(10);
        inFlight--;
      },
    });
    expect(maxInFlight).toBe(4);
    // 4 clients × ~10 ms per op ≈ 400/s; timers are coarse on a busy machine, so allow a wide band.
    expect(result.throughputPerSecond).toBeGreaterThan(100);
    expect(result.throughputPerSecond).toBeLessThanOrEqual(400);
    expect(result.latency.p50Ms).toBeGreaterThanOrEqual(9);
    expect(result.latency.minMs).toBeGreaterThanOrEqual(9);
    expect(result.errors).toBe(0);
    expect(result.ops).toBe(result.latency.count);
  });

  it('counts failures as errors, outside the latency histogram, and keeps samples', async () => {
    let n = 0;
    const result = await runClosedLoop({
      clients: 2,
      seconds: 0.3,
      operation: async () => {
        await sleep(2);
        if (n++ % 2 === 0) throw new Error('boom');
      },
    });
    expect(result.errors).toBeGreaterThan(0);
    expect(result.ops).toBeGreaterThan(0);
    expect(Math.abs(result.errors - result.ops)).toBeLessThanOrEqual(2);
    expect(result.errorSamples).toEqual(['boom']);
  });

  it('does not record the warm-up', async () => {
    const result = await runClosedLoop({ clients: 1, seconds: 0.2, warmupSeconds: 0.3, operation: () => sleep(20) });
    // Without the warm-up being excluded, ~25 ops would be counted.
    expect(result.ops).toBeGreaterThan(0);
    expect(result.ops).toBeLessThanOrEqual(10);
  });

  it('reports progress up to the full window', async () => {
    const seen: number[] = [];
    await runClosedLoop({ clients: 1, seconds: 0.3, progressEveryMs: 50, operation: () => sleep(5), onProgress: (p) => seen.push(p.elapsedSeconds / p.totalSeconds) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(1);
  });

  it('rejects nonsense options', async () => {
    await expect(runClosedLoop({ clients: 0, seconds: 1, operation: async () => {} })).rejects.toThrow(RangeError);
  });
});

describe('prefill', () => {
  it('writes every key once, retrying failures', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => keyName(i));
    const written = new Map<string, number>();
    let failures = 0;
    await prefill(
      keys,
      async (key) => {
        if (key === keyName(7) && failures < 2) {
          failures++;
          throw new Error('transient');
        }
        written.set(key, (written.get(key) ?? 0) + 1);
      },
      8,
    );
    expect([...written.keys()].sort()).toEqual(keys);
    expect([...written.values()].every((n) => n === 1)).toBe(true);
    expect(failures).toBe(2);
  });

  it('throws when a key keeps failing', async () => {
    await expect(
      prefill([keyName(1)], async () => {
        throw new Error('down');
      }, 1, 2),
    ).rejects.toThrow(/prefill could not write bench-00001: down/);
  });
});

describe('workload', () => {
  it('is the same for the same seed and client, different across clients', () => {
    const w = createWorkload(1_000, 100, 42);
    expect(w.keys).toHaveLength(1_000);
    expect(w.values.every((v) => v.byteLength === 100)).toBe(true);
    const a = new ClientPicker(w, 0);
    const b = new ClientPicker(createWorkload(1_000, 100, 42), 0);
    const c = new ClientPicker(w, 1);
    const seqA = Array.from({ length: 20 }, () => a.key());
    expect(Array.from({ length: 20 }, () => b.key())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.key())).not.toEqual(seqA);
  });

  it('spreads keys roughly uniformly', () => {
    const w = createWorkload(10, 8, 1);
    const picker = new ClientPicker(w, 0);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const k = picker.key();
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    for (const n of counts.values()) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });
});
