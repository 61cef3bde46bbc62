import { describe, expect, it } from 'vitest';
import { checkHistory } from '../faults/checker/check.ts';
import type { History, HistoryEntry, PutEntry } from '../faults/checker/history.ts';
import { cas, del, get, history, ok, put } from './dsl.ts';
import { generateLinearizableHistory } from './generate.ts';

/**
 * Makes one read stale: it now returns the value of a put that a later completed put overwrote
 * before the read was called. Values are unique, so no linearization can explain it.
 */
function injectStaleRead(h: History): { history: History; stale: HistoryEntry } {
  const puts = h.filter((e): e is PutEntry => e.op.type === 'put' && e.outcome.type === 'ok');
  for (const read of h) {
    if (read.op.type !== 'get' || read.outcome.type !== 'ok' || read.call < 100) continue;
    const key = read.op.key;
    const overwrite = puts.find((w2) => w2.op.key === key && w2.ret < read.call && read.call - w2.ret < 3);
    const first = overwrite && puts.find((w1) => w1.op.key === key && w1.ret < overwrite.call && overwrite.call - w1.ret < 3);
    if (first === undefined) continue;
    const stale = { ...read, outcome: { type: 'ok', result: first.op.value } } as HistoryEntry;
    return { history: h.map((e) => (e === read ? stale : e)), stale };
  }
  throw new Error('no read to make stale');
}

describe('counterexamples', () => {
  it('shrinks a stale read in a long concurrent history to a few operations', () => {
    const generated = generateLinearizableHistory({ seed: 11, operations: 6000, keys: 4, processes: 16 });
    expect(checkHistory(generated).ok).toBe(true);
    const { history: broken, stale } = injectStaleRead(generated);

    const checked = checkHistory(broken);
    expect(checked.ok).toBe(false);
    expect(checked.failures).toHaveLength(1);
    const [failure] = checked.failures;
    expect(failure!.minimal).toBe(true);
    expect(failure!.operations.length).toBeLessThanOrEqual(4);
    expect(failure!.operations).toContain(stale);
    expect(failure!.counterexample.split('\n')).toHaveLength(failure!.operations.length);
    expect(checkHistory(failure!.operations).ok).toBe(false);
  });

  it('keeps the writer of the stale value and drops unrelated operations', () => {
    const checked = checkHistory(
      history(
        [1, 0, 1, put('x', 'a'), ok()],
        [2, 0.5, 1.5, get('x'), ok('a')],
        [3, 1, 2, put('y', 'q'), ok()],
        [1, 2, 3, put('x', 'b'), ok()],
        [2, 2.5, 3.5, get('x'), ok('b')],
        [3, 3, 4, cas('x', 'b', 'c'), ok()],
        [2, 5, 6, get('x'), ok('b')],
        [1, 7, 8, put('x', 'd'), ok()],
        [3, 9, 10, get('x'), ok('d')],
      ),
    );
    expect(checked.failures.map((f) => f.counterexample)).toEqual([
      [
        'p1  put x=b    [2.0ms .. 3.0ms] ok',
        'p3  cas x b->c [3.0ms .. 4.0ms] ok',
        'p2  get x      [5.0ms .. 6.0ms] ok -> b',
      ].join('\n'),
    ]);
  });

  it('keeps the delete that explains a later deleted=false, so the counterexample still holds the stale read', () => {
    // The get reads p after the delete returned: stale. Dropping that delete (and with it the put and
    // its reader) would leave "cas absent->c, delete deleted=false", which fails only because the
    // delete that made the key absent was taken out.
    const checked = checkHistory(
      history(
        [9, 0, 1, cas('x', null, 'c'), ok()],
        [13, 2, 4, put('x', 'p'), ok()],
        [3, 3, 5, del('x'), ok({ deleted: true })],
        [5, 6, 7, get('x'), ok('p')],
        [15, 8, 9, del('x'), ok({ deleted: false })],
      ),
    );
    expect(checked.failures.map((f) => f.counterexample)).toEqual([
      [
        'p9   cas x absent->c [0.0ms .. 1.0ms] ok',
        'p13  put x=p         [2.0ms .. 4.0ms] ok',
        'p3   delete x        [3.0ms .. 5.0ms] ok deleted=true',
        'p5   get x           [6.0ms .. 7.0ms] ok -> p',
        'p15  delete x        [8.0ms .. 9.0ms] ok deleted=false',
      ].join('\n'),
    ]);
  });

  it('reports a counterexample that is not minimal when the shrink budget is spent', () => {
    const generated = generateLinearizableHistory({ seed: 12, operations: 2000, keys: 2, processes: 8 });
    const { history: broken } = injectStaleRead(generated);
    const checked = checkHistory(broken, { shrinkTimeoutMs: 0 });
    expect(checked.ok).toBe(false);
    expect(checked.failures[0]!.minimal).toBe(false);
    expect(checkHistory(checked.failures[0]!.operations).ok).toBe(false);
  });
});
