import type { SearchModel, SearchOp } from '../faults/checker/wing-gong.ts';

/**
 * Reference oracle for small histories: tries every order of every subset of the omittable
 * operations, with no cache and no pruning. Exponential; keep histories under ~8 operations.
 */
export function bruteForceLinearizable<S>(ops: readonly SearchOp<S>[], model: SearchModel<S>): boolean {
  const done = new Array<boolean>(ops.length).fill(false);
  const visit = (state: S): boolean => {
    const remainingKnown = ops.filter((op, i) => !done[i] && !op.omittable);
    if (remainingKnown.length === 0) return true;
    const firstReturn = Math.min(...remainingKnown.map((op) => op.ret));
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (done[i] || op.call > firstReturn) continue;
      const next = op.step(state);
      if (next === undefined) continue;
      done[i] = true;
      const found = visit(next);
      done[i] = false;
      if (found) return true;
    }
    return false;
  };
  return visit(model.initial);
}
