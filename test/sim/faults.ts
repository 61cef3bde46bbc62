// The fault schedule of the fault phase: crashes (any replica, the leader more often, and optionally a
// leader right after its election) with a restart after a random downtime, and partitions of four shapes, each healed after a random duration:
//   isolate   the leader (or a random replica) loses every link, both directions;
//   split     the replicas fall into two groups that cannot reach each other;
//   one-way   the leader can send but not hear, or hear but not send;
//   links     a few random directed links go down (a->b cut while b->a works).
// One partition is active at a time; healing restores every link.

import type { NodeId } from '../../actors/raft/types.ts';
import type { Cluster } from './cluster.ts';
import type { SimNode } from './node.ts';
import type { SimProfile } from './profile.ts';
import { chance, intIn, pick, type Rng } from './rng.ts';
import { TraceKind } from './trace.ts';

export class FaultSchedule {
  /** restartAt[i]: step at which crashed replica i comes back (-1 while up). */
  private readonly restartAt: number[];
  private healAt = -1;
  /** The leader (and its term) seen at the previous step, to notice elections. */
  private lastLeader: { id: NodeId; term: number } | null = null;
  /** A newly elected leader scheduled to crash (`newLeaderCrash`), and when. */
  private doomed: { node: SimNode; incarnation: number; at: number } | null = null;

  constructor(
    private readonly rng: Rng,
    private readonly profile: SimProfile,
    private readonly cluster: Cluster,
  ) {
    this.restartAt = cluster.nodes.map(() => -1);
  }

  step(): void {
    const { cluster, rng, profile } = this;
    const now = cluster.now();
    for (const node of cluster.nodes) {
      if (this.restartAt[node.index] === now) {
        this.restartAt[node.index] = -1;
        cluster.restart(node);
      }
    }
    if (this.healAt === now) this.healAll();
    if (chance(rng, profile.rates.crash)) this.crashOne();
    if (profile.newLeaderCrash > 0) this.crashNewLeaders();
    if (this.healAt < 0 && chance(rng, profile.rates.partition)) this.partition();
  }

  /** Ends the fault phase: every link heals and every crashed replica restarts. */
  healAll(): void {
    this.healAt = -1;
    if (this.cluster.network.cutLinks() > 0) {
      this.cluster.network.healAll();
      this.cluster.trace.record(this.cluster.now(), TraceKind.Heal);
    }
  }

  restartAll(): void {
    for (const node of this.cluster.nodes) {
      if (!node.up) {
        this.restartAt[node.index] = -1;
        this.cluster.restart(node);
      }
    }
  }

  private crashOne(): void {
    const { cluster, rng } = this;
    const up = cluster.nodes.filter((n) => n.up);
    if (up.length === 0) return;
    const leader = cluster.leader();
    const victim = leader !== null && chance(rng, this.profile.leaderCrashShare) ? leader : pick(rng, up);
    this.crash(victim);
  }

  private crashNewLeaders(): void {
    const { cluster, rng, profile } = this;
    const now = cluster.now();
    const doomed = this.doomed;
    if (doomed !== null && doomed.at <= now) {
      this.doomed = null;
      if (doomed.node.up && doomed.node.incarnation === doomed.incarnation) this.crash(doomed.node);
    }
    const leader = cluster.leader();
    const term = leader?.raft!.softState().term ?? -1;
    if (leader !== null && (this.lastLeader === null || this.lastLeader.id !== leader.id || this.lastLeader.term !== term)) {
      if (this.doomed === null && chance(rng, profile.newLeaderCrash)) {
        this.doomed = { node: leader, incarnation: leader.incarnation, at: now + rng.nextInt(profile.newLeaderCrashSteps) };
      }
    }
    this.lastLeader = leader === null ? null : { id: leader.id, term };
  }

  private crash(victim: SimNode): void {
    this.cluster.crash(victim);
    if (this.profile.wipeShare > 0 && chance(this.rng, this.profile.wipeShare) && this.mayLoseDisk(victim)) this.cluster.wipe(victim);
    this.restartAt[victim.index] = this.cluster.now() + intIn(this.rng, this.profile.downSteps[0], this.profile.downSteps[1]);
  }

  /**
   * Whether `victim`'s disk can go without taking a committed entry or a second blank start with it.
   * Entries it acknowledged count as committed: an AppendResponse still in flight when the disk goes
   * can commit them afterwards, on the strength of a copy that no longer exists (no replication
   * protocol survives that: the fault model is losing a disk whose entries others hold).
   */
  private mayLoseDisk(victim: SimNode): boolean {
    const { checker } = this.cluster;
    const committed = checker.maxCommitSeen;
    const term = checker.committedEntry(committed)?.term ?? 0;
    const acked = victim.disk.durableLast();
    // The entries themselves, not just logs as long: a replica can hold other, uncommitted entries of
    // an older term at those indexes.
    return this.cluster.nodes.every(
      (n) => n === victim || (n.raft !== null && !n.raft.blankStart && n.disk.durablyHolds(committed, term) && n.disk.durablyHolds(acked.index, acked.term)),
    );
  }

  private partition(): void {
    const { cluster, rng } = this;
    const ids = cluster.nodes.map((n) => n.id);
    const center = cluster.leader()?.id ?? pick(rng, ids);
    const cuts: [NodeId, NodeId][] = [];
    switch (chance(rng, this.profile.isolateLeaderShare) ? 0 : 1 + rng.nextInt(3)) {
      case 0:
        for (const other of ids) if (other !== center) cuts.push([center, other], [other, center]);
        break;
      case 1: {
        const inA = ids.map(() => chance(rng, 0.5));
        for (let i = 0; i < ids.length; i++) {
          for (let j = 0; j < ids.length; j++) if (inA[i] !== inA[j]) cuts.push([ids[i]!, ids[j]!]);
        }
        break;
      }
      case 2: {
        const outbound = chance(rng, 0.5);
        for (const other of ids) if (other !== center) cuts.push(outbound ? [center, other] : [other, center]);
        break;
      }
      default: {
        const count = intIn(rng, 1, 4);
        for (let k = 0; k < count; k++) cuts.push([pick(rng, ids), pick(rng, ids)]);
      }
    }
    let any = false;
    for (const [from, to] of cuts) {
      if (cluster.network.cutLink(from, to)) {
        any = true;
        cluster.trace.record(cluster.now(), TraceKind.Cut, cluster.node(from).index, cluster.node(to).index);
      }
    }
    if (!any) return;
    cluster.stats.partitions++;
    this.healAt = cluster.now() + intIn(rng, this.profile.partitionSteps[0], this.profile.partitionSteps[1]);
  }
}
