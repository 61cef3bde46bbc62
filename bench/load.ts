// The one closed-loop load generator every system is measured with: `clients` concurrent loops, each
// issuing its next operation as soon as the previous one finished, for `seconds` after an optional
// unrecorded warm-up. Only operations that both start and finish inside the measured window count;
// an operation that throws is an error and is not in the latency histogram.

import { LatencyHistogram, type LatencySummaryMs } from './histogram.ts';

/** One operation of client `client`; resolves on success, throws on failure. */
export type Operation = (client: number) => Promise<void>;

export interface LoadProgress {
  readonly elapsedSeconds: number;
  readonly totalSeconds: number;
  readonly ops: number;
  readonly errors: number;
}

export interface LoadOptions {
  readonly clients: number;
  readonly seconds: number;
  readonly operation: Operation;
  /** Runs the loop this long first without recording anything. Default 0. */
  readonly warmupSeconds?: number;
  /** Called about every `progressEveryMs` (default 200) during the measured window. */
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly progressEveryMs?: number;
}

export interface LoadResult {
  readonly clients: number;
  /** Length of the measured window. */
  readonly seconds: number;
  readonly ops: number;
  readonly errors: number;
  readonly throughputPerSecond: number;
  readonly latency: LatencySummaryMs;
  /** Up to five distinct error messages, for the report. */
  readonly errorSamples: readonly string[];
}

const MAX_ERROR_SAMPLES = 5;

export async function runClosedLoop(opts: LoadOptions): Promise<LoadResult> {
  if (!(opts.clients >= 1) || !(opts.seconds > 0)) throw new RangeError('clients must be >= 1 and seconds > 0');
  const histogram = new LatencyHistogram();
  const errorSamples = new Set<string>();
  const warmupMs = (opts.warmupSeconds ?? 0) * 1000;
  const loopStart = performance.now();
  const windowStart = loopStart + warmupMs;
  const windowEnd = windowStart + opts.seconds * 1000;
  let errors = 0;

  const client = async (index: number) => {
    for (;;) {
      const startedAt = performance.now();
      if (startedAt >= windowEnd) return;
      let failure: unknown = null;
      try {
        await opts.operation(index);
      } catch (error) {
        failure = error;
      }
      const finishedAt = performance.now();
      if (startedAt < windowStart || finishedAt > windowEnd) continue;
      if (failure === null) {
        histogram.record((finishedAt - startedAt) * 1000);
      } else {
        errors++;
        if (errorSamples.size < MAX_ERROR_SAMPLES) errorSamples.add(describeError(failure));
      }
    }
  };

  const progressTimer = opts.onProgress
    ? setInterval(() => {
        const now = performance.now();
        if (now < windowStart) return;
        opts.onProgress!({ elapsedSeconds: Math.min(opts.seconds, (now - windowStart) / 1000), totalSeconds: opts.seconds, ops: histogram.count, errors });
      }, opts.progressEveryMs ?? 200)
    : null;
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, i) => client(i)));
  } finally {
    if (progressTimer) clearInterval(progressTimer);
  }
  opts.onProgress?.({ elapsedSeconds: opts.seconds, totalSeconds: opts.seconds, ops: histogram.count, errors });
  return {
    clients: opts.clients,
    seconds: opts.seconds,
    ops: histogram.count,
    errors,
    throughputPerSecond: Math.round((histogram.count / opts.seconds) * 10) / 10,
    latency: histogram.summaryMs(),
    errorSamples: [...errorSamples],
  };
}

/**
 * Writes every key once with `concurrency` loops (each failed key retried up to `attempts` times) so
 * that reads find a value. Throws when a key could not be written.
 */
export async function prefill(keys: readonly string[], put: (key: string, client: number) => Promise<void>, concurrency: number, attempts = 5): Promise<void> {
  let next = 0;
  const worker = async (client: number) => {
    while (next < keys.length) {
      const key = keys[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          await put(key, client);
          break;
        } catch (error) {
          if (attempt >= attempts) throw new Error(`prefill could not write ${key}: ${describeError(error)}`, { cause: error });
          await new Promise((r) => setTimeout(r, 50 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, (_, i) => worker(i)));
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${cause}`.slice(0, 200);
}
