import type {
  DeleteResult,
  HistoryEntry,
  KvOp,
  TxnCompare,
  TxnResult,
  TxnStep,
} from './history.ts';

/**
 * Renders operations one per line, sorted by call time, in aligned columns:
 *   p3  put x=5         [12.1ms .. 14.0ms] ok
 *   p1  get x           [13.0ms .. 15.2ms] ok -> 4
 *   p2  cas x 4->6      [16.0ms .. ?]      unknown
 * Values and keys print bare when they are plain words, JSON-quoted otherwise; `absent` is no value.
 */
export function renderHistory(entries: readonly HistoryEntry[]): string {
  const sorted = [...entries].sort((a, b) => a.call - b.call || a.id - b.id);
  const rows = sorted.map((entry) => ({
    process: typeof entry.process === 'number' ? `p${entry.process}` : entry.process,
    op: describeOp(entry.op),
    interval: `[${formatMs(entry.call)} .. ${entry.outcome.type === 'unknown' ? '?' : formatMs(entry.ret)}]`,
    outcome: describeOutcome(entry),
  }));
  const width = (column: 'process' | 'op' | 'interval') =>
    rows.reduce((widest, row) => Math.max(widest, row[column].length), 0);
  const [processWidth, opWidth, intervalWidth] = [width('process'), width('op'), width('interval')];
  const line = (row: (typeof rows)[number]) => {
    const who = `${row.process.padEnd(processWidth)}  ${row.op.padEnd(opWidth)}`;
    return `${who} ${row.interval.padEnd(intervalWidth)} ${row.outcome}`.trimEnd();
  };
  return rows.map(line).join('\n');
}

export function describeOp(op: KvOp): string {
  switch (op.type) {
    case 'put':
      return `put ${word(op.key)}=${value(op.value)}`;
    case 'delete':
      return `delete ${word(op.key)}`;
    case 'get':
      return `get ${word(op.key)}`;
    case 'cas':
      return `cas ${word(op.key)} ${value(op.expected)}->${value(op.value)}`;
    case 'txn': {
      const compare = op.compare.length === 0 ? 'true' : op.compare.map(describeCompare).join(' & ');
      const failure = op.failure.length === 0 ? '' : ` else ${op.failure.map(describeStep).join(', ')}`;
      return `txn if ${compare} then ${op.success.map(describeStep).join(', ') || 'nothing'}${failure}`;
    }
  }
}

export function describeOutcome(entry: HistoryEntry): string {
  const outcome = entry.outcome;
  if (outcome.type === 'unknown') return 'unknown';
  switch (entry.op.type) {
    case 'cas':
      return outcome.type === 'ok' ? 'ok' : 'fail (value differed)';
    case 'get':
      return outcome.type === 'ok' ? `ok -> ${value(outcome.result as string | null)}` : 'fail';
    case 'delete': {
      if (outcome.type === 'fail') return 'fail';
      const deleted = (outcome.result as DeleteResult | undefined)?.deleted;
      return deleted === undefined ? 'ok' : `ok deleted=${deleted}`;
    }
    case 'put':
      return outcome.type;
    case 'txn': {
      if (outcome.type === 'fail') return 'fail';
      const result = outcome.result as TxnResult;
      const branch = result.succeeded ? entry.op.success : entry.op.failure;
      const details = result.results.flatMap((stepResult, i) => {
        const key = word(branch[i]?.key ?? '?');
        if (stepResult.op === 'get') return [`get ${key} -> ${value(stepResult.value)}`];
        if (stepResult.op === 'delete' && stepResult.deleted !== undefined) {
          return [`delete ${key} deleted=${stepResult.deleted}`];
        }
        return [];
      });
      return [`ok ${result.succeeded ? 'succeeded' : 'failed'}`, ...details].join(', ');
    }
  }
}

function describeCompare(compare: TxnCompare): string {
  return `${word(compare.key)}=${value(compare.value)}`;
}

function describeStep(step: TxnStep): string {
  return step.op === 'put' ? `put ${word(step.key)}=${value(step.value)}` : `${step.op} ${word(step.key)}`;
}

function formatMs(timeMs: number): string {
  return `${timeMs.toFixed(1)}ms`;
}

function value(text: string | null): string {
  if (text === null) return 'absent';
  return text === 'absent' ? JSON.stringify(text) : word(text);
}

function word(text: string): string {
  return /^[\w.:/-]+$/.test(text) ? text : JSON.stringify(text);
}
