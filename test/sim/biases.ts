// Named profile biases: each reshapes the drawn profile towards one kind of trouble. The teeth tests
// hunt injected bugs with them; `npm run sim -- --bias NAME` replays or soaks with one.

import type { ProfileBias, SimProfile } from './profile.ts';

/** Three voters, frequent crashes and partitions, slow syncs, short downtimes. */
export const crashHeavy: ProfileBias = (p: SimProfile) => ({
  ...p,
  initialVoters: 3,
  disk: { minSyncSteps: 0, maxSyncSteps: 12, slowSyncRate: 0.2, slowSyncSteps: 60 },
  rates: { ...p.rates, crash: 0.01, partition: 0.006, propose: 0.15, configChange: 0 },
  downSteps: [5, 80],
  partitionSteps: [20, 150],
});

/** Crash-heavy, and most crashes lose the disk (when that costs no committed entry). */
export const diskLossHeavy: ProfileBias = (p: SimProfile) => ({ ...crashHeavy(p), wipeShare: 0.9 });

/** Figure 8 needs an old-term entry to reach a majority ahead of the new leader's no-op: one entry per Append. */
export const figureEight: ProfileBias = (p: SimProfile) => ({
  ...p,
  initialVoters: 3,
  disk: { minSyncSteps: 0, maxSyncSteps: 12, slowSyncRate: 0.3, slowSyncSteps: 60 },
  rates: { ...p.rates, crash: 0.01, partition: 0.02, propose: 0.15, configChange: 0 },
  leaderCrashShare: 0.5,
  core: { ...p.core, maxAppendBytes: 40, maxInflight: 1 },
});

/** Five voters with more crashes, partitions and membership changes than the drawn profiles allow. */
export const fiveVoters: ProfileBias = (p: SimProfile) => ({
  ...p,
  initialVoters: 5,
  rates: { ...p.rates, crash: 0.006, partition: 0.004, configChange: 0.004 },
});

export const PROFILE_BIASES: Readonly<Record<string, ProfileBias>> = {
  'crash-heavy': crashHeavy,
  'disk-loss': diskLossHeavy,
  'figure-eight': figureEight,
  'five-voters': fiveVoters,
};
