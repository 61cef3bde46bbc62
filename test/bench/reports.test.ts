import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBenchOptions, BenchUsageError } from '../../bench/options.ts';
import { parseProcStatus, readProcessMemory } from '../../bench/process-memory.ts';
import { renderBar } from '../../bench/progress.ts';
import { writeReports } from '../../bench/report-files.ts';
import { renderMarkdown } from '../../bench/report-markdown.ts';
import { niceCeiling, renderSvg } from '../../bench/report-svg.ts';
import type { BenchReport, FailoverRecord, ProcessRecord, RunRecord } from '../../bench/report-types.ts';
import type { OpKind, TargetName } from '../../bench/systems/types.ts';
import { evaluateTargets } from '../../bench/targets.ts';

function run(target: TargetName, op: OpKind, clients: number, throughputPerSecond: number, p99Ms: number, errors = 0): RunRecord {
  const system = target.startsWith('atlas') ? 'atlas' : target === 'etcd-http' ? 'etcd' : 'jetstream';
  return {
    target,
    system,
    transport: target.endsWith('http') ? 'http' : 'nats',
    op,
    clients,
    seconds: 10,
    ops: throughputPerSecond * 10,
    errors,
    throughputPerSecond,
    latency: { count: throughputPerSecond * 10, minMs: 0.5, meanMs: p99Ms / 4, p50Ms: p99Ms / 5, p90Ms: p99Ms / 2, p99Ms, p999Ms: p99Ms * 2, maxMs: p99Ms * 3 },
    errorSamples: errors > 0 ? ['HTTP 503'] : [],
  };
}

const atlasProcesses: ProcessRecord[] = [
  { system: 'atlas', label: 'atlas replica r1', idleRssMb: 80.5, peakRssMb: 150 },
  { system: 'atlas', label: 'atlas replica r2', idleRssMb: 78, peakRssMb: 140 },
  { system: 'etcd', label: 'etcd m1', idleRssMb: null, peakRssMb: 60 },
];
const failovers: FailoverRecord[] = [
  { system: 'atlas', failoverMs: 900, killed: 'atlas replica r1', termBefore: 2, newLeader: 'atlas replica r2', termAfter: 3, killedTheLeader: true, steadyPutsPerSecond: 800, failedWrites: 3, errorSamples: [] },
  { system: 'etcd', failoverMs: 2300, killed: 'etcd m1', termBefore: 2, newLeader: 'etcd m3', termAfter: 3, killedTheLeader: true, steadyPutsPerSecond: 700, failedWrites: 9, errorSamples: [] },
];

function report(runs: RunRecord[]): BenchReport {
  return {
    schema: 1,
    startedAt: '2024-06-01T00:00:00.000Z',
    finishedAt: '2024-06-01T00:05:00.000Z',
    durationSeconds: 300,
    machine: { cpus: 2, node: '20.20.2', platform: 'linux x64', loadAverageAtStart: [0.5, 0.4, 0.3], loadAverageAtEnd: [1.5, 1, 0.5] },
    config: { seconds: 10, warmupSeconds: 1, concurrency: [1, 16, 64, 256], systems: ['atlas', 'etcd', 'jetstream'], keys: 10_000, valueBytes: 100, seed: 1, httpClient: 'undici', natsConnections: 3, quick: false },
    systems: [{ name: 'etcd', version: 'etcd 3.4.23', notes: ['etcd note'], readSemantics: { 'etcd-http': 'linearizable' } }],
    runs,
    processes: atlasProcesses,
    failovers,
    targets: evaluateTargets(runs, atlasProcesses, failovers),
    notes: ['generator note'],
  };
}

const fullRuns: RunRecord[] = (['atlas-http', 'etcd-http', 'atlas-nats', 'jetstream-kv'] as const).flatMap((target) =>
  (['put', 'get'] as const).flatMap((op) => [1, 16, 64, 256].map((c) => run(target, op, c, (target.startsWith('atlas') ? 2 : 1) * c * 100, 10))),
);

