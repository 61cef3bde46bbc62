// `atlas dev` (what `npm start` runs) stops everything it started: on one SIGINT cleanly (exit 0),
// and on a second signal during that stop at once (exit 130) without leaving a replica behind. A
// second signal is what `pkill -f` delivers when it reaches both tsx and the process tsx runs.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../infra/node/nats-server.ts';
import { waitUntil } from '../helpers/process-cluster.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MAIN = join(REPO, 'infra/cli/main.ts');
const REPLICAS = 3;

let scratch: string;
let nats: NatsServerHandle;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'atlas-dev-command-'));
  nats = await startNatsServer({});
});
afterAll(async () => {
  // Whatever a failed run left behind: every process given a data directory under scratch.
  if (scratch) spawnSync('pkill', ['-KILL', '-f', '--', `--data ${scratch}`]);
  await nats?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** `count` consecutive free loopback ports (atlas dev takes --http P for the gateway, P+1.. for replicas). */
async function consecutiveFreePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below the kernel's ephemeral range (32768+), where other tests' outgoing connections take ports.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const held: ReturnType<typeof createServer>[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const server = createServer();
        held.push(server);
        await new Promise<void>((ok, fail) => {
          server.once('error', fail);
          server.listen(base + i, '127.0.0.1', () => ok());
        });
      }
      return base;
    } catch {
      // taken: try another base
    } finally {
      await Promise.all(held.map((s) => new Promise<void>((ok) => (s.listening ? s.close(() => ok()) : ok()))));
    }
  }
  throw new Error(`no ${count} consecutive free ports`);
}

interface DevProcess {
  readonly child: ChildProcess;
  readonly replicaUrls: readonly string[];
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startDev(name: string): Promise<DevProcess> {
  const base = await consecutiveFreePorts(REPLICAS + 1);
  const env = { ...process.env, ATLAS_NATS_URL: nats.url, ATLAS_CLUSTER: name };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'dev', '--http', String(base), '--data', join(scratch, name)], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const replicaUrls = Array.from({ length: REPLICAS }, (_, i) => `http://127.0.0.1:${base + i + 1}`);
  // Fails at once, with everything atlas dev printed, if it exits before a leader is elected.
  const exitedEarly = exited.then((e) => {
    throw new Error(`atlas dev exited early (${JSON.stringify(e)})`);
  });
  try {
    await Promise.race([waitUntil('atlas dev with a leader', () => /leader at term/.test(output), 60_000), exitedEarly]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\natlas dev output:\n${output}`);
  } finally {
    exitedEarly.catch(() => {});
  }
  return { child, replicaUrls, output: () => output, exited };
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

/** True once no replica answers HTTP any more; false if one still does after `withinMs`. */
async function replicasGone(urls: readonly string[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const alive = await Promise.all(urls.map(answers));
    if (!alive.some(Boolean)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('atlas dev with real processes', () => {
  it('stops its replicas and exits 0 on one SIGINT', async () => {
    const dev = await startDev('once');
    expect((await Promise.all(dev.replicaUrls.map(answers))).every(Boolean)).toBe(true);
    dev.child.kill('SIGINT');
    expect(await dev.exited).toEqual({ code: 0, signal: null });
    expect(dev.output()).toContain('stopping the dev cluster...');
    expect(await replicasGone(dev.replicaUrls, 3_000)).toBe(true);
  });

  it('on a second signal during the stop exits 130 at once and leaves no replica running', async () => {
    const dev = await startDev('twice');
    dev.child.kill('SIGTERM');
    await waitUntil('the stop to begin', () => dev.output().includes('stopping the dev cluster...'), 10_000, 1);
    dev.child.kill('SIGTERM');
    expect(await dev.exited).toEqual({ code: 130, signal: null });
    // Orphaned replicas would keep answering: they are gone within moments of the exit.
    expect(await replicasGone(dev.replicaUrls, 3_000)).toBe(true);
  });
});
