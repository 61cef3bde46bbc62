// The esbuild bundle of the CLI (npm run build) runs without tsx and serves a real replica.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleCli, REPO_ROOT } from '../../infra/node/bundle.ts';
import { freePorts } from '../../infra/node/free-port.ts';
import { startNatsServer } from '../../infra/node/nats-server.ts';

describe('bundled CLI', () => {
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  const outDir = mkdtempSync(join(REPO_ROOT, 'dist', 'test-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'atlas-bundle-'));
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints usage and runs a single-replica cluster that accepts a write', async () => {
    const cli = await bundleCli(join(outDir, 'atlas.mjs'));
    expect(execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' })).toMatch(/usage: atlas <command>/);

    const nats = await startNatsServer({});
    const [port] = await freePorts(1);
    const child = spawn(process.execPath, [cli, 'replica', '--id', 'r1', '--peers', 'r1', '--cluster', 'bundle', '--data', dataDir, '--http', String(port), '--nats', nats.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = await fetch(`http://127.0.0.1:${port}/v1/kv/greeting`, { method: 'PUT', body: 'hello' }).then((r) => r.status, () => 0);
      }
      expect(status, output).toBe(200);
      const read = await fetch(`http://127.0.0.1:${port}/v1/kv/greeting`);
      expect(await read.text()).toContain('hello');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await nats.stop();
    }
  }, 30_000);
});
