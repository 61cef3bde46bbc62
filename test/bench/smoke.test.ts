// The whole bench, end to end, in a tiny configuration: real Atlas, etcd and JetStream clusters,
// one concurrency level, two rounds of 1 s per cell, failover included. Writes its report to a temp dir.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/report-types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TIME_LIMIT_MS = 60_000;

describe('npm run bench (smoke)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it(
    'runs every system and transport, every cell twice, and writes the three reports',
    async () => {
      const args = ['--import', 'tsx', 'bench/run.ts', '--seconds', '1', '--rounds', '2', '--warmup', '0', '--concurrency', '8', '--keys', '100', '--idle-settle', '1', '--out', outDir];
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGTERM'), TIME_LIMIT_MS - 3_000);
      const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
      clearTimeout(timer);
      expect(code, output).toBe(0);

      const report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as BenchReport;
      const cells = report.runs.map((r) => `${r.target}:${r.op}:${r.clients}`).sort();
      expect(cells).toEqual(['atlas-http:get:8', 'atlas-http:put:8', 'atlas-nats:get:8', 'atlas-nats:put:8', 'etcd-http:get:8', 'etcd-http:put:8', 'jetstream-kv:get:8', 'jetstream-kv:put:8']);
      for (const r of report.runs) {
        expect(r.ops, `${r.target} ${r.op}`).toBeGreaterThan(0);
        expect(r.latency.p50Ms).toBeGreaterThan(0);
        expect(r.latency.p99Ms).toBeGreaterThanOrEqual(r.latency.p50Ms);
        expect(r.roundThroughputs, `${r.target} ${r.op} rounds`).toHaveLength(2);
        expect(r.roundThroughputs).toContain(r.throughputPerSecond);
      }
      expect(report.config.rounds).toBe(2);
      for (const s of report.systems) expect(s.idleCpuPercent, s.name).toBeGreaterThanOrEqual(0);
      expect(report.failovers.map((f) => f.system).sort()).toEqual(['atlas', 'etcd']);
      for (const f of report.failovers) expect(f.failoverMs, `${f.system} recovered`).not.toBeNull();
      const atlasReplicas = report.processes.filter((p) => p.system === 'atlas');
      expect(atlasReplicas).toHaveLength(3);
      for (const p of atlasReplicas) expect(p.idleRssMb).toBeGreaterThan(10);
      expect(report.processes.filter((p) => p.system === 'etcd' && p.peakRssMb! > 0)).toHaveLength(3);
      expect(report.processes.filter((p) => p.system === 'jetstream' && p.peakRssMb! > 0)).toHaveLength(3);
      expect(report.targets.map((t) => t.id)).toEqual(['http-put', 'nats-put', 'http-get', 'idle-rss', 'failover']);

      expect(readFileSync(join(outDir, 'latest.md'), 'utf8')).toContain('| put | 8 |');
      expect(existsSync(join(outDir, 'latest.svg'))).toBe(true);
      expect(output).toContain('report: ');
    },
    TIME_LIMIT_MS,
  );
});
