import { describe, expect, it } from 'vitest';
import { checkHistory } from '../faults/checker/check.ts';
import type { History } from '../faults/checker/history.ts';
import { INF, cas, del, fail, get, history, ok, put, result, step, txn, txnOk, unknown, when } from './dsl.ts';

/** Histories with no linearization: the checker must reject each with a readable counterexample. */
function rejected(h: History) {
  const checked = checkHistory(h);
  expect(checked.ok).toBe(false);
  expect(checked.unknown).toBeUndefined();
  expect(checked.failures).toHaveLength(1);
  return checked.failures[0]!;
}

describe('non-linearizable histories', () => {
  it('rejects a stale read after a completed write', () => {
    const failure = rejected(
      history([1, 0, 1, put('x', '1'), ok()], [1, 2, 3, put('x', '2'), ok()], [2, 4, 5, get('x'), ok('1')]),
    );
    expect(failure.keys).toEqual(['x']);
    expect(failure.counterexample).toBe(
      [
        'p1  put x=1 [0.0ms .. 1.0ms] ok',
        'p1  put x=2 [2.0ms .. 3.0ms] ok',
        'p2  get x   [4.0ms .. 5.0ms] ok -> 1',
      ].join('\n'),
    );
  });

  it('rejects a read of a value never written', () => {
    const failure = rejected(history([1, 0, 1, put('x', '1'), ok()], [2, 2, 3, get('x'), ok('7')]));
    expect(failure.counterexample).toBe('p2  get x [2.0ms .. 3.0ms] ok -> 7');
  });

  it('rejects two reads that see the writes in an impossible order', () => {
    const failure = rejected(
      history(
        [1, 0, 1, put('x', '1'), ok()],
        [1, 2, 10, put('x', '2'), ok()],
        [2, 3, 4, get('x'), ok('2')],
        [3, 5, 6, get('x'), ok('1')],
      ),
    );
    expect(failure.operations).toHaveLength(4);
  });

  it('rejects a lost acknowledged write', () => {
    rejected(history([1, 0, 1, put('x', '1'), ok()], [2, 2, 3, get('x'), ok(null)]));
    const failure = rejected(
      history(
        [1, 0, 1, put('x', 'a'), ok()],
        [2, 2, 3, cas('x', 'a', 'b'), ok()],
        [3, 2, 3, cas('x', 'a', 'c'), ok()],
        [1, 4, 5, get('x'), ok('c')],
      ),
    );
    expect(failure.operations.map((entry) => entry.process)).toEqual([1, 2, 3]);
  });

  it('rejects a txn that sees half of another txn', () => {
    const both = (a: string, b: string) => [step.put('x', a), step.put('y', b)];
    const failure = rejected(
      history(
        [1, 0, 1, txn([], both('1', '1')), txnOk(true, [result.put, result.put])],
        [1, 10, 20, txn([], both('2', '2')), txnOk(true, [result.put, result.put])],
        [2, 12, 18, txn([], [step.get('x'), step.get('y')]), txnOk(true, [result.get('2'), result.get('1')])],
      ),
    );
    expect(failure.keys).toEqual(['x', 'y']);
    expect(failure.counterexample).toBe(
      [
        'p1  txn if true then put x=1, put y=1 [0.0ms .. 1.0ms]   ok succeeded',
        'p1  txn if true then put x=2, put y=2 [10.0ms .. 20.0ms] ok succeeded',
        'p2  txn if true then get x, get y     [12.0ms .. 18.0ms] ok succeeded, get x -> 2, get y -> 1',
      ].join('\n'),
    );
  });

  it('accepts the same half-seen writes when the reads are separate operations', () => {
    const both = (a: string, b: string) => [step.put('x', a), step.put('y', b)];
    const checked = checkHistory(
      history(
        [1, 0, 1, txn([], both('1', '1')), txnOk(true, [result.put, result.put])],
        [1, 10, 20, txn([], both('2', '2')), txnOk(true, [result.put, result.put])],
        [2, 12, 13, get('x'), ok('2')],
        [2, 14, 15, get('y'), ok('1')],
      ),
    );
    expect(checked.ok).toBe(false);
    const separate = checkHistory(
      history(
        [1, 0, 1, txn([], both('1', '1')), txnOk(true, [result.put, result.put])],
        [1, 10, 20, txn([], both('2', '2')), txnOk(true, [result.put, result.put])],
        [2, 12, 13, get('y'), ok('1')],
        [2, 14, 15, get('x'), ok('2')],
      ),
    );
    expect(separate.ok).toBe(true);
  });

  it('rejects a value seen after a failed write', () => {
    rejected(history([1, 0, 1, put('x', '9'), fail], [2, 2, 3, get('x'), ok('9')]));
  });

  it('rejects a failed cas whose compare must have held', () => {
    rejected(history([1, 0, 1, put('x', 'a'), ok()], [2, 2, 3, cas('x', 'a', 'b'), fail]));
  });

  it('rejects a delete that reports the wrong deleted flag', () => {
    rejected(history([1, 0, 1, del('x'), ok({ deleted: true })]));
    rejected(history([1, 0, 1, put('x', 'a'), ok()], [1, 2, 3, del('x'), ok({ deleted: false })]));
  });

  it('rejects a txn whose reported branch contradicts its compare', () => {
    rejected(
      history(
        [1, 0, 1, put('x', 'a'), ok()],
        [2, 2, 3, txn([when('x', 'a')], [step.put('x', 'b')], [step.get('x')]), txnOk(false, [result.get('a')])],
      ),
    );
  });

  it('rejects an unknown write seen and then unseen', () => {
    const failure = rejected(
      history(
        [1, 0, 1, put('x', '1'), ok()],
        [2, 2, INF, put('x', '2'), unknown],
        [3, 5, 6, get('x'), ok('2')],
        [3, 7, 8, get('x'), ok('1')],
      ),
    );
    expect(failure.counterexample).toBe(
      [
        'p1  put x=1 [0.0ms .. 1.0ms] ok',
        'p2  put x=2 [2.0ms .. ?]     unknown',
        'p3  get x   [5.0ms .. 6.0ms] ok -> 2',
        'p3  get x   [7.0ms .. 8.0ms] ok -> 1',
      ].join('\n'),
    );
  });
});
