/**
 * Linearizability search of Wing & Gong with Lowe's improvements (as in Porcupine): call and return
 * events in a doubly linked list, a stack of linearized operations to backtrack, and a cache of
 * (linearized set, state) configurations already explored.
 *
 * Operations with an unknown outcome (`omittable`) never block: they have no return event and may be
 * linearized at any point after their call, or never. They live outside the event list and are tried
 * only after every known candidate of a configuration. A configuration is dominated by another with
 * the same state, the same known operations linearized and a subset of the omittable ones (whatever
 * completes the first completes the second, omitting the extra ones), so:
 * - the cache prunes a configuration dominated by one already explored;
 * - linearizing an omittable operation that leaves the state unchanged is never needed;
 * - after an omittable operation V, an operation X whose result state is the same with or without V
 *   before it is skipped: the configuration without V is explored from V's parent.
 * More prunings: a legal read-only candidate is linearized at once with no alternatives; a change of
 * content that leaves its next reader unservable is a dead end; an omittable operation whose writes
 * nobody can read before the first pending return or before they are overwritten is not tried
 * there (token-index.ts).
 * The search is model-agnostic: the model is each operation's `step` plus SearchModel.
 */

import { Bitset, zobristTable } from './bitset.ts';
import { buildEventList, lift, unlift, type EventNode } from './event-list.ts';
import { TokenIndex } from './token-index.ts';

export interface SearchOp<S> {
  readonly call: number;
  /** Finite for known operations; ignored for omittable ones. */
  readonly ret: number;
  /** True when the outcome is unknown: the operation may take effect after `call`, or never. */
  readonly omittable: boolean;
  /**
   * Omittable operations with the same defined `effect` have the same `step`. Of those callable in
   * a configuration only the one called last is tried: the earlier ones can stand in for it later.
   */
  readonly effect?: string;
  /** The state after this operation, or undefined if its recorded result is impossible in `state`. */
  step(state: S): S | undefined;
  /** True when the operation never changes the state it is legal in (a read). */
  readonly readOnly: boolean;
  /**
   * Contents of keys as tokens (see SearchModel.changes), for the prunings of token-index.ts:
   * - `writes`: each content this operation may write;
   * - `leaves`: per key, the content a known operation leaves behind (empty when omittable);
   * - `observes`: contents a known operation needs present when it takes effect; for an omittable
   *   one, contents whose presence makes it act (the expected value of a cas);
   * - `probesKeys`: keys whose content matters to it in any other way (must differ from a value,
   *   must be present, picks a txn branch).
   */
  readonly writes: readonly KeyedToken[];
  readonly leaves: readonly KeyedToken[];
  readonly observes: readonly string[];
  readonly probesKeys: readonly string[];
}

export interface KeyedToken {
  readonly key: string;
  readonly token: string;
}

/** A key whose content went from token `lost` to token `gained`. */
export interface ContentChange {
  readonly key: string;
  readonly lost: string;
  readonly gained: string;
}

export interface SearchModel<S> {
  readonly initial: S;
  /** Injective on states: equal keys are taken as equal states. */
  stateKey(state: S): string;
  /**
   * The keys whose content differs. With this function the content prunings are on, and every
   * operation's token fields must be complete; without it they are off and the fields unused.
   */
  changes?(before: S, after: S): readonly ContentChange[];
}

export interface SearchBudget {
  /** Absolute deadline on `now()`'s clock. */
  readonly deadlineMs: number;
  readonly maxSteps: number;
  readonly now: () => number;
}

export type SearchResult =
  /** `order`: indices of the linearized operations, first to last; omitted ones are absent. */
  | { readonly type: 'linearizable'; readonly order: readonly number[]; readonly steps: number }
  /**
   * `frontierOp`: the known operation whose return is the latest any explored configuration reached
   * unlinearized, i.e. where the deepest attempts died (-1 if none got that far).
   */
  | { readonly type: 'not-linearizable'; readonly frontierOp: number; readonly steps: number }
  | { readonly type: 'unknown'; readonly reason: 'steps' | 'time'; readonly steps: number };

interface Frame<S> {
  readonly opIndex: number;
  readonly state: S;
  readonly stateKey: string;
  /** Known operations: the call node to put back. */
  readonly node: EventNode | null;
  /** Where the search resumes among the candidates (known) or the omittable operations. */
  readonly cursor: number;
  readonly firstReturnTime: number;
  /** Lifted with no alternatives: when it fails, its parent configuration fails too. */
  readonly forced: boolean;
}

