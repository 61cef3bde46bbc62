// `atlas bench`: a closed-loop load generator against a running Atlas (a gateway or replicas) over
// HTTP, with the same load generator as `npm run bench`: a progress bar on stderr, then throughput
// and latency percentiles on stdout (`--json` for one JSON object instead).
//
//   atlas bench [--url URL[,URL…]] [--clients 16] [--seconds 10] [--op put|get] [--keys 10000]
//               [--value-bytes 100] [--warmup 1] [--http-client undici|node] [--no-prefill] [--json]
//
// Clients are spread over the URLs. `--op get` first writes every key once (unless --no-prefill) so
// that reads find values.

import { atlasHttpGet, atlasHttpPut } from '../../bench/atlas-http.ts';
import { createHttpClient, HTTP_CLIENT_KINDS, type HttpClientKind } from '../../bench/http-client.ts';
import { prefill, runClosedLoop, type LoadResult } from '../../bench/load.ts';
import { createProgress } from '../../bench/progress.ts';
import { ClientPicker, createWorkload, DEFAULT_KEY_COUNT, DEFAULT_VALUE_BYTES } from '../../bench/workload.ts';
import { flag, intFlag, type ParsedArgs, UsageError } from './args.ts';

export async function runBench(args: ParsedArgs): Promise<number> {
  const urls = flag(args, 'url', 'ATLAS_URL', 'http://127.0.0.1:8080')!
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  const clients = intFlag(args, 'clients', 'ATLAS_BENCH_CLIENTS', 16)!;
  const seconds = Number(flag(args, 'seconds', 'ATLAS_BENCH_SECONDS', '10'));
  const warmupSeconds = Number(flag(args, 'warmup', 'ATLAS_BENCH_WARMUP', '1'));
  const op = flag(args, 'op', 'ATLAS_BENCH_OP', 'put');
  const keys = intFlag(args, 'keys', 'ATLAS_BENCH_KEYS', DEFAULT_KEY_COUNT)!;
  const valueBytes = intFlag(args, 'value-bytes', 'ATLAS_BENCH_VALUE_BYTES', DEFAULT_VALUE_BYTES)!;
  const kind = flag(args, 'http-client', 'ATLAS_BENCH_HTTP_CLIENT', 'undici')!;
  const token = flag(args, 'token', 'ATLAS_TOKEN');
  if (op !== 'put' && op !== 'get') throw new UsageError(`--op must be put or get, got ${JSON.stringify(op)}`);
  if (clients < 1) throw new UsageError('--clients must be at least 1');
  if (!(seconds > 0)) throw new UsageError('--seconds must be a positive number');
  if (!(warmupSeconds >= 0)) throw new UsageError('--warmup must be a non-negative number');
  if (keys < 1 || valueBytes < 1) throw new UsageError('--keys and --value-bytes must be at least 1');
  if (!(HTTP_CLIENT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--http-client must be one of ${HTTP_CLIENT_KINDS.join(', ')}`);
  if (urls.length === 0) throw new UsageError('--url needs at least one URL');

  const http = createHttpClient(kind as HttpClientKind, clients);
  const workload = createWorkload(keys, valueBytes);
  const auth = token ? { token } : {};
  const originOf = (client: number) => urls[client % urls.length]!;
  const progress = createProgress();
  try {
    if (op === 'get' && !args.flags.has('no-prefill')) {
      progress.update(`prefill ${keys} keys`, 0, '');
      await prefill(workload.keys, (key, client) => atlasHttpPut(http, originOf(client), key, workload.values[0]!, auth), Math.min(64, Math.max(clients, 16)));
      progress.done(`prefilled ${keys} keys`);
    }
    const pickers = Array.from({ length: clients }, (_, c) => new ClientPicker(workload, c));
    const label = `${op} @${clients} clients`;
    const result = await runClosedLoop({
      clients,
      seconds,
      warmupSeconds,
      operation:
        op === 'put'
          ? (c) => atlasHttpPut(http, originOf(c), pickers[c]!.key(), pickers[c]!.value(), auth)
          : (c) => atlasHttpGet(http, originOf(c), pickers[c]!.key(), auth),
      onProgress: (p) => progress.update(label, p.elapsedSeconds / p.totalSeconds, `${Math.round(p.ops / Math.max(0.001, p.elapsedSeconds))}/s${p.errors > 0 ? ` ${p.errors} errors` : ''}`),
    });
    progress.done(`${label}: done`);
    console.log(args.flags.has('json') ? JSON.stringify({ op, urls, ...result }) : formatResult(op, result));
    return result.ops > 0 ? 0 : 1;
  } finally {
    await http.close();
  }
}

export function formatResult(op: string, r: LoadResult): string {
  const lines = [
    `${op}: ${r.clients} clients, ${r.seconds} s`,
    `  throughput  ${r.throughputPerSecond.toFixed(1)} ops/s (${r.ops} ok, ${r.errors} errors)`,
    `  latency ms  p50 ${r.latency.p50Ms}  p99 ${r.latency.p99Ms}  p99.9 ${r.latency.p999Ms}  max ${r.latency.maxMs}  mean ${r.latency.meanMs}`,
  ];
  if (r.errorSamples.length > 0) lines.push(`  errors e.g. ${r.errorSamples.join(' | ')}`);
  return lines.join('\n');
}