describe('evaluateTargets', () => {
  it('passes ratio targets at 64 clients and reports the ratio', () => {
    const checks = evaluateTargets(
      [run('atlas-http', 'put', 64, 9_000, 20), run('etcd-http', 'put', 64, 4_400, 25), run('atlas-http', 'get', 64, 8_000, 5), run('etcd-http', 'get', 64, 4_400, 9)],
      atlasProcesses,
      failovers,
    );
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId['http-put']!.status).toBe('PASS');
    expect(byId['http-put']!.ratio).toBe(2.05);
    expect(byId['http-get']!.status).toBe('FAIL');
    expect(byId['http-get']!.ratio).toBe(1.82);
    expect(byId['nats-put']!.status).toBe('N/A');
    expect(byId['idle-rss']!.status).toBe('PASS');
    expect(byId['failover']!.status).toBe('PASS');
    expect(byId['failover']!.measured).toContain('etcd 2300 ms');
  });

  it('fails the HTTP put target when Atlas is fast enough but its p99 is worse', () => {
    const [httpPut] = evaluateTargets([run('atlas-http', 'put', 64, 10_000, 30), run('etcd-http', 'put', 64, 4_000, 25)], [], []);
    expect(httpPut!.status).toBe('FAIL');
    expect(httpPut!.ratio).toBe(2.5);
  });

  it('holds a repeated cell to the median of its per-round ratios, and names both estimates', () => {
    // Round 2 caught Atlas in a slow phase of the host and etcd in a fast one: the median rounds pair
    // Atlas's 6,000 with etcd's 3,000 (2x), while round by round Atlas was 1.5x, 1.6x and 1.7x.
    const atlas: RunRecord = { ...run('atlas-http', 'get', 64, 6_000, 5), roundThroughputs: [6_000, 4_800, 6_800] };
    const etcd: RunRecord = { ...run('etcd-http', 'get', 64, 3_000, 9), roundThroughputs: [4_000, 3_000, 4_000] };
    const httpGet = evaluateTargets([atlas, etcd], [], []).find((c) => c.id === 'http-get')!;
    expect(httpGet.ratio).toBe(1.6);
    expect(httpGet.status).toBe('FAIL');
    expect(httpGet.measured).toContain('1.6x, the median of the rounds\' ratios 1.5x, 1.6x, 1.7x (2x between the median rounds)');
    // Unequal round counts cannot be paired: the ratio of the median rounds decides.
    const unpaired = evaluateTargets([atlas, { ...etcd, roundThroughputs: [4_000, 3_000] }], [], []).find((c) => c.id === 'http-get')!;
    expect(unpaired.ratio).toBe(2);
    expect(unpaired.status).toBe('PASS');
  });

  it('fails idle RSS and failover above their limits, and refuses a kill of a non-leader', () => {
    const checks = evaluateTargets([], [{ system: 'atlas', label: 'r1', idleRssMb: 100.1, peakRssMb: 120 }], [{ ...failovers[0]!, failoverMs: 1_600 }]);
    expect(checks.find((c) => c.id === 'idle-rss')!.status).toBe('FAIL');
    expect(checks.find((c) => c.id === 'failover')!.status).toBe('FAIL');
    const invalid = evaluateTargets([], [], [{ ...failovers[0]!, killedTheLeader: false }]);
    expect(invalid.find((c) => c.id === 'failover')!.status).toBe('N/A');
  });
});

