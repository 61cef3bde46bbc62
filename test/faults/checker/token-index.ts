import type { SearchOp } from './wing-gong.ts';

/**
 * Spots contents (tokens, see SearchModel.changes) that their next reader can no longer see, which
 * makes a configuration a dead end long before that reader's return is reached. For a token, its
 * "next reader" is the remaining known operation observing it that returns first. Two cases:
 * - starved: the content just left the state, and no remaining writer of it other than the reader
 *   itself is called before the reader returns;
 * - doomed: the content just entered the state, but a remaining known operation must take effect
 *   before the reader is called and leaves the key with other content, and no remaining writer can
 *   bring the content back between the two.
 * Both are sound: a remaining reader must take effect within its interval, after everything that
 * returned before its call.
 *
 * It also tells whether lifting an omittable operation U now may matter. Its write of content c to a
 * key can only make a difference to a remaining operation that observes c or probes the key (an
 * operation needing other content is only hurt), and only if that operation is called before
 * - the return of the first remaining known operation overwriting the key: later readers come after
 *   that overwrite, so U's write is gone by then and U can be left out;
 * - and, when U's effect does not depend on the state (a put, a delete), the first pending return:
 *   later readers come after that operation, and U can be lifted after it to the same effect.
 * If no key U writes has such a reader, a completion that lifts U now has an equivalent that lifts
 * it later or never.
 *
 * Lists are sorted once; hints make the scans cheap: every operation before a list's hint is
 * linearized. The search reports each undone linearization so hints can move back.
 */
export class TokenIndex {
  /** Known observers of a token, by return time. */
  readonly #observers = new Map<string, number[]>();
  /** Writers of a token, by call time. */
  readonly #writers = new Map<string, number[]>();
  /** Known operations that leave content in a key, by return time. */
  readonly #leavers = new Map<string, number[]>();
  /** Operations (known or omittable) observing a token, by call time. */
  readonly #seers = new Map<string, number[]>();
  /** Operations probing a key, by call time. */
  readonly #probers = new Map<string, number[]>();
  readonly #hints = new Map<number[], number>();
  /** For op i: each list it is in, with its position there. */
  readonly #slots: [number[], number][][];

  constructor(
    private readonly ops: readonly SearchOp<unknown>[],
    private readonly isLinearized: (index: number) => boolean,
  ) {
    ops.forEach((op, index) => {
      for (const { token } of op.writes) push(this.#writers, token, index);
      for (const token of op.observes) push(this.#seers, token, index);
      for (const key of op.probesKeys) push(this.#probers, key, index);
      if (op.omittable) return;
      for (const token of op.observes) push(this.#observers, token, index);
      for (const { key } of op.leaves) push(this.#leavers, key, index);
    });
    const byRet = (a: number, b: number) => ops[a]!.ret - ops[b]!.ret || a - b;
    const byCall = (a: number, b: number) => ops[a]!.call - ops[b]!.call || a - b;
    this.#slots = ops.map(() => []);
    for (const [lists, order] of [
      [this.#observers, byRet],
      [this.#writers, byCall],
      [this.#leavers, byRet],
      [this.#seers, byCall],
      [this.#probers, byCall],
    ] as const) {
      for (const list of lists.values()) {
        list.sort(order);
        list.forEach((index, at) => this.#slots[index]!.push([list, at]));
      }
    }
  }

  /** Op `index` is no longer linearized (the search backtracked over it). */
  restored(index: number): void {
    for (const [list, at] of this.#slots[index]!) {
      if ((this.#hints.get(list) ?? 0) > at) this.#hints.set(list, at);
    }
  }

  /** After `token` left the state: its next reader if starved (see above), else -1. */
  starvedObserver(token: string): number {
    const reader = this.#nextReader(token);
    if (reader === -1) return -1;
    return this.#hasWriter(token, reader, Number.NEGATIVE_INFINITY, -1) ? -1 : reader;
  }

  /** After `token` entered `key`'s state: its next reader if doomed (see above), else -1. */
  doomedObserver(key: string, token: string): number {
    const reader = this.#nextReader(token);
    if (reader === -1) return -1;
    const readerCall = this.ops[reader]!.call;
    const leavers = this.#leavers.get(key) ?? [];
    for (let at = this.#first(leavers); at < leavers.length; at++) {
      const leaver = leavers[at]!;
      const leaverOp = this.ops[leaver]!;
      if (leaverOp.ret >= readerCall) return -1;
      if (leaver === reader || this.isLinearized(leaver)) continue;
      const overwrites = leaverOp.leaves.some((left) => left.key === key && left.token !== token);
      if (overwrites && !this.#hasWriter(token, reader, leaverOp.call, leaver)) return reader;
    }
    return -1;
  }

  /** Whether omittable op `index`, lifted now, may matter (see above). */
  mayMatter(index: number, firstReturnMs: number): boolean {
    const op = this.ops[index]!;
    const dependsOnState = op.observes.length > 0 || op.probesKeys.length > 0;
    for (const { key, token } of op.writes) {
      const leavers = this.#leavers.get(key) ?? [];
      const leaver = leavers[this.#first(leavers)];
      const overwrittenByMs = leaver === undefined ? Number.POSITIVE_INFINITY : this.ops[leaver]!.ret;
      const horizonMs = dependsOnState ? overwrittenByMs : Math.min(firstReturnMs, overwrittenByMs);
      if (this.#calledBy(this.#seers.get(token), horizonMs, index)) return true;
      if (this.#calledBy(this.#probers.get(key), horizonMs, index)) return true;
    }
    return false;
  }

  /** Whether a remaining operation of the list other than `excluded` is called by `horizonMs`. */
  #calledBy(list: number[] | undefined, horizonMs: number, excluded: number): boolean {
    if (list === undefined) return false;
    for (let at = this.#first(list); at < list.length; at++) {
      const index = list[at]!;
      if (this.ops[index]!.call > horizonMs) return false;
      if (index !== excluded && !this.isLinearized(index)) return true;
    }
    return false;
  }

  /** The remaining known observer of `token` that returns first, or -1. */
  #nextReader(token: string): number {
    const observers = this.#observers.get(token);
    if (observers === undefined) return -1;
    const at = this.#first(observers);
    return at === observers.length ? -1 : observers[at]!;
  }

  /**
   * Whether a remaining writer of `token` other than `reader` and `excluded` is called before
   * `reader` returns and can take effect after `afterMs` (returns at or after it, or is omittable).
   */
  #hasWriter(token: string, reader: number, afterMs: number, excluded: number): boolean {
    const deadline = this.ops[reader]!.ret;
    const writers = this.#writers.get(token) ?? [];
    for (let at = this.#first(writers); at < writers.length; at++) {
      const writer = writers[at]!;
      const writerOp = this.ops[writer]!;
      if (writerOp.call > deadline) return false;
      if (writer === reader || writer === excluded || this.isLinearized(writer)) continue;
      if (writerOp.omittable || writerOp.ret >= afterMs) return true;
    }
    return false;
  }

  /** Moves the list's hint past linearized operations; returns the first unlinearized position. */
  #first(list: number[]): number {
    let at = this.#hints.get(list) ?? 0;
    while (at < list.length && this.isLinearized(list[at]!)) at++;
    this.#hints.set(list, at);
    return at;
  }
}

function push(lists: Map<string, number[]>, name: string, index: number): void {
  const list = lists.get(name);
  if (list === undefined) lists.set(name, [index]);
  else list.push(index);
}
