// The simulator's teeth: cores with a known bug injected through Raft's test hooks must be caught.
// Each search runs seeds in order until one breaks a safety property the simulator checks, and must
// succeed within a bounded number of seeds. Fault schedules are biased towards each bug's trigger
// (more crashes, slower syncs, small Appends); the checks themselves are the soak's.

import { expect, it } from 'vitest';
import { Raft } from '../../actors/raft/raft.ts';
import type { HardState, Message } from '../../actors/raft/types.ts';
import { crashHeavy, diskLossHeavy, figureEight } from './biases.ts';
import type { RaftFactory } from './node.ts';
import type { ProfileBias } from './profile.ts';
import type { SimResult } from './simulation.ts';
import { formatFailure, searchForViolation } from './soak.ts';

/** Raft §5.4.2 broken: a leader commits entries of earlier terms by counting replicas (Figure 8). */
class CommitsPriorTermsByCounting extends Raft {
  protected override mayCommitByCounting(): boolean {
    return true;
  }
}

/** The vote is never made durable: a restarted voter may vote twice in one term. */
class ForgetsVote extends Raft {
  protected override hardStateToPersist(): HardState {
    return { ...super.hardStateToPersist(), vote: null };
  }
}

/** No blank-start guard: a replica that lost its disk votes at once, maybe again in a term it voted in. */
class VotesRightAfterLosingItsDisk extends Raft {
  constructor(options: ConstructorParameters<typeof Raft>[0], restored: ConstructorParameters<typeof Raft>[1]) {
    super({ ...options, guardBlankStart: false }, restored);
  }
}

/** Acknowledgements leave before the entries (or vote) they promise are durable. */
class AcksBeforePersisting extends Raft {
  protected override mustFollowPersist(_m: Message): boolean {
    return false;
  }
}

/** Each search usually ends within a few dozen seeds; the bound covers its full seed budget on a busy machine. */
const SEARCH_TIMEOUT_MS = 300_000;

/** Failures the simulator itself detected as a broken safety property (not a stall, not a core assertion). */
function isSafetyViolation(result: SimResult): boolean {
  const property = result.failure?.property;
  return property !== undefined && property !== 'liveness' && property !== 'exception' && property !== 'core invariant';
}

function hunt(name: string, Core: typeof Raft, bias: ProfileBias, maxSeeds: number): SimResult {
  const makeRaft: RaftFactory = (options, restored) => new Core(options, restored);
  const started = performance.now();
  const outcome = searchForViolation({ makeRaft, bias, maxSeeds, accept: isSafetyViolation });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (outcome.found === null) throw new Error(`${name}: no safety violation within ${maxSeeds} seeds`);
  console.log(`${name}: caught at seed ${outcome.found.seed} after ${outcome.seedsTried} seeds (${seconds} s)\n${formatFailure(outcome.found, 8)}`);
  return outcome.found;
}

it('catches a leader that commits earlier terms\' entries by counting replicas', () => {
  const found = hunt('commit prior-term entries by counting', CommitsPriorTermsByCounting, figureEight, 1500);
  expect(['leader completeness', 'commit agreement', 'state-machine safety', 'durability']).toContain(found.failure!.property);
}, SEARCH_TIMEOUT_MS);

it('catches a voter that forgets its vote across a crash', () => {
  const found = hunt('vote not persisted', ForgetsVote, crashHeavy, 600);
  expect(found.failure!.property).toBe('election safety');
}, SEARCH_TIMEOUT_MS);

it('catches acknowledgements sent before the entries are durable', () => {
  const found = hunt('ack before persist', AcksBeforePersisting, crashHeavy, 300);
  expect(['leader completeness', 'commit agreement', 'state-machine safety', 'durability']).toContain(found.failure!.property);
}, SEARCH_TIMEOUT_MS);

it('catches a replica that votes right after losing its disk (no blank-start guard)', () => {
  const found = hunt('vote after disk loss', VotesRightAfterLosingItsDisk, diskLossHeavy, 1500);
  expect(found.failure!.property).toBe('election safety');
}, SEARCH_TIMEOUT_MS);

it('the real core passes the same disk-loss-heavy runs (safety and liveness)', () => {
  const makeRaft: RaftFactory = (options, restored) => new Raft(options, restored);
  const outcome = searchForViolation({ makeRaft, bias: diskLossHeavy, maxSeeds: 800 });
  expect(outcome.found === null ? null : formatFailure(outcome.found, 12)).toBeNull();
}, SEARCH_TIMEOUT_MS);
