// A script interpreter driving several Raft cores over a manual network, for golden scenario files
// (etcd's datadriven interaction tests). Every step is explicit: nothing ticks, persists or delivers
// unless a command says so, and each node's Rng is seeded from its id, so output is deterministic.
//
// Commands (ids are strings such as 1, 2, 3; lists are written (1,2,3)):
//   add-nodes N [voters=(..)] [learners=(..)] [election=10 heartbeat=2 prevote=true checkquorum=true
//             inflight=64 maxbytes=N snapchunk=N promotelag=N applybatch=N]
//   campaign ID                    tick ID until it starts an election
//   tick ID [N] / tick-all [N] [stabilize=quiet]   with stabilize=quiet, every tick is followed by a
//                                  stabilize that prints only role changes, read results, violations
//   propose ID DATA...             one Command entry per DATA word, in one proposal
//   add-learner ID NODE / promote ID NODE / remove ID NODE / transfer ID NODE / read-index ID CTX
//   compact ID INDEX               snapshot the state machine at INDEX and drop the log below it
//   process-ready ID...            execute each node's Ready (send, persist, apply, advance)
//   deliver-msgs ID... [drop=(..)] [duplicate=(..)] [count=N]   step queued messages addressed to
//                                  ID (oldest first); messages addressed to a `drop` id are discarded,
//                                  those addressed to a `duplicate` id are delivered twice in a row
//   stabilize [ID...]              process Readys and deliver messages until nothing moves
//   partition (..) (..)... / heal  messages between groups are dropped; unlisted nodes stand alone
//   crash ID / restart ID          a crash loses everything not yet persisted through a Ready
//   status [ID...] / raft-log [ID...] / applied [ID...]
// Output lines: `from->to Type term:T ...` per message, `N became ROLE at term T` per role change.
// Safety is checked as the script runs (one leader per term, no two replicas applying different
// entries at one index, the core's persisted entries really in storage); a breach prints a line
// starting with `SAFETY VIOLATION:`.

import { ConfigChangeRefusedError, NotLeaderError, ProposalDroppedError } from '../../actors/raft/errors.ts';
import type { ConfigChange } from '../../actors/raft/config.ts';
import type { Raft } from '../../actors/raft/raft.ts';
import type { Message } from '../../actors/raft/types.ts';
import { formatEntry, formatHardState, formatList, formatMessage, formatStatus, formatSummary, text } from './harness/format.ts';
import { type CoreOptions, Replica } from './harness/replica.ts';
import { SafetyMonitor } from './harness/safety.ts';
import { type Command, parseCommand, parseIdList, parseScript, renderScript } from './harness/script.ts';

const encoder = new TextEncoder();
const MAX_STABILIZE_ROUNDS = 1000;
const MAX_CAMPAIGN_TICKS = 1000;

type Handler = (cmd: Command) => string[];

export class Interpreter {
  private readonly nodes = new Map<string, Replica>();
  /** Messages sent and not yet delivered or dropped, oldest first. */
  private network: Message[] = [];
  /** Node id -> partition group; empty when the network is whole. */
  private groups = new Map<string, number>();
  private readonly safety = new SafetyMonitor();

  private readonly handlers: Record<string, Handler> = {
    'add-nodes': (c) => this.addNodes(c),
    campaign: (c) => this.campaign(this.id(c, 0)),
    tick: (c) => this.tick([this.id(c, 0)], this.count(c, 1), c.options.get('stabilize') === 'quiet'),
    'tick-all': (c) => this.tick(this.upIds(), this.count(c, 0), c.options.get('stabilize') === 'quiet'),
    propose: (c) => this.propose(c),
    'add-learner': (c) => this.configChange(c, 'addLearner'),
    promote: (c) => this.configChange(c, 'promote'),
    remove: (c) => this.configChange(c, 'remove'),
    transfer: (c) => this.onCore(this.id(c, 0), (r) => r.transferLeadership(this.arg(c, 1))),
    'read-index': (c) => this.onCore(this.id(c, 0), (r) => r.readIndex(this.arg(c, 1))),
    compact: (c) => this.compact(this.id(c, 0), Number(this.arg(c, 1))),
    'process-ready': (c) => c.args.flatMap((id) => this.processReady(this.node(id).id)),
    'deliver-msgs': (c) => this.deliverCommand(c),
    stabilize: (c) => this.stabilize(c.args.length > 0 ? c.args.map((id) => this.node(id).id) : [...this.nodes.keys()]),
    partition: (c) => this.partition(c.args.map(parseIdList)),
    heal: () => this.heal(),
    crash: (c) => this.crash(this.id(c, 0)),
    restart: (c) => this.restart(this.id(c, 0), c.options.get('wipe') === 'true'),
    status: (c) => this.status(c.args),
    'raft-log': (c) => this.raftLog(c.args.length > 0 ? c.args : [...this.nodes.keys()]),
    applied: (c) => (c.args.length > 0 ? c.args : [...this.nodes.keys()]).map((id) => `${id}: ${this.node(id).state() || '(empty)'}`),
  };

