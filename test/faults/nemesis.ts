// Executes fault parts against a FaultCluster. Parts of a mixed cycle may overlap on the same replica
// or link, so every effect is a claim: a link is cut while any part claims it (in the mode of the
// latest claim), a replica stays down while any part keeps it killed, paused while any keeps it
// paused. A part's heal releases only its own claims; `healAll` releases everything and finishes an
// interrupted membership change.

import { sleep } from '../helpers/process-cluster.ts';
import type { FaultCluster } from './fault-cluster.ts';
import { describePart, type CutMode, type FaultPart, type Target } from './schedule.ts';

export interface NemesisOptions {
  readonly log: (line: string) => void;
  /** How long a fault may wait for a leader to exist before picking another target. */
  readonly leaderWaitMs?: number;
  /** Budget of every membership step (each is retried until it succeeds or this passes). */
  readonly membershipStepMs?: number;
}

/** What one part did, for the cycle's report. */
export interface PartOutcome {
  readonly part: FaultPart;
  readonly description: string;
  readonly notes: string[];
}

const REMOVED_RUNNING_MS = 1_000;

interface Claim {
  readonly owner: number;
  readonly mode: CutMode;
}

export class Nemesis {
  readonly #linkClaims = new Map<string, Claim[]>();
  readonly #killClaims = new Map<string, Set<number>>();
  readonly #pauseClaims = new Map<string, Set<number>>();
  readonly #natsPauseClaims = new Map<string, Set<number>>();
  /** Replicas whose membership change is not finished: the learner still has to be promoted. */
  readonly #unfinishedMembership = new Set<string>();
  #nextOwner = 1;

  constructor(
    private readonly cluster: FaultCluster,
    private readonly opts: NemesisOptions,
  ) {}

