import { describe, expect, it } from 'vitest';
import { checkHistory } from '../faults/checker/check.ts';
import { INF, cas, del, fail, get, history, ok, put, result, step, txn, txnOk, unknown, when } from './dsl.ts';

/** Histories that have a linearization: the checker must accept every one. */
describe('linearizable histories', () => {
  it('accepts a sequential history', () => {
    const checked = checkHistory(
      history(
        [1, 0, 1, get('x'), ok(null)],
        [1, 2, 3, put('x', '1'), ok()],
        [2, 4, 5, get('x'), ok('1')],
        [2, 6, 7, del('x'), ok({ deleted: true })],
        [1, 8, 9, get('x'), ok(null)],
        [1, 10, 11, del('x'), ok({ deleted: false })],
      ),
    );
    expect(checked).toEqual({ ok: true, checkedOps: 6, partitions: 1, failures: [] });
  });

  it('accepts reads overlapping two writes in either order', () => {
    const writes = [
      [1, 0, 10, put('x', '1'), ok()],
      [2, 0, 10, put('x', '2'), ok()],
    ] as const;
    for (const [first, second] of [['1', '2'], ['2', '1']]) {
      const checked = checkHistory(
        history(...writes, [3, 1, 2, get('x'), ok(first)], [3, 3, 4, get('x'), ok(second)], [4, 11, 12, get('x'), ok(second)]),
      );
      expect(checked.ok).toBe(true);
    }
  });

  it('accepts a read that overlaps a write seeing the old or the new value', () => {
    for (const seen of [null, 'a']) {
      const checked = checkHistory(history([1, 0, 10, put('x', 'a'), ok()], [2, 5, 6, get('x'), ok(seen)]));
      expect(checked.ok).toBe(true);
    }
  });

  it('accepts an unknown write that took effect, even long after its call', () => {
    const checked = checkHistory(
      history(
        [1, 0, 1, put('x', '1'), ok()],
        [2, 2, INF, put('x', '2'), unknown],
        [3, 5, 6, get('x'), ok('1')],
        [3, 50, 51, get('x'), ok('2')],
      ),
    );
    expect(checked.ok).toBe(true);
  });

  it('accepts an unknown write that never took effect', () => {
    const checked = checkHistory(
      history([1, 0, 1, put('x', '1'), ok()], [2, 2, INF, put('x', '2'), unknown], [3, 5, 6, get('x'), ok('1')]),
    );
    expect(checked.ok).toBe(true);
  });

  it('accepts an unknown txn that must take effect between two other writes', () => {
    const checked = checkHistory(
      history(
        [3, 1, INF, txn([when('x', 'c')], [step.put('y', 'a')]), unknown],
        [4, 3, INF, put('x', 'a'), unknown],
        [0, 4, 6, put('x', 'c'), ok()],
        [2, 7, 10, get('x'), ok('a')],
        [6, 17, 20, get('y'), ok('a')],
      ),
    );
    expect(checked.ok).toBe(true);
  });

  it('ignores a write that definitely failed', () => {
    const checked = checkHistory(history([1, 0, 1, put('x', '9'), fail], [2, 2, 3, get('x'), ok(null)]));
    expect(checked.ok).toBe(true);
  });

  it('accepts a CAS chain with a concurrent loser', () => {
    const checked = checkHistory(
      history(
        [1, 0, 1, put('x', 'a'), ok()],
        [1, 2, 5, cas('x', 'a', 'b'), ok()],
        [2, 2, 5, cas('x', 'a', 'c'), fail],
        [3, 6, 8, cas('x', 'b', 'd'), ok()],
        [2, 7, 9, cas('x', null, 'e'), fail],
        [1, 10, 11, get('x'), ok('d')],
        [2, 12, 13, cas('x', 'd', 'f'), ok()],
      ),
    );
    expect(checked.ok).toBe(true);
  });

  it('accepts create-only CAS after a delete', () => {
    const checked = checkHistory(
      history(
        [1, 0, 1, put('x', 'a'), ok()],
        [1, 2, 3, del('x'), ok({ deleted: true })],
        [2, 4, 5, cas('x', null, 'b'), ok()],
        [2, 6, 7, get('x'), ok('b')],
      ),
    );
    expect(checked.ok).toBe(true);
  });

  it('accepts two-key txns and reads that see them whole', () => {
    const bothPut = txnOk(true, [result.put, result.put]);
    const checked = checkHistory(
      history(
        [1, 0, 1, txn([when('x', null)], [step.put('x', '1'), step.put('y', '1')]), bothPut],
        [2, 2, 10, txn([when('x', '1')], [step.put('x', '2'), step.put('y', '2')]), bothPut],
        [3, 3, 4, txn([], [step.get('x'), step.get('y')]), txnOk(true, [result.get('1'), result.get('1')])],
        [4, 5, 6, txn([], [step.get('x'), step.get('y')]), txnOk(true, [result.get('2'), result.get('2')])],
        [5, 11, 12, txn([when('y', '1')], [step.put('y', '3')], [step.get('y')]), txnOk(false, [result.get('2')])],
      ),
    );
    expect(checked).toMatchObject({ ok: true, partitions: 1 });
  });

  it('accepts a txn whose reads see its own earlier writes', () => {
    const checked = checkHistory(
      history(
        [1, 0, 1, put('x', 'a'), ok()],
        [
          1,
          2,
          3,
          txn([], [step.get('x'), step.del('x'), step.get('x'), step.put('x', 'b'), step.get('x')]),
          txnOk(true, [result.get('a'), result.del(true), result.get(null), result.put, result.get('b')]),
        ],
      ),
    );
    expect(checked.ok).toBe(true);
  });

  it('checks independent keys as separate partitions', () => {
    const checked = checkHistory(
      history([1, 0, 1, put('x', '1'), ok()], [2, 0, 1, put('y', '1'), ok()], [3, 2, 3, get('z'), ok(null)]),
    );
    expect(checked).toMatchObject({ ok: true, partitions: 3, checkedOps: 3 });
  });
});