const TIME_CHECK_INTERVAL_STEPS = 1024;

/** Searches for a linearization of `ops` from `model.initial`. */
export function searchLinearization<S>(
  ops: readonly SearchOp<S>[],
  model: SearchModel<S>,
  budget: SearchBudget,
): SearchResult {
  const stateKey = (state: S) => model.stateKey(state);
  const head = buildEventList(ops);
  const omittable = ops
    .map((op, index) => ({ op, index }))
    .filter(({ op }) => op.omittable)
    .sort((a, b) => a.op.call - b.op.call || a.index - b.index)
    .map(({ index }) => index);
  /** For omittable[i], the position in `omittable` of the next one with the same effect, or -1. */
  const nextSameEffect = omittable.map(() => -1);
  const lastByEffect = new Map<string, number>();
  for (let i = omittable.length - 1; i >= 0; i--) {
    const effect = ops[omittable[i]!]!.effect;
    if (effect === undefined) continue;
    nextSameEffect[i] = lastByEffect.get(effect) ?? -1;
    lastByEffect.set(effect, i);
  }
  /** Whether a later-called twin of omittable[i] is callable and not linearized. */
  const hasLaterTwin = (i: number, returnTime: number): boolean => {
    for (let j = nextSameEffect[i]!; j !== -1 && ops[omittable[j]!]!.call <= returnTime; j = nextSameEffect[j]!) {
      if (!linearized.has(omittable[j]!)) return true;
    }
    return false;
  };
  const linearized = new Bitset(ops.length);
  const zobrist = zobristTable(ops.length);
  const knownMask = new Bitset(ops.length);
  ops.forEach((op, index) => {
    if (op.omittable) zobrist.fill(0, 2 * index, 2 * index + 2);
    else knownMask.set(index);
  });
  /** stateKey -> hash of the known linearized operations -> linearized sets explored. */
  const cache = new Map<string, Map<number, Uint32Array[]>>();
  const stack: Frame<S>[] = [];

  const tokens = new TokenIndex(ops as readonly SearchOp<unknown>[], (index) => linearized.has(index));

  let state = model.initial;
  let key = stateKey(state);
  let hashLo = 0;
  let hashHi = 0;
  let steps = 0;

  /**
   * Linearizes op `index` next if its result is possible and the configuration is new. `node` is its
   * call event (known operations); `cursor` (and `returnTime` for omittable ones) say where the
   * search resumes when it comes back.
   */
  function tryLift(
    index: number,
    node: EventNode | null,
    cursor: number,
    returnTime: number,
    forced: boolean,
  ): boolean {
    const op = ops[index]!;
    const next = op.step(state);
    if (next === undefined) return false;
    const nextKey = stateKey(next);
    if (op.omittable && nextKey === key) return false;
    const top = stack[stack.length - 1];
    if (top !== undefined && ops[top.opIndex]!.omittable) {
      const withoutTop = op.step(top.state);
      if (withoutTop !== undefined && stateKey(withoutTop) === nextKey) return false;
    }
    const nextLo = hashLo ^ zobrist[2 * index]!;
    const nextHi = hashHi ^ zobrist[2 * index + 1]!;
    const hash = nextHi * 0x200000 + (nextLo & 0x1fffff);
    let byHash = cache.get(nextKey);
    if (byHash === undefined) cache.set(nextKey, (byHash = new Map()));
    const bucket = byHash.get(hash);
    if (bucket !== undefined && bucket.some((bits) => linearized.isDominatedWith(bits, index, knownMask))) {
      return false;
    }
    if (model.changes !== undefined) {
      linearized.set(index);
      let starved = -1;
      for (const change of model.changes(state, next)) {
        starved = tokens.starvedObserver(change.lost);
        if (starved === -1) starved = tokens.doomedObserver(change.key, change.gained);
        if (starved !== -1) break;
      }
      linearized.clear(index);
      tokens.restored(index);
      if (starved !== -1) {
        reachFrontier(starved);
        return false;
      }
    }
    const stored = linearized.cloneWith(index);
    if (bucket === undefined) byHash.set(hash, [stored]);
    else bucket.push(stored);

    stack.push({ opIndex: index, state, stateKey: key, node, cursor, firstReturnTime: returnTime, forced });
    state = next;
    key = nextKey;
    hashLo = nextLo;
    hashHi = nextHi;
    linearized.set(index);
    if (node !== null) lift(node);
    return true;
  }

  type Mode = 'fresh' | 'walk' | 'omittable' | 'backtrack';
  let mode: Mode = 'fresh';
  /** The known candidates of the current configuration, most urgent (earliest return) first. */
  let candidates: EventNode[] = [];
  let candidateCursor = 0;
  /** The first return event of the current configuration: its op must be linearized by then. */
  let firstReturn: EventNode | null = null;
  let omittableCursor = 0;
  let firstReturnTime = 0;
  let frontierOp = -1;
  let frontierTime = Number.NEGATIVE_INFINITY;
  /** Records that a configuration died with known op `index` still to linearize. */
  function reachFrontier(index: number): void {
    const time = ops[index]!.ret;
    if (time > frontierTime || (time === frontierTime && index < frontierOp)) {
      frontierTime = time;
      frontierOp = index;
    }
  }
  for (;;) {
    steps += 1;
    if (steps > budget.maxSteps) return { type: 'unknown', reason: 'steps', steps };
    if (steps % TIME_CHECK_INTERVAL_STEPS === 0 && budget.now() > budget.deadlineMs) {
      return { type: 'unknown', reason: 'time', steps };
    }

    switch (mode) {
      case 'fresh': {
        if (head.next === null) {
          return { type: 'linearizable', order: stack.map((frame) => frame.opIndex), steps };
        }
        const pure = liftPure();
        if (pure === 'none') {
          collectCandidates();
          candidateCursor = 0;
        }
        mode = pure === 'lifted' ? 'fresh' : pure === 'dead-end' ? 'backtrack' : 'walk';
        break;
      }
      case 'walk': {
        const node = candidates[candidateCursor];
        if (node !== undefined) {
          if (tryLift(node.opIndex, node, candidateCursor, 0, false)) mode = 'fresh';
          else candidateCursor += 1;
        } else {
          mode = 'omittable';
          firstReturnTime = firstReturn!.time;
          reachFrontier(firstReturn!.opIndex);
          omittableCursor = 0;
        }
        break;
      }
      case 'omittable': {
        const candidate = omittable[omittableCursor];
        if (candidate === undefined || ops[candidate]!.call > firstReturnTime) {
          mode = 'backtrack';
        } else if (
          !linearized.has(candidate) &&
          !hasLaterTwin(omittableCursor, firstReturnTime) &&
          (model.changes === undefined || tokens.mayMatter(candidate, firstReturnTime)) &&
          tryLift(candidate, null, omittableCursor, firstReturnTime, false)
        ) {
          mode = 'fresh';
        } else {
          omittableCursor += 1;
        }
        break;
      }
      case 'backtrack': {
        let frame: Frame<S> | undefined;
        do {
          frame = stack.pop();
          if (frame === undefined) return { type: 'not-linearizable', frontierOp, steps };
          undo(frame);
        } while (frame.forced);
        if (frame.node !== null) {
          mode = 'walk';
          collectCandidates();
          candidateCursor = frame.cursor + 1;
        } else {
          mode = 'omittable';
          omittableCursor = frame.cursor + 1;
          firstReturnTime = frame.firstReturnTime;
        }
        break;
      }
    }
  }

  /**
   * A known read-only candidate that is legal in the current state can be linearized first without
   * loss: it is callable, so nothing remaining must precede it, and wherever a linearization places
   * it, it changes nothing for the others. So it is lifted with no alternatives ("forced"), and if
   * that configuration is pruned, this one is a dead end too.
   */
  function liftPure(): 'lifted' | 'dead-end' | 'none' {
    for (let node = head.next; node !== null && node.match !== null; node = node.next) {
      const op = ops[node.opIndex]!;
      if (!op.readOnly || op.step(state) === undefined) continue;
      return tryLift(node.opIndex, node, 0, 0, true) ? 'lifted' : 'dead-end';
    }
    return 'none';
  }

  function collectCandidates(): void {
    candidates = [];
    let node = head.next;
    for (; node !== null && node.match !== null; node = node.next) candidates.push(node);
    if (node === null) throw new Error('event list ended without a return event');
    firstReturn = node;
    candidates.sort((a, b) => a.match!.time - b.match!.time || a.opIndex - b.opIndex);
  }

  function undo(frame: Frame<S>): void {
    state = frame.state;
    key = frame.stateKey;
    hashLo ^= zobrist[2 * frame.opIndex]!;
    hashHi ^= zobrist[2 * frame.opIndex + 1]!;
    linearized.clear(frame.opIndex);
    tokens.restored(frame.opIndex);
    if (frame.node !== null) unlift(frame.node);
  }
}