  /** Starts a part; returns its outcome (filled in further by `heal`) and the heal to call at its end. */
  async inject(part: FaultPart): Promise<{ outcome: PartOutcome; heal: () => Promise<void> }> {
    const owner = this.#nextOwner++;
    const outcome: PartOutcome = { part, description: describePart(part), notes: [] };
    const note = (line: string) => {
      outcome.notes.push(line);
      this.opts.log(line);
    };
    switch (part.kind) {
      case 'kill': {
        const id = await this.#resolve(part.target, note);
        note(`SIGKILL ${id}${part.target.type === 'leader' ? ' (leader)' : ''}`);
        await this.#claimKill(id, owner);
        return { outcome, heal: async () => this.#releaseKill(id, owner, note) };
      }
      case 'kill-all': {
        note(`SIGKILL ${this.cluster.ids.join(', ')} at once`);
        await Promise.all(this.cluster.ids.map((id) => this.#claimKill(id, owner)));
        return {
          outcome,
          heal: async () => {
            for (const id of this.cluster.ids) await this.#releaseKill(id, owner, note);
          },
        };
      }
      case 'pause': {
        const id = await this.#resolve(part.target, note);
        note(`SIGSTOP ${id}${part.target.type === 'leader' ? ' (leader)' : ''}`);
        claim(this.#pauseClaims, id, owner);
        this.cluster.pause(id);
        return {
          outcome,
          heal: async () => {
            if (release(this.#pauseClaims, id, owner)) {
              note(`SIGCONT ${id}`);
              this.cluster.resume(id);
            }
          },
        };
      }
      case 'nats-pause': {
        const id = await this.#resolve(part.target, note);
        const server = this.cluster.serverOf(id);
        note(`SIGSTOP nats-server ${server} (of ${id}${part.target.type === 'leader' ? ', the leader' : ''})`);
        claim(this.#natsPauseClaims, server, owner);
        this.cluster.mesh.pause(server);
        return {
          outcome,
          heal: async () => {
            if (release(this.#natsPauseClaims, server, owner)) {
              note(`SIGCONT nats-server ${server}`);
              this.cluster.mesh.resume(server);
            }
          },
        };
      }
      case 'isolate': {
        const id = await this.#resolve(part.target, note);
        const others = this.cluster.ids.filter((other) => other !== id);
        note(`isolate ${id}${part.target.type === 'leader' ? ' (leader)' : ''}: cut ${others.map((o) => `${id}–${o}`).join(', ')} (${part.mode}); {${id}} | {${others.join(',')}}`);
        const links = others.map((other) => [id, other] as const);
        for (const [a, b] of links) this.#claimLink(a, b, owner, part.mode);
        return { outcome, heal: async () => this.#releaseLinks(links, owner, note) };
      }
      case 'bridge': {
        const leader = await this.#resolve({ type: 'leader' }, note);
        const followers = this.cluster.ids.filter((id) => id !== leader);
        const bridge = part.bridge === 'leader' ? leader : followers[0]!;
        const [a, b] = this.cluster.ids.filter((id) => id !== bridge) as [string, string];
        note(`bridge: cut ${a}–${b} (${part.mode}); ${bridge} (${bridge === leader ? 'leader' : 'follower'}) sees both: {${a},${bridge}} & {${bridge},${b}}`);
        this.#claimLink(a, b, owner, part.mode);
        return { outcome, heal: async () => this.#releaseLinks([[a, b]], owner, note) };
      }
      case 'membership': {
        await this.#membershipChange(part.target, note);
        return { outcome, heal: async () => this.#finishMembership(note) };
      }
      case 'wipe': {
        note(`SIGKILL ${part.target} and delete its data directory`);
        claim(this.#killClaims, part.target, owner);
        await this.#killAndWipe(part.target);
        return { outcome, heal: async () => this.#releaseKill(part.target, owner, note) };
      }
    }
  }

  /** Releases every claim: links open, servers and replicas resumed, dead replicas restarted. */
  async healAll(): Promise<string[]> {
    const notes: string[] = [];
    const note = (line: string) => {
      notes.push(line);
      this.opts.log(line);
    };
    if (this.#linkClaims.size > 0 || this.cluster.mesh.describeCuts().length > 0) note('heal: open every link');
    this.#linkClaims.clear();
    this.cluster.mesh.healLinks();
    this.#natsPauseClaims.clear();
    this.cluster.mesh.resumeAll();
    this.#pauseClaims.clear();
    this.#killClaims.clear();
    for (const id of this.cluster.ids) {
      if (this.cluster.isPaused(id)) {
        note(`heal: SIGCONT ${id}`);
        this.cluster.resume(id);
      }
      if (!this.cluster.isRunning(id)) {
        note(`heal: restart ${id}`);
        this.cluster.spawn(id);
      }
    }
    await this.#finishMembership(note);
    return notes;
  }

  /**
   * Waits until `id` has applied everything the leader had committed when called, and says how it got
   * there (an installed snapshot or the log). For a wiped or re-added replica. Throws after `timeoutMs`.
   */
  async verifyCaughtUp(id: string, timeoutMs: number): Promise<string> {
    const startedMs = Date.now();
    const deadline = startedMs + timeoutMs;
    let target = -1;
    let applied = -1;
    while (Date.now() < deadline) {
      try {
        if (target < 0) {
          const leader = await this.cluster.currentLeader();
          if (leader !== null) target = (await this.cluster.localView(leader)).commitIndex;
        }
        if (target >= 0) {
          applied = (await this.cluster.localView(id)).appliedIndex;
          if (applied >= target) break;
        }
      } catch {
        // not answering yet
      }
      await sleep(200);
    }
    if (target < 0 || applied < target) {
      throw new Error(`${id} did not catch up within ${timeoutMs} ms (applied ${applied}, leader commit ${target})`);
    }
    const installed = /installed snapshot at index (\d+)/.exec(this.cluster.outputSinceStart(id));
    const how = installed ? `by an installed snapshot at index ${installed[1]}, then the log` : 'by the log (no snapshot installed)';
    const line = `${id} caught up to the leader's commit index ${target} ${how}; applied ${applied} (${Date.now() - startedMs} ms after the cluster was healthy)`;
    this.opts.log(line);
    return line;
  }

  // --- targets -------------------------------------------------------------------------------------

  async #resolve(target: Target, note: (line: string) => void): Promise<string> {
    if (target.type === 'replica') return target.id;
    const deadline = Date.now() + (this.opts.leaderWaitMs ?? 5_000);
    for (;;) {
      const leader = await this.cluster.currentLeader();
      if (leader !== null) return leader;
      if (Date.now() > deadline) break;
      await sleep(200);
    }
    const fallback = this.cluster.ids.find((id) => this.cluster.isServing(id)) ?? this.cluster.ids[0]!;
    note(`no leader to target; using ${fallback}`);
    return fallback;
  }

  // --- claims --------------------------------------------------------------------------------------

  /** Kills `id` and deletes its data with no await in between (a concurrent part may restart it). */
  async #killAndWipe(id: string): Promise<void> {
    while (this.cluster.isRunning(id)) await this.cluster.kill(id);
    this.cluster.wipe(id);
  }

  async #claimKill(id: string, owner: number): Promise<void> {
    claim(this.#killClaims, id, owner);
    await this.cluster.kill(id);
  }

  async #releaseKill(id: string, owner: number, note: (line: string) => void): Promise<void> {
    if (!release(this.#killClaims, id, owner) || this.cluster.isRunning(id)) return;
    note(`restart ${id}`);
    this.cluster.spawn(id);
  }

  #claimLink(a: string, b: string, owner: number, mode: CutMode): void {
    const key = linkKey(a, b);
    const claims = this.#linkClaims.get(key) ?? [];
    claims.push({ owner, mode });
    this.#linkClaims.set(key, claims);
    this.cluster.mesh.setLink(this.cluster.serverOf(a), this.cluster.serverOf(b), mode);
  }

  #releaseLinks(links: readonly (readonly [string, string])[], owner: number, note: (line: string) => void): void {
    const opened: string[] = [];
    for (const [a, b] of links) {
      const key = linkKey(a, b);
      const claims = (this.#linkClaims.get(key) ?? []).filter((c) => c.owner !== owner);
      if (claims.length > 0) {
        this.#linkClaims.set(key, claims);
        this.cluster.mesh.setLink(this.cluster.serverOf(a), this.cluster.serverOf(b), claims.at(-1)!.mode);
      } else {
        this.#linkClaims.delete(key);
        this.cluster.mesh.setLink(this.cluster.serverOf(a), this.cluster.serverOf(b), 'open');
        opened.push(`${a}–${b}`);
      }
    }
    if (opened.length > 0) note(`open ${opened.join(', ')}`);
  }

  // --- membership ----------------------------------------------------------------------------------

  /**
   * Removes `target` from the configuration (moving leadership away first if it leads), kills it,
   * wipes its data, restarts it empty as a joining node, adds it as a learner and promotes it once
   * caught up. A step that does not succeed within its budget leaves the rest to `healAll`.
   */
  async #membershipChange(target: string, note: (line: string) => void): Promise<void> {
    this.#unfinishedMembership.add(target);
    if (!(await this.#remove(target, note))) return;
    // The removed replica keeps running (and receiving client requests) for a moment first.
    await sleep(REMOVED_RUNNING_MS);
    await this.#rejoin(target, note);
  }

  /** DELETE /v1/members/{target}, first moving leadership away whenever the target leads. */
  async #remove(target: string, note: (line: string) => void): Promise<boolean> {
    const to = this.cluster.ids.find((id) => id !== target)!;
    note(`membership: remove ${target}`);
    return this.#retry(
      `remove ${target}`,
      async () => {
        if ((await this.cluster.currentLeader()) === target) {
          note(`membership: ${target} leads; transfer leadership to ${to}`);
          const moved = await this.cluster.admin('POST', '/v1/leader/transfer', { to });
          if (moved.status !== 200) return moved;
        }
        return this.cluster.admin('DELETE', `/v1/members/${target}`);
      },
      note,
    );
  }

  async #rejoin(target: string, note: (line: string) => void): Promise<void> {
    const others = this.cluster.ids.filter((id) => id !== target);
    note(`membership: SIGKILL ${target}, wipe it, restart it empty as a joining node (peers ${others.join(',')})`);
    await this.#killAndWipe(target);
    this.cluster.setPeers(target, others);
    this.cluster.spawn(target);
    note(`membership: add ${target} as a learner`);
    if (!(await this.#retry(`add ${target}`, () => this.cluster.admin('POST', '/v1/members', { id: target, learner: true }), note))) return;
    await this.#promote(target, note);
  }

  async #promote(target: string, note: (line: string) => void): Promise<void> {
    const startedMs = Date.now();
    note(`membership: promote ${target} once caught up`);
    if (!(await this.#retry(`promote ${target}`, () => this.cluster.admin('POST', `/v1/members/${target}/promote`), note))) return;
    note(`membership: ${target} is a voter again (${Date.now() - startedMs} ms after the learner was added)`);
    this.cluster.setPeers(target, this.cluster.ids);
    this.#unfinishedMembership.delete(target);
  }

  /** Completes any interrupted change: re-add and promote whoever is missing from the configuration. */
  async #finishMembership(note: (line: string) => void): Promise<void> {
    for (const target of [...this.#unfinishedMembership]) {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && this.#unfinishedMembership.has(target)) {
        const members = await this.cluster.members();
        const member = members?.find((m) => m.id === target);
        if (members === null) {
          await sleep(500);
        } else if (member === undefined) {
          await this.#rejoin(target, note);
        } else if (member.role === 'learner') {
          await this.#promote(target, note);
        } else {
          this.cluster.setPeers(target, this.cluster.ids);
          this.#unfinishedMembership.delete(target);
        }
      }
      if (this.#unfinishedMembership.has(target)) note(`membership: could not restore ${target} as a voter`);
    }
  }

  /** Retries an admin request until it answers 2xx or the step budget passes; false on give-up. */
  async #retry(what: string, request: () => Promise<{ status: number; body: string }>, note: (line: string) => void): Promise<boolean> {
    const deadline = Date.now() + (this.opts.membershipStepMs ?? 20_000);
    let last = { status: 0, body: '' };
    for (;;) {
      last = await request();
      if (last.status >= 200 && last.status < 300) return true;
      if (Date.now() > deadline) {
        note(`membership: ${what} did not succeed: ${last.status} ${last.body.slice(0, 200)}`);
        return false;
      }
      await sleep(300);
    }
  }
}

function claim(claims: Map<string, Set<number>>, id: string, owner: number): void {
  const set = claims.get(id) ?? new Set<number>();
  set.add(owner);
  claims.set(id, set);
}

/** Drops `owner`'s claim; true when nobody claims `id` any more. */
function release(claims: Map<string, Set<number>>, id: string, owner: number): boolean {
  const set = claims.get(id);
  set?.delete(owner);
  if (set && set.size > 0) return false;
  claims.delete(id);
  return true;
}

function linkKey(a: string, b: string): string {
  return [a, b].sort().join('|');
}
