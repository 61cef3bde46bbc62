// The clients of the fault phase: proposals sent to whoever the client believes leads (a
// NotLeaderError redirects it), ReadIndex reads on any replica, membership changes (add a learner,
// promote it, remove a member) and leadership transfers. Refusals are expected outcomes; anything
// else a core throws is a failure of the run.

import { type ConfigChange, isMember } from '../../actors/raft/config.ts';
import { ConfigChangeRefusedError, NotLeaderError, ProposalDroppedError } from '../../actors/raft/errors.ts';
import type { NodeId } from '../../actors/raft/types.ts';
import type { Cluster } from './cluster.ts';
import type { SimNode } from './node.ts';
import type { SimProfile } from './profile.ts';
import { chance, intIn, pick, type Rng } from './rng.ts';
import { encodeCommand } from './state-machine.ts';
import { configChangeCode, TraceKind } from './trace.ts';

/** Removing voters stops at this many, so faults can still leave a working majority. */
const MIN_VOTERS = 3;

export class Workload {
  private leaderHint: NodeId | null = null;
  private commandIds = 0;

  constructor(
    private readonly rng: Rng,
    private readonly profile: SimProfile,
    private readonly cluster: Cluster,
  ) {}

  step(): void {
    const { rng, profile } = this;
    if (chance(rng, profile.rates.propose)) this.propose();
    if (chance(rng, profile.rates.read)) this.read();
    if (chance(rng, profile.rates.configChange)) this.changeMembership();
    if (chance(rng, profile.rates.transfer)) this.transfer();
  }

  /**
   * Proposes one batch of 1-3 commands on `target` (default: the client's guess of the leader).
   * Returns the command ids with their log indexes, or null when the replica refused.
   */
  propose(target: SimNode | null = this.target()): { commandId: number; index: number }[] | null {
    if (target === null) return null;
    const raft = target.raft!;
    const count = intIn(this.rng, 1, 3);
    const ids: number[] = [];
    const data: Uint8Array[] = [];
    for (let k = 0; k < count; k++) {
      const id = ++this.commandIds;
      ids.push(id);
      data.push(encodeCommand(id, this.rng.nextInt(40)));
    }
    try {
      const first = raft.propose(data);
      const out = ids.map((commandId, k) => ({ commandId, index: first + k }));
      for (const p of out) {
        target.proposals.set(p.index, p.commandId);
        this.cluster.trace.record(this.cluster.now(), TraceKind.Propose, target.index, p.commandId, p.index);
      }
      this.cluster.stats.proposals += count;
      return out;
    } catch (e) {
      if (e instanceof NotLeaderError) this.leaderHint = e.leaderHint;
      else if (!(e instanceof ProposalDroppedError)) throw e;
      return null;
    }
  }

  private read(): void {
    const up = this.cluster.nodes.filter((n) => n.up);
    if (up.length > 0) this.cluster.issueRead(pick(this.rng, up));
  }

  private changeMembership(): void {
    const target = this.target();
    if (target === null) return;
    const raft = target.raft!;
    const config = raft.currentConfig();
    const options: ConfigChange[] = [];
    for (const n of this.cluster.nodes) {
      if (!isMember(config, n.id)) options.push({ type: 'addLearner', node: n.id });
    }
    for (const id of config.learners) options.push({ type: 'promote', node: id }, { type: 'remove', node: id });
    if (config.voters.length > MIN_VOTERS) {
      for (const id of config.voters) if (id !== target.id) options.push({ type: 'remove', node: id });
    }
    if (options.length === 0) return;
    const change = pick(this.rng, options);
    try {
      const index = raft.proposeConfigChange(change);
      this.cluster.stats.configChanges++;
      this.cluster.trace.record(
        this.cluster.now(),
        TraceKind.ConfigChange,
        target.index,
        configChangeCode(change.type),
        this.cluster.node(change.node).index,
        index,
      );
    } catch (e) {
      if (e instanceof NotLeaderError) this.leaderHint = e.leaderHint;
      else if (!(e instanceof ConfigChangeRefusedError)) throw e;
    }
  }

  private transfer(): void {
    const leader = this.cluster.leader();
    if (leader === null) return;
    const voters = leader.raft!.currentConfig().voters.filter((id) => id !== leader.id);
    if (voters.length === 0) return;
    const to = pick(this.rng, voters);
    try {
      leader.raft!.transferLeadership(to);
      this.cluster.stats.transfers++;
      this.cluster.trace.record(this.cluster.now(), TraceKind.Transfer, leader.index, this.cluster.node(to).index);
    } catch (e) {
      if (!(e instanceof ConfigChangeRefusedError) && !(e instanceof NotLeaderError)) throw e;
    }
  }

  /** The replica a client sends to: usually its leader hint, sometimes any live replica. */
  private target(): SimNode | null {
    const hinted = this.leaderHint === null ? null : this.cluster.node(this.leaderHint);
    if (hinted !== null && hinted.up && !chance(this.rng, 0.1)) return hinted;
    const up = this.cluster.nodes.filter((n) => n.up);
    return up.length === 0 ? null : pick(this.rng, up);
  }
}
