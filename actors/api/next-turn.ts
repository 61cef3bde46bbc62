// Runs callbacks together, once per event-loop turn: everything deferred during one turn runs in a
// single callback, so the NATS publishes it makes leave in one socket write (the client flushes its
// outbound buffer once per microtask checkpoint, and Node drains microtasks between separate
// setImmediate callbacks). On Node the turn is cut by setImmediate, elsewhere (workerd) by a zero timeout.

type Task = () => void;

let queue: Task[] = [];
let scheduled = false;

const schedule: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate: (f: () => void) => void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

/** Runs `task` at the end of the current event-loop turn, with every other task deferred in it. A task that throws does not stop the others. */
export function deferToTurnEnd(task: Task): void {
  queue.push(task);
  if (scheduled) return;
  scheduled = true;
  schedule(runQueue);
}

function runQueue(): void {
  const tasks = queue;
  queue = [];
  scheduled = false;
  for (const task of tasks) {
    try {
      task();
    } catch {
      // Each task handles its own failures; one cannot hold back the rest of the turn.
    }
  }
}
