// Seeded pseudo-random numbers for the core (randomized election timeouts). The core never calls
// Math.random(): the shell injects a generator, the simulator a seeded one, so runs replay exactly.

export interface Rng {
  /** Uniform integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number;
  /** Uniform float in [0, 1). */
  next(): number;
}

/** mulberry32: tiny, fast, good enough for timeouts and simulation schedules. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, nextInt: (maxExclusive) => Math.floor(next() * maxExclusive) };
}
