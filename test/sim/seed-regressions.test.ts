// The convergence check's budget covers a follower that catches up by the log one entry per round
// trip: the figure-eight bias allows one entry per Append (maxAppendBytes 40) and one Append in flight,
// with slow disks, so a follower cut off for a while is still catching up when a budget sized only for
// elections and snapshots ran out. These seeds reported "no new command applied on every member" while
// the lagging follower applied an entry every ~17 steps; with the log term in the budget they converge
// and every invariant holds.

import { expect, it } from 'vitest';
import { figureEight } from './biases.ts';
import { runSimulation } from './simulation.ts';
import { formatFailure } from './soak.ts';

const SLOW_CATCH_UP_SEEDS = [9100036, 9100096, 9100162, 9100250, 9100252, 9100263, 9100294];

it('figure-eight seeds whose followers catch up one entry per round trip converge', () => {
  for (const seed of SLOW_CATCH_UP_SEEDS) {
    const result = runSimulation({ seed, bias: figureEight });
    expect(result.failure, formatFailure(result)).toBeNull();
  }
}, 60_000);
