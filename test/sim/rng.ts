// Seeded randomness for the simulator. One run seed feeds a root generator; every consumer (schedule,
// network, disks, each replica incarnation) gets its own generator forked from it in a fixed order, so
// a seed replays the same run bit for bit and one consumer's draws never shift another's.

import { seededRng, type Rng } from '../../actors/raft/rand.ts';

export type { Rng };

export function rootRng(seed: number): Rng {
  return seededRng(seed);
}

/** A child generator seeded from `parent`'s next draw. */
export function forkRng(parent: Rng): Rng {
  return seededRng(parent.nextInt(0x1_0000_0000));
}

/** True with probability `p` (never draws when `p` is 0, so disabled faults do not shift the stream). */
export function chance(rng: Rng, p: number): boolean {
  return p > 0 && rng.next() < p;
}

/** Uniform integer in [lo, hi], both inclusive. */
export function intIn(rng: Rng, lo: number, hi: number): number {
  return lo + rng.nextInt(hi - lo + 1);
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('invariant: pick from an empty list');
  return items[rng.nextInt(items.length)]!;
}
