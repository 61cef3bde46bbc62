import { describe, expect, it } from 'vitest';
import { renderHistory } from '../faults/checker/render.ts';
import { INF, cas, del, fail, get, history, ok, put, result, step, txn, txnOk, unknown, when } from './dsl.ts';

describe('renderHistory', () => {
  it('renders one aligned line per operation in call order', () => {
    const rendered = renderHistory(
      history(
        [3, 12.1, 14.04, put('x', '5'), ok()],
        [1, 1, 2, get('x'), ok(null)],
        ['client-a', 13, 15.2, get('x'), ok('5')],
        [2, 16, INF, cas('x', '5', '6'), unknown],
        [2, 17, 18, cas('x', null, '7'), fail],
        [4, 19, 20, del('x'), ok({ deleted: true })],
        [4, 21, 22, del('x'), ok()],
        [5, 23, 24, put('weird key', 'absent'), fail],
        [5, 25, 26, get('x'), ok('two words')],
        [
          6,
          27,
          28,
          txn([when('x', '6'), when('y', null)], [step.put('x', '8'), step.get('y')], [step.del('x')]),
          txnOk(true, [result.put, result.get(null)]),
        ],
        [6, 29, 30, txn([], [step.del('y')]), txnOk(true, [result.del(false)])],
      ),
    );
    expect(rendered).toBe(
      [
        'p1        get x                                                   [1.0ms .. 2.0ms]   ok -> absent',
        'p3        put x=5                                                 [12.1ms .. 14.0ms] ok',
        'client-a  get x                                                   [13.0ms .. 15.2ms] ok -> 5',
        'p2        cas x 5->6                                              [16.0ms .. ?]      unknown',
        'p2        cas x absent->7                                         [17.0ms .. 18.0ms] fail (value differed)',
        'p4        delete x                                                [19.0ms .. 20.0ms] ok deleted=true',
        'p4        delete x                                                [21.0ms .. 22.0ms] ok',
        'p5        put "weird key"="absent"                                [23.0ms .. 24.0ms] fail',
        'p5        get x                                                   [25.0ms .. 26.0ms] ok -> "two words"',
        'p6        txn if x=6 & y=absent then put x=8, get y else delete x [27.0ms .. 28.0ms] ok succeeded, get y -> absent',
        'p6        txn if true then delete y                               [29.0ms .. 30.0ms] ok succeeded, delete y deleted=false',
      ].join('\n'),
    );
  });
});
