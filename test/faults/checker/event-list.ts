/**
 * The doubly linked list of call and return events of the Wing & Gong search. Lifting an operation
 * unlinks its two events; unlifting (in reverse order) links them back in place.
 */

export interface EventNode {
  readonly opIndex: number;
  readonly time: number;
  /** The return event of a call; null on return events and on the head sentinel. */
  readonly match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

export interface TimedOp {
  readonly call: number;
  readonly ret: number;
  readonly omittable: boolean;
}

/**
 * The head sentinel of the events of the known operations, sorted by time; at equal times calls
 * come first, so operations that touch at an instant count as concurrent. Omittable operations
 * have no events.
 */
export function buildEventList(ops: readonly TimedOp[]): EventNode {
  const events: { node: EventNode; isCall: boolean }[] = [];
  ops.forEach((op, opIndex) => {
    if (op.omittable) return;
    const ret: EventNode = { opIndex, time: op.ret, match: null, prev: null, next: null };
    const call: EventNode = { opIndex, time: op.call, match: ret, prev: null, next: null };
    events.push({ node: call, isCall: true }, { node: ret, isCall: false });
  });
  events.sort(
    (a, b) =>
      a.node.time - b.node.time ||
      Number(b.isCall) - Number(a.isCall) ||
      a.node.opIndex - b.node.opIndex,
  );
  const head: EventNode = { opIndex: -1, time: Number.NEGATIVE_INFINITY, match: null, prev: null, next: null };
  let tail = head;
  for (const { node } of events) {
    node.prev = tail;
    tail.next = node;
    tail = node;
  }
  return head;
}

/** Removes a call and its return from the list; both stay linked outward for `unlift`. */
export function lift(call: EventNode): void {
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== null) ret.next.prev = ret.prev;
}

/** Undoes the latest `lift` (lifts are undone in reverse order). */
export function unlift(call: EventNode): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== null) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

