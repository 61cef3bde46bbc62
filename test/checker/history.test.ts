import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../faults/checker/check.ts';
import { HistoryRecorder } from '../faults/checker/history.ts';
import { MalformedHistoryError } from '../faults/checker/kv-steps.ts';
import { keysOf, partitionHistory } from '../faults/checker/partition.ts';
import { readHistory, writeHistory } from '../faults/checker/write-history.ts';
import { INF, get, history, ok, put, step, txn, txnOk, result, unknown, when } from './dsl.ts';

describe('HistoryRecorder', () => {
  it('records calls, returns and outcomes on the injected clock, relative to its creation', () => {
    let nowMs = 1000;
    const recorder = new HistoryRecorder({ clock: () => nowMs });
    nowMs = 1001;
    const write = recorder.invoke(1, { type: 'put', key: 'x', value: 'a' });
    nowMs = 1002;
    const read = recorder.invoke(2, { type: 'get', key: 'x' });
    const lost = recorder.invoke(3, { type: 'delete', key: 'x' });
    const pending = recorder.invoke('p4', { type: 'cas', key: 'x', expected: 'a', value: 'b', casRevision: 7 });
    nowMs = 1003.5;
    write.ok();
    read.ok('a');
    lost.unknown();

    expect(recorder.history()).toEqual([
      { id: 0, process: 1, call: 1, ret: 3.5, op: { type: 'put', key: 'x', value: 'a' }, outcome: { type: 'ok', result: undefined } },
      { id: 1, process: 2, call: 2, ret: 3.5, op: { type: 'get', key: 'x' }, outcome: { type: 'ok', result: 'a' } },
      { id: 2, process: 3, call: 2, ret: INF, op: { type: 'delete', key: 'x' }, outcome: { type: 'unknown' } },
      {
        id: 3,
        process: 'p4',
        call: 2,
        ret: INF,
        op: { type: 'cas', key: 'x', expected: 'a', value: 'b', casRevision: 7 },
        outcome: { type: 'unknown' },
      },
    ]);
    expect(checkHistory(recorder.history()).ok).toBe(true);
    expect(() => write.fail()).toThrow('operation 0 was already completed');
  });

  it('uses performance.now() by default', () => {
    const recorder = new HistoryRecorder();
    recorder.invoke(1, { type: 'get', key: 'x' }).ok(null);
    const [entry] = recorder.history();
    expect(entry!.call).toBeGreaterThanOrEqual(0);
    expect(entry!.ret).toBeGreaterThanOrEqual(entry!.call);
  });
});

describe('writeHistory / readHistory', () => {
  it('round-trips a history through JSON, unknown returns included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atlas-history-'));
    try {
      const path = join(dir, 'history.json');
      const h = history([1, 0, 1, put('x', '1'), ok()], [2, 0.5, INF, get('x'), unknown], ['c', 2, 3, get('x'), ok(null)]);
      await writeHistory(path, h);
      expect(JSON.parse(await readFile(path, 'utf8'))[1].ret).toBeNull();
      expect(await readHistory(path)).toEqual(h);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('partitionHistory', () => {
  it('merges keys connected by txns and keeps the others apart', () => {
    const h = history(
      [1, 0, 1, put('a', '1'), ok()],
      [1, 2, 3, txn([when('b', null)], [step.put('c', '1')], [step.get('d')]), txnOk(true, [result.put])],
      [2, 0, 1, put('e', '1'), ok()],
      [2, 2, 3, txn([], [step.get('d'), step.get('a')]), txnOk(true, [result.get(null), result.get('1')])],
      [3, 0, 1, txn([], []), txnOk(true, [])],
      [3, 2, 3, get('c'), ok('1')],
    );
    expect(keysOf(h[1]!.op)).toEqual(['b', 'c', 'd']);
    const partitions = partitionHistory(h);
    expect(partitions.map((p) => ({ keys: p.keys, ids: p.entries.map((e) => e.id) }))).toEqual([
      { keys: ['a', 'b', 'c', 'd'], ids: [0, 1, 3, 5] },
      { keys: ['e'], ids: [2] },
      { keys: [], ids: [4] },
    ]);
    expect(checkHistory(h)).toMatchObject({ ok: true, partitions: 3 });
  });
});

describe('malformed histories', () => {
  it('names the entry that cannot be interpreted', () => {
    const check = (...rows: Parameters<typeof history>) => () => checkHistory(history(...rows));
    expect(check([1, 5, 4, put('x', '1'), ok()])).toThrow(MalformedHistoryError);
    expect(check([1, 5, 4, put('x', '1'), ok()])).toThrow('history entry 0: ret is before call');
    expect(check([1, 0, INF, put('x', '1'), ok()])).toThrow('an ok operation needs a finite ret time');
    expect(check([1, 0, 1, get('x'), ok(undefined)])).toThrow('an ok get needs a string or null result');
    expect(check([1, 0, 1, txn([], [step.get('x')]), txnOk(true, [])])).toThrow('one result per step');
    expect(check([1, 0, 1, txn([], [step.get('x')]), txnOk(true, [result.put])])).toThrow(
      'txn result 0 is for a put, the step is a get',
    );
  });
});
