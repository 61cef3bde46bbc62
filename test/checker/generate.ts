import type { History, HistoryEntry, KvOp, Outcome, TxnStepResult } from '../faults/checker/history.ts';

/**
 * Generates a linearizable history: every process runs operations one after another with random
 * durations, each operation takes effect at a random instant inside its interval, and results are
 * computed by replaying those instants in order against a map. Values are unique per history.
 * Unknown operations take effect up to 50 ms after their call (long after the client gave up) or
 * never, half and half; failed puts never take effect.
 */
export interface GenerateOptions {
  readonly seed: number;
  readonly operations: number;
  readonly keys: number;
  readonly processes: number;
  /** Fraction of operations recorded as unknown. */
  readonly unknownRatio?: number;
  /** Fraction of puts recorded as definite failures (not applied). */
  readonly failedPutRatio?: number;
  /** Fraction of operations that are two-key txns. */
  readonly txnRatio?: number;
}

interface Planned {
  readonly id: number;
  readonly process: number;
  readonly call: number;
  readonly ret: number;
  readonly effectAt: number;
  readonly kind: 'put' | 'get' | 'delete' | 'cas' | 'txn';
  readonly keys: readonly string[];
  readonly unknown: boolean;
  readonly failed: boolean;
}

export function generateLinearizableHistory(options: GenerateOptions): History {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const keyNames = Array.from({ length: options.keys }, (_, i) => `k${i}`);
  const perProcess = Math.ceil(options.operations / options.processes);

  const planned: Planned[] = [];
  for (let process = 0; process < options.processes && planned.length < options.operations; process++) {
    let time = random();
    for (let i = 0; i < perProcess && planned.length < options.operations; i++) {
      const call = time;
      const ret = call + 0.05 + random() * 1.5;
      const roll = random();
      const kind: Planned['kind'] =
        roll < (options.txnRatio ?? 0)
          ? 'txn'
          : pick(['put', 'put', 'put', 'get', 'get', 'get', 'get', 'cas', 'cas', 'delete'] as const);
      const first = pick(keyNames);
      const keys = kind === 'txn' ? [first, pick(keyNames.filter((k) => k !== first))] : [first];
      const unknown = random() < (options.unknownRatio ?? 0);
      const failed = !unknown && kind === 'put' && random() < (options.failedPutRatio ?? 0);
      const effectAt = unknown
        ? random() < 0.5
          ? call + random() * 50
          : Number.POSITIVE_INFINITY
        : call + random() * (ret - call);
      planned.push({ id: planned.length, process, call, ret, effectAt, kind, keys, unknown, failed });
      time = ret + random() * 0.5;
    }
  }

  // Ids in call order, as a recorder assigns them.
  planned.sort((a, b) => a.call - b.call);
  planned.forEach((p, id) => ((p as { id: number }).id = id));

  const store = new Map<string, string>();
  const recent = new Map<string, string[]>();
  let counter = 0;
  const fresh = (key: string) => {
    const value = `${key}v${counter++}`;
    const values = recent.get(key) ?? [];
    values.push(value);
    if (values.length > 4) values.shift();
    recent.set(key, values);
    return value;
  };
  const current = (key: string) => store.get(key) ?? null;
  const write = (key: string, value: string | null) => (value === null ? store.delete(key) : store.set(key, value));
  const guess = (key: string) => (random() < 0.7 ? current(key) : pick([null, ...(recent.get(key) ?? [])]));

  const entries: HistoryEntry[] = new Array(planned.length);
  const byEffect = [...planned].sort((a, b) => a.effectAt - b.effectAt);
  for (const p of byEffect) {
    const applied = !p.failed && Number.isFinite(p.effectAt);
    const [key, other] = p.keys as [string, string | undefined];
    let op: KvOp;
    let result: unknown;
    switch (p.kind) {
      case 'put': {
        op = { type: 'put', key, value: fresh(key) };
        if (applied) write(key, op.value);
        break;
      }
      case 'get':
        op = { type: 'get', key };
        result = current(key);
        break;
      case 'delete':
        op = { type: 'delete', key };
        result = { deleted: current(key) !== null };
        if (applied) write(key, null);
        break;
      case 'cas': {
        const expected = guess(key);
        op = { type: 'cas', key, expected, value: fresh(key) };
        const swapped = current(key) === expected;
        if (applied && swapped) write(key, op.value);
        if (!swapped && !p.unknown) {
          entries[p.id] = entry(p, op, { type: 'fail' });
          continue;
        }
        break;
      }
      case 'txn': {
        const expected = guess(key);
        const success = [
          { op: 'put', key, value: fresh(key) },
          { op: 'get', key: other! },
        ] as const;
        const failure = [{ op: 'get', key }, { op: 'get', key: other! }] as const;
        op = { type: 'txn', compare: [{ key, value: expected }], success: [...success], failure: [...failure] };
        const succeeded = current(key) === expected;
        let results: TxnStepResult[];
        if (succeeded) {
          if (applied) write(key, success[0].value);
          results = [{ op: 'put' }, { op: 'get', value: current(other!) }];
        } else {
          results = [{ op: 'get', value: current(key) }, { op: 'get', value: current(other!) }];
        }
        result = { succeeded, results };
        break;
      }
    }
    const outcome: Outcome<unknown> = p.unknown ? { type: 'unknown' } : p.failed ? { type: 'fail' } : { type: 'ok', result };
    entries[p.id] = entry(p, op, outcome);
  }
  return entries;
}

function entry(p: Planned, op: KvOp, outcome: Outcome<unknown>): HistoryEntry {
  return {
    id: p.id,
    process: p.process,
    call: p.call,
    ret: p.unknown ? Number.POSITIVE_INFINITY : p.ret,
    op,
    outcome,
  } as HistoryEntry;
}

/** Seeded PRNG: the same seed gives the same history. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
