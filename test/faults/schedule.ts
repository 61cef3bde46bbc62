// The seeded fault schedule: a pure function of (seed, length, kinds). The same seed gives the same
// cycles, kinds, targets, link modes and durations; only what "the leader" is when a fault fires is
// decided at run time. A run is a sequence of cycles:
//
//   [quiet load: quietMs] [fault window: the parts, each at its offset] [heal all; wait until healthy]
//   [recovery load: recoverMs]
//
// Each cycle's clients use fresh keys, so a key's history spans exactly one cycle: before, during and
// after its fault (the checker's partitions stay small however long the run is).

import { seededRng, type Rng } from '../../actors/raft/rand.ts';

export const FAULT_KINDS = [
  'kill-leader',
  'kill-random',
  'pause',
  'partition-leader',
  'partition-random',
  'bridge',
  'nats-pause',
  'kill-all',
  'membership',
  'wipe',
  'mixed',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A replica chosen at run time (`leader`) or fixed by the schedule. */
export type Target = { readonly type: 'leader' } | { readonly type: 'replica'; readonly id: string };
/** How a cut link behaves: connections reset at once, or silently dropping every byte. */
export type CutMode = 'reset' | 'blackhole';

export type FaultPart =
  | { readonly kind: 'kill'; readonly target: Target; readonly atMs: number; readonly durationMs: number }
  | { readonly kind: 'pause'; readonly target: Target; readonly atMs: number; readonly durationMs: number }
  /** Cuts every link between the target's NATS server and the other replicas' servers. */
  | { readonly kind: 'isolate'; readonly target: Target; readonly mode: CutMode; readonly atMs: number; readonly durationMs: number }
  /** Cuts the link between the two ends; `bridge` (the leader or a follower) keeps both links. */
  | { readonly kind: 'bridge'; readonly bridge: 'leader' | 'follower'; readonly mode: CutMode; readonly atMs: number; readonly durationMs: number }
  /** SIGSTOP of the target's NATS server: its routes and its replica's connection stall, then resume. */
  | { readonly kind: 'nats-pause'; readonly target: Target; readonly atMs: number; readonly durationMs: number }
  | { readonly kind: 'kill-all'; readonly atMs: number; readonly durationMs: number }
  /** Remove the target (transferring leadership away first), wipe it, add it back as a learner, promote it. */
  | { readonly kind: 'membership'; readonly target: string; readonly atMs: number; readonly durationMs: number }
  /** SIGKILL, delete the data directory, restart after `durationMs`: caught up by snapshot. */
  | { readonly kind: 'wipe'; readonly target: string; readonly atMs: number; readonly durationMs: number };

export interface Cycle {
  readonly index: number;
  readonly kind: FaultKind;
  readonly quietMs: number;
  /** Parts sorted by `atMs`; the window lasts until the last part ends. */
  readonly parts: readonly FaultPart[];
  readonly recoverMs: number;
}

export interface Schedule {
  readonly seed: number;
  readonly cycles: readonly Cycle[];
  /** The command that plays this schedule again. */
  readonly rerun: string;
}

export interface ScheduleOptions {
  readonly seed: number;
  /** Planned length (quiet + fault windows + recovery, heal waits excluded). */
  readonly lengthMs: number;
  /** Exactly this many cycles instead (`lengthMs` is then ignored). */
  readonly cycles?: number;
  /** Kinds to draw from; default every kind. */
  readonly kinds?: readonly FaultKind[];
  /**
   * `shuffled` (default): rounds of every kind once, each round in a seeded order; `cycle`: the kinds
   * in the given order, round robin; `random`: an independent seeded draw per cycle.
   */
  readonly order?: 'shuffled' | 'cycle' | 'random';
  readonly replicas: readonly string[];
  /** Scales every duration (CI uses short cycles); default 1. */
  readonly scale?: number;
}

/**
 * Kinds a mixed cycle combines. A wipe runs alone: a voter that lost its disk also forgot its vote,
 * which Raft assumes it never does (see docs/faults.md); membership changes wipe safely (remove first).
 */
const MIXABLE: readonly FaultPart['kind'][] = ['kill', 'pause', 'isolate', 'bridge', 'nats-pause', 'kill-all', 'membership'];

export function planSchedule(opts: ScheduleOptions): Schedule {
  const rng = seededRng(opts.seed);
  const kinds = opts.kinds ?? FAULT_KINDS;
  if (kinds.length === 0) throw new Error('no fault kinds to schedule');
  const scale = opts.scale ?? 1;
  const cycles: Cycle[] = [];
  let plannedMs = 0;
  let round: FaultKind[] = [];
  const nextKind = (): FaultKind => {
    if (opts.order === 'cycle') return kinds[cycles.length % kinds.length]!;
    if (opts.order === 'random') return kinds[rng.nextInt(kinds.length)]!;
    if (round.length === 0) round = shuffle(rng, kinds);
    return round.shift()!;
  };
  const more = () => (opts.cycles !== undefined ? cycles.length < opts.cycles : plannedMs < opts.lengthMs || cycles.length === 0);
  while (more()) {
    const kind = nextKind();
    const parts = planParts(kind, rng, opts.replicas, scale);
    const cycle: Cycle = {
      index: cycles.length,
      kind,
      quietMs: Math.round(between(rng, 1_500, 3_000) * scale),
      parts,
      recoverMs: Math.round(between(rng, 2_500, 4_000) * scale),
    };
    cycles.push(cycle);
    plannedMs += cycle.quietMs + windowMs(cycle) + cycle.recoverMs;
  }
  return { seed: opts.seed, cycles, rerun: rerunCommand(opts) };
}

function rerunCommand(opts: ScheduleOptions): string {
  const args = [`--seed ${opts.seed}`];
  args.push(opts.cycles !== undefined ? `--cycles ${opts.cycles}` : `--minutes ${opts.lengthMs / 60_000}`);
  if (opts.kinds !== undefined) args.push(`--kinds ${opts.kinds.join(',')}`);
  if (opts.order !== undefined && opts.order !== 'shuffled') args.push(`--order ${opts.order}`);
  if (opts.scale !== undefined && opts.scale !== 1) args.push(`--scale ${opts.scale}`);
  return `npm run faults -- ${args.join(' ')}`;
}

/** How long the fault window of a cycle lasts as planned. */
export function windowMs(cycle: Cycle): number {
  return Math.max(0, ...cycle.parts.map((part) => part.atMs + part.durationMs));
}

function planParts(kind: FaultKind, rng: Rng, replicas: readonly string[], scale: number): FaultPart[] {
  const ms = (low: number, high: number) => Math.round(between(rng, low, high) * scale);
  const replica = () => replicas[rng.nextInt(replicas.length)]!;
  const target = (leaderShare: number): Target => (rng.next() < leaderShare ? { type: 'leader' } : { type: 'replica', id: replica() });
  const mode = (): CutMode => (rng.next() < 0.5 ? 'reset' : 'blackhole');
  switch (kind) {
    case 'kill-leader':
      return [{ kind: 'kill', target: { type: 'leader' }, atMs: 0, durationMs: ms(2_000, 5_000) }];
    case 'kill-random':
      return [{ kind: 'kill', target: { type: 'replica', id: replica() }, atMs: 0, durationMs: ms(2_000, 5_000) }];
    case 'pause':
      return [{ kind: 'pause', target: target(0.5), atMs: 0, durationMs: ms(2_000, 6_000) }];
    case 'partition-leader':
      return [{ kind: 'isolate', target: { type: 'leader' }, mode: mode(), atMs: 0, durationMs: ms(3_000, 7_000) }];
    case 'partition-random':
      return [{ kind: 'isolate', target: { type: 'replica', id: replica() }, mode: mode(), atMs: 0, durationMs: ms(3_000, 7_000) }];
    case 'bridge':
      return [{ kind: 'bridge', bridge: rng.next() < 0.75 ? 'follower' : 'leader', mode: mode(), atMs: 0, durationMs: ms(3_000, 7_000) }];
    case 'nats-pause':
      return [{ kind: 'nats-pause', target: target(0.5), atMs: 0, durationMs: ms(2_000, 5_000) }];
    case 'kill-all':
      return [{ kind: 'kill-all', atMs: 0, durationMs: ms(1_000, 3_000) }];
    case 'membership':
      return [{ kind: 'membership', target: replica(), atMs: 0, durationMs: ms(8_000, 12_000) }];
    case 'wipe':
      return [{ kind: 'wipe', target: replica(), atMs: 0, durationMs: ms(1_000, 3_000) }];
    case 'mixed': {
      const count = 2 + rng.nextInt(2);
      const parts: FaultPart[] = [];
      for (let i = 0; i < count; i++) {
        const atMs = ms(0, 3_000);
        const durationMs = ms(2_000, 5_000);
        const drawn = MIXABLE[rng.nextInt(MIXABLE.length)]!;
        // One membership change at a time: the configuration changes one member per step anyway.
        const partKind = drawn === 'membership' && parts.some((p) => p.kind === 'membership') ? 'kill' : drawn;
        switch (partKind) {
          case 'kill':
          case 'pause':
          case 'nats-pause':
            parts.push({ kind: partKind, target: target(0.4), atMs, durationMs });
            break;
          case 'isolate':
            parts.push({ kind: 'isolate', target: target(0.5), mode: mode(), atMs, durationMs });
            break;
          case 'bridge':
            parts.push({ kind: 'bridge', bridge: rng.next() < 0.75 ? 'follower' : 'leader', mode: mode(), atMs, durationMs });
            break;
          case 'membership':
            parts.push({ kind: 'membership', target: replica(), atMs, durationMs: ms(8_000, 12_000) });
            break;
          default:
            parts.push({ kind: 'kill-all', atMs, durationMs: Math.min(durationMs, ms(1_000, 2_500)) });
        }
      }
      return parts.sort((a, b) => a.atMs - b.atMs);
    }
  }
}

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function between(rng: Rng, low: number, high: number): number {
  return low + rng.next() * (high - low);
}

/** One line per cycle, for the run's log. */
export function describeSchedule(schedule: Schedule): string {
  return schedule.cycles
    .map((cycle) => `cycle ${cycle.index} ${cycle.kind}: quiet ${cycle.quietMs} ms, ${cycle.parts.map(describePart).join(' + ')}, recover ${cycle.recoverMs} ms`)
    .join('\n');
}

export function describePart(part: FaultPart): string {
  const at = `@${part.atMs}ms for ${part.durationMs}ms`;
  switch (part.kind) {
    case 'kill':
    case 'pause':
    case 'nats-pause':
      return `${part.kind} ${describeTarget(part.target)} ${at}`;
    case 'isolate':
      return `isolate ${describeTarget(part.target)} (${part.mode}) ${at}`;
    case 'bridge':
      return `bridge via the ${part.bridge} (${part.mode}) ${at}`;
    case 'kill-all':
      return `kill-all ${at}`;
    case 'membership':
    case 'wipe':
      return `${part.kind} ${part.target} ${at}`;
  }
}

export function describeTarget(target: Target): string {
  return target.type === 'leader' ? 'the leader' : target.id;
}
