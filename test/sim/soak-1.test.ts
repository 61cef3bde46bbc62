import { it } from 'vitest';
import { runSoakShard, SOAK_SEEDS, SOAK_SHARDS, SOAK_TIMEOUT_MS } from './soak-shard.ts';

it(`soak shard 1 of ${SOAK_SHARDS}: ${SOAK_SEEDS / SOAK_SHARDS} seeds keep every invariant and converge`, () => {
  runSoakShard(0);
}, SOAK_TIMEOUT_MS);
