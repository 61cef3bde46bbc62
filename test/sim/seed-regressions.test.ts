// Seeds that once failed, each replayed with the bias it failed under; every invariant must hold and
// the cluster must converge. What each one caught:
//   - slow log catch-up (figure-eight: one entry per Append, one Append in flight, slow disks; and a
//     disk-loss seed): the convergence budget ran out while the lagging follower applied an entry every
//     ~17 steps; the budget now has a log catch-up term;
//   - stale candidates (pre-vote off): replicas with short logs campaigned in turn and every higher
//     term reset the up-to-date followers' election timers, so no election could succeed; a follower
//     now keeps its timer when it turns a campaign down (Raft §5.2);
//   - a disk lost with an acknowledgement in flight: the ack arrived after the wipe and committed
//     entries that then lived on one replica; the simulator now loses a disk only when every other
//     replica holds what it acknowledged.

import { expect, it } from 'vitest';
import { diskLossHeavy, figureEight, fiveVoters } from './biases.ts';
import type { ProfileBias } from './profile.ts';
import { runSimulation } from './simulation.ts';
import { formatFailure } from './soak.ts';

const REGRESSIONS: readonly { caught: string; bias: ProfileBias; seeds: readonly number[] }[] = [
  { caught: 'slow log catch-up', bias: figureEight, seeds: [9100036, 9100096, 9100162, 9100250, 9100252, 9100263, 9100294] },
  { caught: 'stale candidates', bias: fiveVoters, seeds: [6007784] },
  { caught: 'slow log catch-up', bias: diskLossHeavy, seeds: [5008018] },
  { caught: 'disk lost with an ack in flight', bias: diskLossHeavy, seeds: [5002969] },
];

for (const { caught, bias, seeds } of REGRESSIONS) {
  it(`${caught}: seeds ${seeds.join(', ')} keep every invariant and converge`, () => {
    for (const seed of seeds) {
      const result = runSimulation({ seed, bias });
      expect(result.failure, formatFailure(result)).toBeNull();
    }
  }, 60_000);
}
