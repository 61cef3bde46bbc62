import type { History, HistoryEntry, KvOp, Outcome, TxnStep, TxnStepResult } from '../faults/checker/history.ts';
import { mulberry32 } from './generate.ts';

/**
 * Random small histories with arbitrary (mostly wrong) results over two keys and three values, so
 * values repeat: about half are linearizable. For cross-checking the search against brute force.
 */
export function randomSmallHistory(seed: number, size: number): History {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const keys = ['x', 'y'];
  const values = ['a', 'b', 'c'];
  const maybeValue = () => (random() < 0.3 ? null : pick(values));
  const entries: HistoryEntry[] = [];
  for (let id = 0; id < size; id++) {
    const call = Math.floor(random() * 20);
    const ret = call + 1 + Math.floor(random() * 8);
    const key = pick(keys);
    const roll = random();
    const outcomeRoll = random();
    const status = outcomeRoll < 0.15 ? 'unknown' : outcomeRoll < 0.25 ? 'fail' : 'ok';
    let op: KvOp;
    let result: unknown;
    if (roll < 0.3) {
      op = { type: 'put', key, value: pick(values) };
    } else if (roll < 0.55) {
      op = { type: 'get', key };
      result = maybeValue();
    } else if (roll < 0.65) {
      op = { type: 'delete', key };
      result = random() < 0.5 ? undefined : { deleted: random() < 0.5 };
    } else if (roll < 0.85) {
      op = { type: 'cas', key, expected: maybeValue(), value: pick(values) };
    } else {
      const step = (): TxnStep => {
        const stepKey = pick(keys);
        const r = random();
        if (r < 0.4) return { op: 'put', key: stepKey, value: pick(values) };
        return r < 0.6 ? { op: 'delete', key: stepKey } : { op: 'get', key: stepKey };
      };
      const success = [step(), step()];
      const failure = [step()];
      op = { type: 'txn', compare: [{ key, value: maybeValue() }], success, failure };
      const succeeded = random() < 0.5;
      const branch = succeeded ? success : failure;
      const results: TxnStepResult[] = branch.map((s) =>
        s.op === 'get' ? { op: 'get', value: maybeValue() } : s.op === 'put' ? { op: 'put' } : { op: 'delete' },
      );
      result = { succeeded, results };
    }
    const outcome: Outcome<unknown> = status === 'ok' ? { type: 'ok', result } : { type: status };
    entries.push({
      id,
      process: id,
      call,
      ret: status === 'unknown' ? Number.POSITIVE_INFINITY : ret,
      op,
      outcome,
    } as HistoryEntry);
  }
  return entries;
}
