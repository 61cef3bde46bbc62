// The replica's compaction hold (actors/replica/compaction-hold.ts) inside the simulator: leaders put
// compaction off while a live follower receives a snapshot, under crashes that wipe disks (so
// snapshots are sent often), and every invariant still holds.

import { expect, it } from 'vitest';
import { diskLossHeavy } from './biases.ts';
import type { ProfileBias } from './profile.ts';
import { runSimulation } from './simulation.ts';
import { formatFailure } from './soak.ts';

/** Disk loss with small snapshots sent in small chunks, and the hold on: transfers outlast compactions. */
const holdUnderDiskLoss: ProfileBias = (p) => {
  const base = diskLossHeavy(p);
  return {
    ...base,
    snapshots: { everyEntries: 10, keepEntries: 0, hold: { maxHeldEntries: 40, liveTicks: base.core.electionTicks ?? 10 } },
    core: { ...base.core, snapshotChunkBytes: 24 },
  };
};

it('leaders hold compaction during snapshot transfers, and every invariant holds (seeds 1-40)', () => {
  let held = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const result = runSimulation({ seed, bias: holdUnderDiskLoss });
    expect(result.failure, formatFailure(result)).toBeNull();
    held += result.stats.compactionsHeld;
  }
  expect(held).toBeGreaterThan(0);
}, 120_000);
