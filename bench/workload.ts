// The workload every system gets: `keyCount` keys named `bench-00000`…, 100-byte values, keys picked
// uniformly at random by a seeded generator per client (client c uses seed + c).

import { randomIndex, seededRng, type Rng } from './rng.ts';

export const DEFAULT_KEY_COUNT = 10_000;
export const DEFAULT_VALUE_BYTES = 100;
export const DEFAULT_SEED = 20_240_601;
/** How many distinct values the writers rotate through (they differ, so no layer can dedupe them). */
const VALUE_POOL_SIZE = 64;

export interface Workload {
  readonly keys: readonly string[];
  readonly values: readonly Uint8Array[];
  readonly seed: number;
}

export function keyName(index: number): string {
  return `bench-${String(index).padStart(5, '0')}`;
}

export function createWorkload(keyCount = DEFAULT_KEY_COUNT, valueBytes = DEFAULT_VALUE_BYTES, seed = DEFAULT_SEED): Workload {
  const rng = seededRng(seed);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const values = Array.from({ length: VALUE_POOL_SIZE }, () => {
    const value = new Uint8Array(valueBytes);
    for (let i = 0; i < valueBytes; i++) value[i] = alphabet.charCodeAt(randomIndex(rng, alphabet.length));
    return value;
  });
  return { keys: Array.from({ length: keyCount }, (_, i) => keyName(i)), values, seed };
}

/** Picks keys and values for one client; deterministic for a given (workload, client). */
export class ClientPicker {
  private readonly rng: Rng;
  private next = 0;
  constructor(
    private readonly workload: Workload,
    client: number,
  ) {
    this.rng = seededRng(workload.seed + client + 1);
  }
  key(): string {
    return this.workload.keys[randomIndex(this.rng, this.workload.keys.length)]!;
  }
  value(): Uint8Array {
    return this.workload.values[this.next++ % this.workload.values.length]!;
  }
}