  /** Runs one command line; returns its output (never empty: `ok` when there is nothing to say). */
  run(line: string): string[] {
    const cmd = parseCommand(line);
    const handler = this.handlers[cmd.name];
    if (!handler) throw new Error(`unknown command: ${cmd.name}`);
    const out = [...handler(cmd), ...this.safety.durability(this.nodes.values())];
    return out.length > 0 ? out : ['ok'];
  }

  // -------------------------------------------------------------------------------------------------
  // Cluster setup and faults

  private addNodes(c: Command): string[] {
    const count = Number(this.arg(c, 0));
    const first = this.nodes.size + 1;
    const ids = Array.from({ length: count }, (_, i) => String(first + i));
    const voters = c.options.has('voters') ? parseIdList(c.options.get('voters')!) : c.options.has('learners') ? [] : ids;
    const learners = c.options.has('learners') ? parseIdList(c.options.get('learners')!) : [];
    const options: CoreOptions = {
      bootstrap: { voters, learners },
      electionTicks: this.numberOption(c, 'election', 10),
      heartbeatTicks: this.numberOption(c, 'heartbeat', 2),
      preVote: c.options.get('prevote') !== 'false',
      checkQuorum: c.options.get('checkquorum') !== 'false',
      // Scripts start members as a new cluster's; `blankguard=true` runs the blank-start guard.
      guardBlankStart: c.options.get('blankguard') === 'true',
      maxInflight: this.numberOption(c, 'inflight', 64),
      maxAppendBytes: this.numberOption(c, 'maxbytes', 1 << 20),
      snapshotChunkBytes: this.numberOption(c, 'snapchunk', 256 * 1024),
      promoteMaxLag: this.numberOption(c, 'promotelag', 256),
      maxApplyBatch: this.numberOption(c, 'applybatch', 4096),
    };
    for (const id of ids) this.nodes.set(id, new Replica(id, options, 1000 + Number(id)));
    return ids.map((id) => `${id}: follower term:0 ${formatBootstrap(voters, learners)}`);
  }