describe('report writers', () => {
  it('renders the targets and one row per op and concurrency in Markdown', () => {
    const md = renderMarkdown(report(fullRuns));
    expect(md).toContain('## Targets');
    // Atlas at exactly 2.0x etcd with an equal p99 meets the HTTP put target.
    expect(md).toMatch(/\| HTTP put @64: [^|]* \| \*\*PASS\*\* \| Atlas 12,800\/s \(p99 10 ms\) vs etcd-http 6,400\/s \(p99 10 ms\): 2x \|/);
    expect(md).toContain('| put | 64 | 12,800 | 2 | 10 | 20 | 6,400 | 2 | 10 | 20 | 2.00x |');
    expect(md.match(/^\| (put|get) \| \d+ \|/gm)).toHaveLength(16);
    expect(md).toContain('| etcd | 2300 | etcd m1 (2) | etcd m3 (3) | 700 | 9 |');
    expect(md).toContain('![throughput and p99 against concurrency](latest.svg)');
    expect(md).toContain('- etcd-http reads: linearizable');
  });

  it('lists every round of a repeated cell with its spread, and says rows are median rounds', () => {
    const repeated: RunRecord = { ...run('atlas-nats', 'put', 64, 5_000, 10), roundThroughputs: [4_000, 5_000, 6_000] };
    const base = report([repeated, run('jetstream-kv', 'put', 64, 9_000, 10)]);
    const md = renderMarkdown({ ...base, config: { ...base.config, rounds: 3 } });
    expect(md).toContain('Every cell ran 3 rounds, the targets taking turns');
    expect(md).toContain('| atlas-nats | put | 64 | 4,000, 5,000, 6,000 | 1.50x |');
    expect(renderMarkdown(report(fullRuns))).not.toContain('## Rounds');
  });

  it('marks runs with errors', () => {
    const md = renderMarkdown(report([run('atlas-http', 'put', 64, 100, 10, 7)]));
    expect(md).toContain('100 (7 err)');
    expect(md).toContain('## Errors');
  });

  it('lists server and load generator CPU per operation', () => {
    const costed: RunRecord = { ...run('atlas-nats', 'put', 64, 5_000, 10), perOp: { cpuMicrosPerOp: 210.5, natsServerCpuMicrosPerOp: 33.1, clientCpuMicrosPerOp: 61.25, raftMessagesPerOp: 0.2, syncsPerOp: 0.11 } };
    const other: RunRecord = { ...run('jetstream-kv', 'put', 64, 9_000, 10), perOp: { cpuMicrosPerOp: 101.8, clientCpuMicrosPerOp: 51.5 } };
    const md = renderMarkdown(report([costed, other]));
    expect(md).toContain('| target | op | clients | CPU µs/op | Atlas nats-server CPU µs/op | load generator CPU µs/op | Raft messages/op | syncs/op |');
    expect(md).toContain('| atlas-nats | put | 64 | 210.5 | 33.1 | 61.25 | 0.2 | 0.11 |');
    expect(md).toContain('| jetstream-kv | put | 64 | 101.8 | – | 51.5 | – | – |');
  });

  it('draws one polyline per target in each of the four panels', () => {
    const svg = renderSvg(report(fullRuns));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const polylines = [...svg.matchAll(/<polyline data-target="([a-z-]+)"[^>]* points="([^"]+)"\/>/g)];
    expect(polylines).toHaveLength(16);
    for (const [, , points] of polylines) {
      const pairs = points!.split(' ');
      expect(pairs).toHaveLength(4);
      for (const pair of pairs) expect(pair).toMatch(/^\d+(\.\d)?,\d+(\.\d)?$/);
    }
    // Throughput rises with concurrency in the fixture, so y (screen) decreases along each throughput line.
    const atlasPut = polylines.find(([, target]) => target === 'atlas-http')![2]!.split(' ').map((p) => Number(p.split(',')[1]));
    expect(atlasPut).toEqual([...atlasPut].sort((a, b) => b - a));
    expect(svg.match(/<text[^>]*>Atlas \(HTTP\)<\/text>/)).not.toBeNull();
  });

  it('picks round axis maxima', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(1_234)).toBe(2_000);
    expect(niceCeiling(2_100)).toBe(2_500);
    expect(niceCeiling(4_400)).toBe(5_000);
  });

  it('writes latest.json, latest.md and latest.svg', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    try {
      const r = report(fullRuns);
      const paths = writeReports(r, dir);
      expect(JSON.parse(readFileSync(paths.json, 'utf8'))).toEqual(r);
      expect(readFileSync(paths.markdown, 'utf8')).toBe(renderMarkdown(r));
      expect(readFileSync(paths.svg, 'utf8')).toBe(renderSvg(r));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('process memory, progress and options', () => {
  it('parses VmRSS and VmHWM from /proc/<pid>/status', () => {
    expect(parseProcStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n')).toEqual({ rssBytes: 100 * 1024 * 1024, peakRssBytes: 200 * 1024 * 1024 });
    expect(parseProcStatus('Name:\tkthreadd\n')).toBeNull();
    const self = readProcessMemory(process.pid)!;
    expect(self.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(self.peakRssBytes).toBeGreaterThanOrEqual(self.rssBytes);
    expect(readProcessMemory(2 ** 22 + 12_345)).toBeNull();
  });

  it('renders a progress bar', () => {
    expect(renderBar(0.5, 10)).toBe('[#####-----]  50%');
    expect(renderBar(2, 4)).toBe('[####] 100%');
    expect(renderBar(Number.NaN, 4)).toBe('[----]   0%');
  });

  it('parses flags, with --quick defaults that explicit flags override', () => {
    const full = parseBenchOptions([], '/out');
    expect(full).toMatchObject({ seconds: 5, rounds: 3, concurrency: [1, 16, 64, 256], systems: ['atlas', 'etcd', 'jetstream'], failover: true, outDir: '/out', quick: false });
    const quick = parseBenchOptions(['--quick', '--seconds', '2', '--concurrency=64,16,64', '--systems', 'etcd,atlas', '--no-failover'], '/out');
    expect(quick).toMatchObject({ seconds: 2, rounds: 1, concurrency: [16, 64], systems: ['atlas', 'etcd'], failover: false, quick: true });
    expect(parseBenchOptions(['--rounds', '5'], '/out').rounds).toBe(5);
    expect(() => parseBenchOptions(['--rounds', '0'], '/out')).toThrow(/--rounds/);
    expect(() => parseBenchOptions(['--systems', 'redis'], '/out')).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--concurrency', '0'], '/out')).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(['--bogus'], '/out')).toThrow(/unknown flag --bogus/);
  });

  it('narrows the matrix to chosen operations and targets', () => {
    expect(parseBenchOptions([], '/out')).toMatchObject({ ops: ['put', 'get'], targets: null });
    expect(parseBenchOptions(['--ops', 'get,put', '--targets', 'atlas-http'], '/out')).toMatchObject({ ops: ['put', 'get'], targets: ['atlas-http'] });
    expect(parseBenchOptions(['--ops', 'put'], '/out').ops).toEqual(['put']);
    expect(() => parseBenchOptions(['--ops', 'delete'], '/out')).toThrow(/--ops/);
    expect(() => parseBenchOptions(['--targets', 'atlas-grpc'], '/out')).toThrow(/unknown target "atlas-grpc"/);
  });
});
