// A run's parameters, drawn from its seed so that the soak covers many shapes of cluster, network and
// disk. Tests that hunt one kind of bug bias the drawn profile (more crashes, slower syncs) instead of
// weakening any check.

import type { NetworkFaults } from './network.ts';
import type { CoreOptions, DiskTiming, SnapshotPolicy } from './node.ts';
import { intIn, pick, type Rng } from './rng.ts';

/** Per-step probabilities of client requests and faults during the fault phase. */
export interface WorkloadRates {
  readonly propose: number;
  readonly read: number;
  readonly configChange: number;
  readonly transfer: number;
  readonly crash: number;
  readonly partition: number;
}

export interface SimProfile {
  /** Steps of the fault phase; the heal-and-converge phase follows. */
  readonly steps: number;
  readonly initialVoters: number;
  /** Replicas outside the initial configuration, available to be added as learners. */
  readonly spares: number;
  /** Each replica ticks every N steps, N drawn from this inclusive range (clocks drift apart). */
  readonly tickEverySteps: readonly [number, number];
  readonly network: NetworkFaults;
  readonly disk: DiskTiming;
  readonly snapshots: SnapshotPolicy;
  readonly core: CoreOptions;
  readonly rates: WorkloadRates;
  /** Share of crashes that hit the current leader (the others hit a random live replica). */
  readonly leaderCrashShare: number;
  /** Probability that a newly elected leader crashes within `newLeaderCrashSteps`, before its log spreads. */
  readonly newLeaderCrash: number;
  readonly newLeaderCrashSteps: number;
  /** Share of partitions that isolate the leader; the rest pick a shape at random. */
  readonly isolateLeaderShare: number;
  /**
   * Share of crashes after which the replica restarts with an empty disk. Drawn only when every other
   * replica is up, out of its blank start, and durably holds every committed entry: the lost disk
   * then costs no committed data, and what is tested is that the blank replica never votes twice.
   */
  readonly wipeShare: number;
  /** How long a crashed replica stays down, in steps (inclusive range). */
  readonly downSteps: readonly [number, number];
  /** How long a partition lasts, in steps (inclusive range). */
  readonly partitionSteps: readonly [number, number];
  /** After healing everything, a new proposal must be applied on every member within this many ticks. */
  readonly convergeTicks: number;
}

export type ProfileBias = (drawn: SimProfile) => SimProfile;

/**
 * Replication windows and batch sizes, paired so that the cluster can keep up with the proposal rate:
 * a stop-and-wait window with tiny batches would build an unbounded backlog, which is overload, not a bug.
 */
const REPLICATION_SHAPES = [
  { maxInflight: 1, maxAppendBytes: 4096 },
  { maxInflight: 2, maxAppendBytes: 256 },
  { maxInflight: 4, maxAppendBytes: 100 },
  { maxInflight: 64, maxAppendBytes: 512 },
  { maxInflight: 64, maxAppendBytes: 4096 },
] as const;

export function drawProfile(rng: Rng, steps: number): SimProfile {
  const profile = drawBaseProfile(rng, steps);
  // Drawn last, so every other field of a seed's profile is what it was before the hold existed.
  const hold = pick(rng, [null, { maxHeldEntries: profile.snapshots.everyEntries * intIn(rng, 2, 6), liveTicks: profile.core.electionTicks ?? 10 }]);
  return { ...profile, snapshots: { ...profile.snapshots, hold } };
}

function drawBaseProfile(rng: Rng, steps: number): SimProfile {
  const maxDelaySteps = intIn(rng, 2, 8);
  const maxSyncSteps = intIn(rng, 0, 8);
  const replication = pick(rng, REPLICATION_SHAPES);
  // Pre-vote or check-quorum may be off, never both: without either, a removed replica that keeps
  // campaigning disrupts the cluster forever (a known Raft limitation, not a safety question).
  const guard = pick(rng, ['both', 'both', 'both', 'noPreVote', 'noCheckQuorum'] as const);
  return {
    steps,
    initialVoters: pick(rng, [3, 3, 3, 5, 5]),
    spares: 2,
    tickEverySteps: [4, 6],
    network: {
      lossRate: pick(rng, [0, 0.005, 0.02, 0.06]),
      duplicateRate: pick(rng, [0, 0.01, 0.04]),
      minDelaySteps: 1,
      maxDelaySteps,
      spikeRate: pick(rng, [0, 0.005, 0.03]),
      spikeDelaySteps: intIn(rng, maxDelaySteps + 1, 150),
    },
    disk: {
      minSyncSteps: 0,
      maxSyncSteps,
      slowSyncRate: pick(rng, [0, 0.02, 0.1]),
      slowSyncSteps: intIn(rng, maxSyncSteps, 60),
    },
    snapshots: { everyEntries: intIn(rng, 8, 60), keepEntries: intIn(rng, 0, 20), hold: null },
    core: {
      electionTicks: 10,
      heartbeatTicks: pick(rng, [1, 2, 3]),
      maxInflight: replication.maxInflight,
      maxAppendBytes: replication.maxAppendBytes,
      snapshotChunkBytes: pick(rng, [24, 100, 1024]),
      maxApplyBatch: pick(rng, [1, 8, 4096]),
      promoteMaxLag: pick(rng, [4, 256]),
      preVote: guard !== 'noPreVote',
      checkQuorum: guard !== 'noCheckQuorum',
    },
    rates: {
      propose: pick(rng, [0.03, 0.08, 0.15]),
      read: pick(rng, [0.01, 0.03]),
      configChange: pick(rng, [0.001, 0.004]),
      transfer: pick(rng, [0.0005, 0.002]),
      crash: pick(rng, [0.0005, 0.0015, 0.004]),
      partition: pick(rng, [0.0005, 0.0015, 0.004]),
    },
    leaderCrashShare: 0.4,
    isolateLeaderShare: 0.25,
    newLeaderCrash: pick(rng, [0, 0, 0.05]),
    newLeaderCrashSteps: 20,
    downSteps: [10, intIn(rng, 50, 500)],
    partitionSteps: [20, intIn(rng, 100, 800)],
    convergeTicks: 400,
    wipeShare: pick(rng, [0, 0, 0.3]),
  };
}