  private partition(groups: string[][]): string[] {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups.set(this.node(id).id, i)));
    let next = groups.length;
    for (const id of this.nodes.keys()) if (!this.groups.has(id)) this.groups.set(id, next++);
    const byGroup = new Map<number, string[]>();
    for (const [id, g] of this.groups) byGroup.set(g, [...(byGroup.get(g) ?? []), id]);
    return [`partitioned: ${[...byGroup.values()].map(formatList).join(' ')}`];
  }

  private heal(): string[] {
    this.groups = new Map();
    return ['healed'];
  }

  private crash(id: string): string[] {
    const lines = [`${id} crashed`, ...this.node(id).crash()];
    for (const m of this.network.filter((m) => m.to === id)) lines.push(`  dropped: ${formatMessage(m)}`);
    this.network = this.network.filter((m) => m.to !== id);
    return lines;
  }

  private restart(id: string, wipe: boolean): string[] {
    const node = this.node(id);
    node.restart(wipe);
    const s = node.core().status();
    return [`${id} restarted: ${formatHardState(node.storage.hardState)} last:${s.lastIndex} snapshot:${s.snapshotIndex}`];
  }

  // -------------------------------------------------------------------------------------------------
  // Inputs to the cores

  /**
   * Ticks `id` until it starts an election: its first output after the ticks is the election's
   * messages (or, alone in its configuration, its leadership). Its earlier Ready must be processed.
   */
  private campaign(id: string): string[] {
    const raft = this.node(id).core();
    if (raft.hasReady()) throw new Error(`campaign ${id}: process its Ready first`);
    if (raft.status().role === 'leader') throw new Error(`campaign ${id}: already the leader`);
    const lines: string[] = [];
    for (let i = 0; i < MAX_CAMPAIGN_TICKS; i++) {
      lines.push(...this.observe(id, (r) => r.tick()));
      if (raft.hasReady() && raft.status().role !== 'follower') return lines;
    }
    return [...lines, `${id} did not campaign`];
  }

  /**
   * Ticks each node `count` times. With `quiet`, every tick is followed by a stabilize whose output is
   * reduced to role changes, panics and read results (for stretches of routine heartbeats).
   */
  private tick(ids: readonly string[], count: number, quiet: boolean): string[] {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      for (const id of ids) if (this.node(id).up) lines.push(...this.observe(id, (r) => r.tick()));
      if (quiet) lines.push(...this.stabilize([...this.nodes.keys()]).map((l) => l.trim()).filter(isNotable));
    }
    return lines;
  }

  private propose(c: Command): string[] {
    const id = this.id(c, 0);
    const data = c.args.slice(1).map((word) => encoder.encode(word));
    return this.onCore(id, (r) => {
      const first = r.propose(data);
      return [`proposed at ${first}${data.length > 1 ? `..${first + data.length - 1}` : ''}`];
    });
  }

  private configChange(c: Command, type: ConfigChange['type']): string[] {
    const change = { type, node: this.arg(c, 1) } as ConfigChange;
    return this.onCore(this.id(c, 0), (r) => [`proposed at ${r.proposeConfigChange(change)}`]);
  }

  private compact(id: string, index: number): string[] {
    const node = this.node(id);
    return this.onCore(id, (r) => {
      const snap = r.compact(index, node.stateAt(index));
      node.saveLocalSnapshot(snap);
      return [`${id} snapshot at ${snap.meta.index}/${snap.meta.term} state:${text(snap.data)}`];
    });
  }

  /**
   * Runs `input` against a node's core and reports role or term changes. Expected refusals (tier-b
   * errors) are printed; a broken invariant takes the node down, as it would stop a real replica.
   */
  private onCore(id: string, input: (r: Raft) => string[] | void): string[] {
    let out: string[] | void = [];
    const lines = this.observe(id, (r) => {
      try {
        out = input(r);
      } catch (err) {
        if (err instanceof NotLeaderError || err instanceof ProposalDroppedError || err instanceof ConfigChangeRefusedError) {
          out = [`error: ${err.name}: ${err.message}`];
        } else throw err;
      }
    });
    return [...(out ?? []), ...lines];
  }

  private observe(id: string, input: (r: Raft) => void): string[] {
    const node = this.node(id);
    const raft = node.core();
    const before = raft.softState();
    try {
      input(raft);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('invariant:')) throw err;
      node.crash();
      return [`${id} panicked: ${err.message}`];
    }
    const after = raft.softState();
    if (after.role === before.role && after.term === before.term) return [];
    const lines = [`${id} became ${after.role} at term ${after.term}`];
    if (after.role === 'leader') lines.push(...this.safety.leaderElected(id, after.term));
    return lines;
  }

  // -------------------------------------------------------------------------------------------------
  // Ready and the network

  private processReady(id: string): string[] {
    const node = this.node(id);
    const raft = node.core();
    if (!raft.hasReady()) return [`${id} has no Ready`];
    let result: ReturnType<Replica['processReady']>;
    try {
      result = node.processReady();
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('invariant:')) throw err;
      node.crash();
      return [`${id} panicked: ${err.message}`];
    }
    const lines = [`${id} ready:`, ...result.lines.map((l) => `  ${l}`), ...this.safety.applied(id, result.applied)];
    for (const m of result.sent) {
      const reason = this.blocked(m);
      if (reason) {
        const i = lines.findIndex((l) => l.endsWith(formatMessage(m)));
        lines[i] += ` (dropped: ${reason})`;
      } else this.network.push(m);
    }
    return lines;
  }

  /** Why `m` cannot travel now, or null when it can. */
  private blocked(m: Message): string | null {
    if (!this.nodes.get(m.to)?.up) return `${m.to} is down`;
    const a = this.groups.get(m.from);
    const b = this.groups.get(m.to);
    if (a !== undefined && b !== undefined && a !== b) return 'partitioned';
    return null;
  }

  private deliverCommand(c: Command): string[] {
    const drop = new Set(c.options.has('drop') ? parseIdList(c.options.get('drop')!) : []);
    const lines: string[] = [];
    if (drop.size > 0) {
      for (const m of this.network.filter((m) => drop.has(m.to))) lines.push(`dropped: ${formatMessage(m)}`);
      this.network = this.network.filter((m) => !drop.has(m.to));
    }
    const duplicate = new Set(c.options.has('duplicate') ? parseIdList(c.options.get('duplicate')!) : []);
    if (duplicate.size > 0) {
      // The network delivers each queued message to these nodes twice, the copy right after the original.
      this.network = this.network.flatMap((m) => (duplicate.has(m.to) ? [m, m] : [m]));
    }
    const limit = c.options.has('count') ? Number(c.options.get('count')) : Infinity;
    for (const id of c.args) lines.push(...this.deliver(this.node(id).id, limit));
    return lines;
  }

  /** Steps up to `limit` queued messages addressed to `id`, oldest first. */
  private deliver(id: string, limit = Infinity): string[] {
    const lines: string[] = [];
    let delivered = 0;
    while (delivered < limit) {
      const at = this.network.findIndex((m) => m.to === id);
      if (at < 0) break;
      const [m] = this.network.splice(at, 1) as [Message];
      delivered++;
      const reason = this.blocked(m);
      if (reason) {
        lines.push(`dropped: ${formatMessage(m)} (${reason})`);
        continue;
      }
      lines.push(formatMessage(m), ...this.observe(id, (r) => r.step(m)).map((l) => `  ${l}`));
      if (!this.node(id).up) break;
    }
    return lines;
  }

  private stabilize(ids: readonly string[]): string[] {
    const lines: string[] = [];
    for (let round = 0; round < MAX_STABILIZE_ROUNDS; round++) {
      let moved = false;
      for (const id of ids) {
        const node = this.node(id);
        if (!node.up || !node.core().hasReady()) continue;
        moved = true;
        lines.push(...this.processReady(id));
      }
      for (const id of ids) {
        if (!this.network.some((m) => m.to === id)) continue;
        moved = true;
        lines.push(`${id} receives:`, ...this.deliver(id).map((l) => `  ${l}`));
      }
      if (!moved) return lines;
    }
    throw new Error(`stabilize: still busy after ${MAX_STABILIZE_ROUNDS} rounds`);
  }

  // -------------------------------------------------------------------------------------------------
  // Inspection

  private status(ids: readonly string[]): string[] {
    if (ids.length === 0) {
      return [...this.nodes.values()].map((n) => (n.up ? formatSummary(n.core().status()) : `${n.id}: down`));
    }
    return ids.flatMap((id) => {
      const n = this.node(id);
      return n.up ? formatStatus(n.core().status()) : [`${id}: down`];
    });
  }

  private raftLog(ids: readonly string[]): string[] {
    return ids.map((id) => {
      const n = this.node(id);
      const snap = n.storage.snapshot;
      const parts = [...(snap ? [`snapshot ${snap.meta.index}/${snap.meta.term}`] : []), ...n.durableLog().map(formatEntry)];
      return `${id}${n.up ? '' : ' (down)'}: ${parts.length > 0 ? parts.join(', ') : '(empty)'}`;
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Argument helpers

  private node(id: string): Replica {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`unknown node ${id}`);
    return n;
  }

  private upIds(): string[] {
    return [...this.nodes.values()].filter((n) => n.up).map((n) => n.id);
  }

  private arg(c: Command, i: number): string {
    const v = c.args[i];
    if (v === undefined) throw new Error(`${c.name}: missing argument ${i + 1}`);
    return v;
  }

  private id(c: Command, i: number): string {
    return this.node(this.arg(c, i)).id;
  }

  private count(c: Command, i: number): number {
    return c.args[i] === undefined ? 1 : Number(c.args[i]);
  }

  private numberOption(c: Command, key: string, fallback: number): number {
    const v = c.options.get(key);
    return v === undefined ? fallback : Number(v);
  }
}

function isNotable(line: string): boolean {
  return / became | panicked: |^read-state: |^read-failure: |^SAFETY VIOLATION: /.test(line);
}

function formatBootstrap(voters: readonly string[], learners: readonly string[]): string {
  return `voters=${formatList(voters)} learners=${formatList(learners)}`;
}

/**
 * Runs a golden script and returns it with every block's output replaced by the actual output. A
 * command that throws (a malformed script, a harness bug) reports the error as its output.
 */
export function runScript(source: string): string {
  const script = parseScript(source);
  const interpreter = new Interpreter();
  const outputs = script.blocks.map((b) => {
    try {
      return interpreter.run(b.command);
    } catch (err) {
      return [`harness error: ${err instanceof Error ? err.message : String(err)}`];
    }
  });
  return renderScript(script, outputs);
}
